import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../store/database';
import { runOpsCli } from './cli';
import { OperationEngine } from './engine';
import { FakePve } from './fake-pve';

const dir = mkdtempSync(join(tmpdir(), 'cairn-ops-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { stdout: (s: string) => void out.push(s), stderr: (s: string) => void err.push(s), dataDir: dir } };
}

describe('cairn ops', () => {
  it('lists and shows journalled operations without a PVE connection', async () => {
    const pve = new FakePve();
    pve.addGuest({ vmid: 101, name: 'db-1' });
    const db = openDatabase(join(dir, 'cairn.db'));
    const engine = new OperationEngine({ db, clientFor: () => pve.client(), sizeOf: () => ({ vcpu: 2, memMiB: 4096 }), pollMs: 1 });
    const op = await engine.plan({ action: 'snapshot', clusterId: 'c1', vmid: 101, snapname: 'pre-upgrade' }, 'alice');
    engine.apply({ id: op.id }, 'alice');
    await engine.idle();
    await engine.close();
    db.close();

    const l = io();
    expect(await runOpsCli(['list', '--json'], l.io)).toBe(0);
    const list = JSON.parse(l.out.join('')) as { id: string; state: string; target: string }[];
    expect(list).toEqual([expect.objectContaining({ id: op.id, state: 'succeeded', target: 'db-1 (101)' })]);

    const s = io();
    expect(await runOpsCli(['show', '--id', op.id], s.io)).toBe(0);
    const text = s.out.join('');
    expect(text).toContain("snapshot VM 101 as 'pre-upgrade'");
    expect(text).toMatch(/\[done\].*UPID:n1:/);
    expect(text).toContain('step 1 step-submitted');

    const missing = io();
    expect(await runOpsCli(['show', '--id', 'nope'], missing.io)).toBe(1);
    expect(missing.err.join('')).toContain('no operation nope');
  });
  it('shows a migration’s placement: the proposal and each host’s verdict', async () => {
    const pve = new FakePve(['n1', 'n2', 'n3']);
    pve.addGuest({ vmid: 102, name: 'web-2' });
    const sub = mkdtempSync(join(dir, 'migrate-'));
    const db = openDatabase(join(sub, 'cairn.db'));
    const engine = new OperationEngine({ db, clientFor: () => pve.client(), sizeOf: () => ({ vcpu: 2, memMiB: 4096 }), pollMs: 1 });
    const op = await engine.plan({ action: 'migrate', clusterId: 'c1', vmid: 102 }, 'alice');
    await engine.close();
    db.close();
    const s = io();
    expect(await runOpsCli(['show', '--id', op.id, '--data-dir', sub], s.io)).toBe(0);
    const text = s.out.join('');
    expect(text).toMatch(/placement: advisor proposed n[23], chosen n[23]\n/);
    expect(text).toContain('  n1: rejected — web-2 runs here');
    expect(text).toMatch(/ {2}n[23]: #1\n/);
  });
});
