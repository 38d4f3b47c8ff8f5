/**
 * One Cairn-like process for the two-process lease test
 * (lease-process.test.ts): opens the journal in the given database, runs an
 * engine with a real JournalLease against the simulator named in
 * CAIRN_LEASE_TEST, and prints one JSON line per event (started — executing
 * or read-only and why —, operation changes, takeover, a refused apply).
 * Not part of the app; run with `node --import tsx`.
 */
import { createPveClient } from '../pve';
import { openDatabase } from '../store/database';
import { OperationEngine } from './engine';
import { JournalLease } from './lease';

const [dbFile, name] = process.argv.slice(2) as [string, string];
const env = JSON.parse(process.env.CAIRN_LEASE_TEST ?? '{}') as { url: string; fingerprint: string; tokenId: string; secret: string; staleMs: number; plannedId?: string };
const say = (o: Record<string, unknown>): void => void process.stdout.write(`${JSON.stringify({ name, pid: process.pid, ...o })}\n`);

const db = openDatabase(dbFile);
const client = createPveClient({
  baseUrl: env.url,
  fingerprint: env.fingerprint,
  credentials: async () => ({ kind: 'token', tokenId: env.tokenId, secret: env.secret }),
  retry: { attempts: 2, baseDelayMs: 5, maxDelayMs: 20 },
});
const engine = new OperationEngine({
  db,
  clientFor: () => client,
  sizeOf: () => ({ vcpu: 1, memMiB: 512 }),
  pollMs: 50,
  lease: new JournalLease(db, { holder: name, staleAfterMs: env.staleMs }),
  onChanged: (c) => say({ event: 'changed', id: c.id, state: c.state }),
  onTakeover: (resumed) => say({ event: 'takeover', resumed }),
});
const resumed = engine.start();
say({ event: 'started', executing: engine.readOnlyReason === null, resumed, readOnly: engine.readOnlyReason, visible: engine.list().length });
if (env.plannedId && engine.readOnlyReason !== null) {
  try {
    engine.apply({ id: env.plannedId }, name);
    say({ event: 'applied' });
  } catch (e) {
    say({ event: 'apply-refused', message: e instanceof Error ? e.message : String(e) });
  }
}
process.on('SIGTERM', () => void engine.close().then(() => process.exit(0)));
setInterval(() => undefined, 60_000);
