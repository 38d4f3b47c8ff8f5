// What happened before the simulator started: a week of task history per node (nightly vzdump,
// apt updates, console sessions, power actions by operators and automation) and the backups the
// nightly job left on the regional PBS. Generated on demand from the seed, anchored at the
// cluster's epoch, so listings are stable for the life of the simulator.

import { GiB } from './catalogue';
import type { BackupVolume, ClusterState, Guest } from './model';
import { diskFill } from './metrics';
import { Rng, hash32, unit } from './rng';
import { Task } from './tasks';
import type { LogLine } from './tasks';
import { aptUpdateLog, vzdumpLog, type VzdumpItem } from './task-logs';

const DAY_MS = 86_400_000;
const HISTORY_DAYS = 7;
/** The nightly job runs at 21:00 CET. */
const BACKUP_HOUR_UTC = 20;

const OPERATORS = ['noc-alice@pve', 'noc-bogdan@pve', 'field-chiara@pve', 'scmp@pve!automation'];

export function nodeHistory(cluster: ClusterState, nodeName: string): Task[] {
  const node = cluster.nodeByName.get(nodeName);
  if (!node) return [];
  const rng = new Rng(hash32(cluster.seed, nodeName, 'history'));
  const epoch = cluster.epochMs;
  const guests = [...cluster.guests.values()].filter((g) => g.node === nodeName && !g.template);
  const out: Task[] = [];
  let pid = 100_000 + rng.int(0, 50_000);
  const make = (startMs: number, type: string, id: string, user: string, durationMs: number, lines: () => LogLine[], error?: string, warnings?: number): void => {
    if (startMs + durationMs >= epoch || startMs < node.bootMs) return;
    pid += rng.int(5, 400);
    const task = new Task({
      node: nodeName, pid, pstart: Math.floor((startMs - node.bootMs) / 10), startMs, type, id, user, durationMs, lines,
      error, warnings,
    });
    task.finish(task.endMs);
    out.push(task);
  };

  for (let d = HISTORY_DAYS; d >= 1; d--) {
    const day = Math.floor(epoch / DAY_MS) * DAY_MS - d * DAY_MS;
    make(day + 3 * 3_600_000 + rng.int(0, 3_599_000), 'aptupdate', '', 'root@pam', rng.int(4_000, 12_000), aptUpdateLog);

    const backupStart = day + BACKUP_HOUR_UTC * 3_600_000 + rng.int(0, 20_000);
    const items = guests.map((g) => backupItem(cluster, g, backupStart));
    const failedOne = rng.chance(0.04) && items.length > 0;
    if (failedOne) {
      const victim = items[rng.int(0, items.length - 1)];
      if (victim) victim.error = 'backup write data failed: command error: write_data upload error: pipelined request failed: connection closed because of a broken pipe';
    }
    const durationMs = Math.max(2000, items.reduce((s, i) => s + i.seconds, 0) * 1000);
    const storage = cluster.backupJobs[0]?.storage ?? 'local';
    make(
      backupStart, 'vzdump', '', 'root@pam', durationMs,
      () => vzdumpLog(`--all 1 --mode snapshot --storage ${storage} --node ${nodeName} --quiet 1 --mailnotification failure`, items, [], backupStart, durationMs),
      failedOne ? 'job errors' : undefined,
    );

    // Daytime operations: consoles, restarts and snapshots by operators and automation.
    const ops = rng.int(0, 3);
    for (let i = 0; i < ops && guests.length > 0; i++) {
      const g = rng.pick(guests);
      const start = day + (8 + rng.int(0, 9)) * 3_600_000 + rng.int(0, 3_599_000);
      const user = rng.pick(OPERATORS);
      const q = g.type === 'qemu';
      const kind = rng.weighted([['console', 5], ['reboot', 2], ['snapshot', 1]] as const);
      if (kind === 'console') {
        make(start, q ? 'vncproxy' : 'vncshell', String(g.vmid), user, rng.int(30_000, 1_800_000), () => []);
      } else if (kind === 'reboot') {
        make(start, q ? 'qmreboot' : 'vzreboot', String(g.vmid), user, rng.int(8_000, 30_000), () => []);
      } else {
        make(start, q ? 'qmsnapshot' : 'vzsnapshot', String(g.vmid), user, rng.int(3_000, 9_000), () => [], undefined, 0);
      }
    }
  }
  return out;
}

function backupItem(cluster: ClusterState, g: Guest, startMs: number): VzdumpItem {
  const seconds = 4 + g.diskGiB * diskFill(g) * 0.03;
  return { guest: g, seconds, error: undefined, volid: pbsVolid(cluster, g, startMs), bytes: backupBytes(g) };
}

function pbsVolid(cluster: ClusterState, g: Guest, ms: number): string {
  const storage = cluster.backupJobs[0]?.storage ?? 'local';
  const ts = new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
  return `${storage}:backup/${g.type === 'qemu' ? 'vm' : 'ct'}/${g.vmid}/${ts}`;
}

export function backupBytes(g: Guest): number {
  return Math.round(g.diskGiB * GiB * diskFill(g) * 0.85);
}

const backupCache = new WeakMap<ClusterState, BackupVolume[]>();

/**
 * Nightly backups still kept on the PBS (keep-daily=3) of the guests that existed at the epoch.
 * Computed once per cluster: backups outlive their guests, and new guests have none yet.
 */
export function generatedBackups(cluster: ClusterState): BackupVolume[] {
  let cached = backupCache.get(cluster);
  if (!cached) {
    cached = buildBackups(cluster);
    backupCache.set(cluster, cached);
  }
  return cached;
}

function buildBackups(cluster: ClusterState): BackupVolume[] {
  const out: BackupVolume[] = [];
  const epoch = cluster.epochMs;
  for (const g of cluster.guests.values()) {
    if (g.template) continue;
    for (let d = 3; d >= 1; d--) {
      const day = Math.floor(epoch / DAY_MS) * DAY_MS - d * DAY_MS;
      const ms = day + BACKUP_HOUR_UTC * 3_600_000 + Math.floor(unit(g.profile, 'bk', d) * 1_800_000);
      if (ms / 1000 < g.ctime) continue;
      out.push({
        volid: pbsVolid(cluster, g, ms),
        storage: cluster.backupJobs[0]?.storage ?? 'local',
        node: undefined,
        vmid: g.vmid,
        type: g.type,
        ctime: Math.floor(ms / 1000),
        size: backupBytes(g),
        notes: `${g.name}`,
        protected: false,
      });
    }
  }
  return out;
}
