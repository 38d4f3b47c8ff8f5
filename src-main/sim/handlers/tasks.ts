// /nodes/{node}/tasks: task history with PVE's filters and paging, task status, task log, and
// stopping a task. Also the task list entry shape shared with /cluster/tasks.

import { fail, paramError } from '../errors';
import { defineParams, splitList } from '../params';
import type { RequestContext, RouteDef } from '../routes';
import { parseUpid, type Task } from '../tasks';
import { requireNode } from './common';

/** Tasks started by API tokens list the user and token separately (Tasks.pm convert_token_task). */
function setOwner(e: Record<string, unknown>, task: Task): void {
  const bang = task.user.indexOf('!');
  e.user = bang < 0 ? task.user : task.user.slice(0, bang);
  if (bang >= 0) e.tokenid = task.user.slice(bang + 1);
}

export function taskEntry(task: Task, nowMs: number, runningAsActive: boolean): Record<string, unknown> {
  const e: Record<string, unknown> = {
    upid: task.upid,
    node: task.node,
    pid: task.pid,
    pstart: task.pstart,
    starttime: task.starttime,
    type: task.type,
    id: task.id,
  };
  setOwner(e, task);
  if (task.state === 'stopped') {
    e.endtime = task.endtime;
    e.status = task.exitstatus;
  } else if (runningAsActive) {
    // The active list reports running workers like this to keep the GUI's columns filled.
    e.status = 'RUNNING';
    e.endtime = Math.floor(nowMs / 1000);
  }
  return e;
}

function statusClass(task: Task): 'ok' | 'warning' | 'error' | 'running' {
  if (task.state === 'running') return 'running';
  if (task.exitstatus === 'OK') return 'ok';
  if (task.exitstatus?.startsWith('WARNINGS')) return 'warning';
  return 'error';
}

export function taskRoutes(): RouteDef[] {
  return [
    {
      method: 'GET',
      path: '/nodes/{node}/tasks',
      proxied: true,
      params: defineParams(
        'errors?:bool limit?:int(0..) node:node since?:int source?:archive|active|all start?:int(0..)',
        'statusfilter?:str typefilter?:str until?:int userfilter?:str vmid?:vmid',
      ),
      handler: (ctx: RequestContext) => {
        const p = ctx.params;
        const node = requireNode(ctx.cluster, p.str('node') ?? '').name;
        const source = (p.str('source') ?? 'archive') as 'archive' | 'active' | 'all';
        const statuses = p.has('statusfilter') ? new Set(splitList(p.str('statusfilter') ?? '')) : undefined;
        const errorsOnly = p.bool('errors') ?? false;
        const typefilter = p.str('typefilter');
        const userfilter = p.str('userfilter')?.toLowerCase();
        const vmid = p.int('vmid');
        const since = p.int('since');
        const until = p.int('until');
        const matched = ctx.cluster.tasks.forNode(node, source, ctx.now).filter((t) => {
          if (typefilter !== undefined && t.type !== typefilter) return false;
          if (userfilter !== undefined && !t.user.toLowerCase().includes(userfilter)) return false;
          if (vmid !== undefined && t.id !== String(vmid)) return false;
          if (since !== undefined && t.starttime < since) return false;
          if (until !== undefined && t.starttime > until) return false;
          const cls = statusClass(t);
          if (errorsOnly && cls !== 'error') return false;
          if (statuses && cls !== 'running' && !statuses.has(cls)) return false;
          return true;
        });
        const start = p.int('start') ?? 0;
        const limit = p.int('limit') ?? 50;
        ctx.extra.total = matched.length;
        return matched.slice(start, start + limit).map((t) => taskEntry(t, ctx.now, true));
      },
    },
    {
      method: 'GET',
      path: '/nodes/{node}/tasks/{upid}/status',
      proxied: true,
      params: defineParams('node:node upid:str'),
      handler: (ctx: RequestContext) => {
        const task = findTask(ctx, true);
        const e: Record<string, unknown> = {
          upid: task.upid,
          node: task.node,
          pid: task.pid,
          pstart: task.pstart,
          starttime: task.starttime,
          type: task.type,
          id: task.id,
        };
        setOwner(e, task);
        e.status = task.state;
        if (task.state === 'stopped') e.exitstatus = task.exitstatus;
        return e;
      },
    },
    {
      method: 'GET',
      path: '/nodes/{node}/tasks/{upid}/log',
      proxied: true,
      params: defineParams('download?:bool limit?:int(0..) node:node start?:int(0..) upid:str'),
      handler: (ctx: RequestContext) => {
        const p = ctx.params;
        if (p.bool('download') && (p.has('start') || p.has('limit'))) {
          throw fail("'download' cannot be used together with 'start' or 'limit' parameters");
        }
        const task = findTask(ctx, false);
        const lines = task ? task.log(ctx.now) : ['unable to open file - No such file or directory'];
        const start = p.int('start') ?? 0;
        const limit = p.int('limit') ?? 50;
        ctx.extra.total = lines.length;
        // dump_logfile numbers lines from 1 and pages from `start`.
        return lines.slice(start, start + limit).map((t, i) => ({ n: start + i + 1, t }));
      },
    },
    {
      method: 'DELETE',
      path: '/nodes/{node}/tasks/{upid}',
      proxied: true,
      params: defineParams('node:node upid:str'),
      handler: (ctx: RequestContext) => {
        const task = findTask(ctx, true);
        ctx.cluster.tasks.stop(task, ctx.now);
        return null;
      },
    },
  ];
}

function findTask(ctx: RequestContext, required: true): Task;
function findTask(ctx: RequestContext, required: false): Task | undefined;
function findTask(ctx: RequestContext, required: boolean): Task | undefined {
  const upid = ctx.params.str('upid') ?? '';
  const node = requireNode(ctx.cluster, ctx.params.str('node') ?? '').name;
  if (!parseUpid(upid)) throw paramError({ upid: 'unable to parse worker upid' });
  const task = ctx.cluster.tasks.find(node, upid);
  if (!task && required) throw paramError({ upid: 'no such task' });
  return task;
}
