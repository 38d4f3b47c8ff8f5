/**
 * `npm run bench ledger [--quick]`: the tamper-evident log's costs on one
 * core: raw SHA-256, Ed25519 sign and verify of a checkpoint, MerkleLog
 * appends into a WAL SQLite file (1,000,000 leaves; 100,000 with --quick),
 * and proof generation at that size.
 */
import Database from 'better-sqlite3';
import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ledgerMigrationSql, MerkleLog } from '../src-main/ledger/merkle-log';
import { sha256, verifyInclusion } from '../src-main/ledger/merkle';
import { emit, percentile } from './report';

const BATCH = 10_000;

/** Calls fn repeatedly for about `ms` and returns calls per second. */
function rate(fn: () => void, ms = 1000): number {
  for (let i = 0; i < 200; i++) fn(); // warm up the JIT and OpenSSL
  let n = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (let i = 0; i < 100; i++) fn();
    n += 100;
    now = performance.now();
  }
  return (n * 1000) / (now - start);
}

function progress(s: string): void {
  process.stderr.write(`  ${s}\n`);
}

/** A custody-event-sized leaf (~150 bytes of JSON), distinct per index. */
function event(i: number): string {
  return JSON.stringify({ seq: i, at: '2026-01-01T00:00:00.000Z', kind: 'custody.handover', box: `BX-${i % 5000}`, from: 'site-rome-1', to: 'courier-7', seal: 'ok' });
}

export async function ledgerBench(args: string[]): Promise<void> {
  const quick = args.includes('--quick');
  const total = quick ? 100_000 : 1_000_000;

  const block = Buffer.alloc(65, 1); // an interior node's input: 0x01 ‖ left ‖ right
  emit({ name: 'ledger.sha256.rate', value: rate(() => sha256(block)), unit: 'hash/s', note: '65-byte input (one Merkle node), crypto.hash one-shot' });

  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const body = Buffer.from(`cairn.example/custody\n${total}\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n`);
  const sig = sign(null, body, privateKey);
  emit({ name: 'ledger.ed25519.sign_rate', value: rate(() => sign(null, body, privateKey)), unit: 'sig/s', note: 'checkpoint body' });
  emit({ name: 'ledger.ed25519.verify_rate', value: rate(() => verify(null, body, publicKey, sig)), unit: 'sig/s', note: 'checkpoint body' });

  const dir = mkdtempSync(join(tmpdir(), 'cairn-ledger-bench-'));
  const file = join(dir, 'ledger.db');
  const db = new Database(file);
  try {
    // The pragmas the app's store uses.
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec(ledgerMigrationSql('bench'));
    const log = new MerkleLog(db, { prefix: 'bench' });

    // Baseline: one transaction per leaf, as a careless caller would do.
    const singles = 2_000;
    let t = performance.now();
    for (let i = 0; i < singles; i++) log.append(event(i));
    const singleRate = (singles * 1000) / (performance.now() - t);

    progress(`appending ${total} leaves in batches of ${BATCH}`);
    let appendMs = 0;
    for (let start = singles; start < total; start += BATCH) {
      const n = Math.min(BATCH, total - start);
      // Building the events is the caller's cost, not the log's.
      const batch = Array.from({ length: n }, (_, k) => event(start + k));
      t = performance.now();
      log.appendBatch(batch);
      appendMs += performance.now() - t;
      if ((start + n) % 200_000 < BATCH) progress(`${start + n} leaves`);
    }
    const appendSeconds = appendMs / 1000;
    db.pragma('wal_checkpoint(TRUNCATE)');
    const bytes = statSync(file).size;
    emit({
      name: 'ledger.append.rate',
      value: (total - singles) / appendSeconds,
      unit: 'leaf/s',
      baseline: singleRate,
      note: `${total} leaves of ~${event(0).length} B, batches of ${BATCH}, WAL file, leaf hash + subtree hashes + SQLite; baseline = one transaction per leaf; ${(bytes / total).toFixed(0)} B/leaf on disk`,
    });

    const size = log.size;
    const root = log.root();
    let seed = 12345;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const samples: number[] = [];
    for (let k = 0; k < 5_000; k++) {
      const i = rand(size);
      const t0 = performance.now();
      const proof = log.inclusionProof(i);
      samples.push((performance.now() - t0) * 1000);
      if (k % 500 === 0 && !verifyInclusion({ leafHash: log.leafHash(i), index: i, size, proof, root }).valid) throw new Error(`inclusion proof for ${i} does not verify`);
    }
    samples.sort((a, b) => a - b);
    const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
    emit({ name: 'ledger.proof.inclusion_us', value: mean, unit: 'us', note: `mean over 5000 random leaves at size ${size}; p50 ${percentile(samples, 50).toFixed(1)}, p99 ${percentile(samples, 99).toFixed(1)}` });

    const cons: number[] = [];
    for (let k = 0; k < 2_000; k++) {
      const m = 1 + rand(size);
      const t0 = performance.now();
      log.consistencyProof(m);
      log.root(m);
      cons.push((performance.now() - t0) * 1000);
    }
    emit({ name: 'ledger.proof.consistency_us', value: cons.reduce((a, b) => a + b, 0) / cons.length, unit: 'us', note: `consistency proof plus historic root, random old size, at size ${size}` });

    t = performance.now();
    const integrity = log.verifyIntegrity();
    if (!integrity.valid) throw new Error(integrity.reason);
    emit({ name: 'ledger.integrity.seconds', value: (performance.now() - t) / 1000, unit: 's', note: `verifyIntegrity over ${size} leaves (re-hash everything)` });
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
