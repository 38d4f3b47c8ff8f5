// vzdump backup jobs started through the API.

import { fail, paramError } from '../errors';
import { backupBytes } from '../history';
import { diskFill } from '../metrics';
import type { Guest } from '../model';
import type { Params } from '../params';
import { splitList } from '../params';
import { vzdumpLog, type VzdumpItem } from '../task-logs';
import type { Task } from '../tasks';
import { assertQuorate, lockText, scaled, start, type OpContext } from './context';

export function vzdump(ctx: OpContext, node: string, p: Params): Task {
  const c = ctx.cluster;
  const all = p.bool('all') ?? false;
  const vmids = p.str('vmid');
  const pool = p.str('pool');
  if (all && vmids !== undefined) throw paramError({ all: "option conflicts with option 'vmid'" });
  if (!all && vmids === undefined && pool === undefined && !p.bool('stop')) throw paramError({ vmid: 'property is missing' });
  const storageId = p.str('storage') ?? 'local';
  const storage = c.storages.find((s) => s.id === storageId);
  if (!storage) throw fail(`storage '${storageId}' does not exist`);
  if (!storage.content.split(',').includes('backup')) throw fail(`storage '${storageId}' does not support backups`);
  if (pool !== undefined && !c.pools.some((x) => x.poolid === pool)) throw fail(`pool '${pool}' does not exist`);
  assertQuorate(ctx);

  const exclude = new Set(splitList(p.str('exclude') ?? '').map(Number));
  let selected: Guest[];
  let skipped: number[] = [];
  if (vmids !== undefined) {
    selected = [];
    for (const id of splitList(vmids).map(Number)) {
      const g = c.guests.get(id);
      if (!g) throw fail(`unable to find configuration file for VM ${id} - no such machine`);
      if (g.node === node) selected.push(g);
      else skipped.push(id);
    }
  } else {
    const inScope = [...c.guests.values()].filter((g) => !g.template && (all || g.pool === pool) && !exclude.has(g.vmid));
    selected = inScope.filter((g) => g.node === node);
    skipped = pool !== undefined ? inScope.filter((g) => g.node !== node).map((g) => g.vmid) : [];
  }
  selected.sort((a, b) => a.vmid - b.vmid);
  skipped.sort((a, b) => a - b);

  const failing = ctx.faults.taskFailure;
  const pbs = storage.type === 'pbs';
  const items: VzdumpItem[] = selected.map((g) => {
    const fill = diskFill(g);
    const s = pbs ? 4 + g.diskGiB * fill * 0.03 : 5 + g.diskGiB * fill * 0.25;
    const stamp = new Date(Math.floor(ctx.nowMs / 1000) * 1000);
    const volid = pbs
      ? `${storageId}:backup/${g.type === 'qemu' ? 'vm' : 'ct'}/${g.vmid}/${stamp.toISOString().replace('.000Z', 'Z')}`
      : `${storageId}:backup/vzdump-${g.type}-${g.vmid}-${stamp.toISOString().slice(0, 19).replace(/[-:]/g, '_').replace('T', '-')}.${g.type === 'qemu' ? 'vma.zst' : 'tar.zst'}`;
    const error = g.lock ? lockText(g)
      : failing ? 'backup write data failed: command error: write_data upload error: pipelined request failed: connection closed because of a broken pipe'
      : undefined;
    return { guest: g, seconds: s, error, volid, bytes: backupBytes(g) };
  });
  const argv = [
    vmids !== undefined ? splitList(vmids).join(' ') : all ? '--all 1' : `--pool ${pool ?? ''}`,
    `--storage ${storageId}`,
    `--mode ${p.str('mode') ?? 'snapshot'}`,
    p.has('compress') ? `--compress ${p.str('compress') ?? ''}` : '',
    `--node ${node}`,
  ].filter(Boolean).join(' ');
  const durationMs = scaled(ctx, Math.max(1, items.reduce((s, i) => s + i.seconds, 0)));
  const lines = vzdumpLog(argv, items, skipped, ctx.nowMs, durationMs);
  const lockedHere: Guest[] = [];
  for (const item of items) {
    if (item.error || item.guest.lock) continue;
    // The whole job holds each guest's backup lock; PVE takes it per guest in turn.
    item.guest.lock = 'backup';
    item.guest.version++;
    lockedHere.push(item.guest);
  }
  const anyError = items.some((i) => i.error);
  const notes = p.str('notes-template') ?? '{{guestname}}';
  const protect = p.bool('protected') ?? false;
  return start(ctx, {
    node, type: 'vzdump', id: vmids !== undefined && selected.length === 1 ? String(selected[0]?.vmid) : '',
    durationMs, lines, error: anyError ? 'job errors' : undefined, failAt: 1,
    onFinish: (_ok, at) => {
      for (const g of lockedHere) {
        if (g.lock === 'backup') g.lock = undefined;
        g.version++;
      }
      for (const item of items) {
        if (item.error) continue;
        c.backups.push({
          volid: item.volid, storage: storageId, node: storage.shared ? undefined : node, vmid: item.guest.vmid, type: item.guest.type, ctime: Math.floor(at / 1000), size: item.bytes,
          notes: notes.replace(/\{\{guestname\}\}/g, item.guest.name).replace(/\{\{vmid\}\}/g, String(item.guest.vmid)).replace(/\{\{node\}\}/g, node).replace(/\{\{cluster\}\}/g, c.info.name),
          protected: protect,
        });
      }
    },
  });
}
