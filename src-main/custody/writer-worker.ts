/**
 * The custody writer thread's code (host: writer-thread.ts): its own
 * connection to the app's database, the custody log over it, and each
 * batch written in one transaction by writes.ts, as the main thread would.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ed25519NoteSigner, LEDGER_LOG_PREFIXES, MerkleLog, type NoteSigner } from '../ledger';
import { openDatabase } from '../store/database';
import { AppException } from '../util/app-exception';
import { decodeEvents, type FromWriter, type ToWriter, type WriterData } from './writer-thread';
import { CustodyWrites } from './writes';

const port = parentPort;
if (!port) throw new Error('writer-worker must run as a worker thread');
const data = workerData as WriterData;
// The main thread has migrated the database; this only opens it with the same settings.
const db = openDatabase(data.dbFile);
const log = new MerkleLog(db, { prefix: LEDGER_LOG_PREFIXES.custody });
const writes = new CustodyWrites(db, log);
const signers = new Map<number, NoteSigner>();
let autocheckpoint = -1;

const post = (m: FromWriter): void => port.postMessage(m);
// Writes are taken from here on: a thread that fails before this has written nothing.
post({ t: 'ready' });

port.on('message', (m: ToWriter) => {
  if (m.t === 'key') {
    signers.set(m.key, ed25519NoteSigner(m.name, m.privateKey));
    return;
  }
  if (m.t === 'close') {
    db.close();
    port.close();
    return;
  }
  try {
    const signer = signers.get(m.key);
    if (!signer) throw new Error(`no log key ${m.key} on this thread`);
    if (m.autocheckpoint !== autocheckpoint) {
      db.pragma(`wal_autocheckpoint = ${Math.max(0, Math.floor(m.autocheckpoint))}`);
      autocheckpoint = m.autocheckpoint;
    }
    const events = decodeEvents(m);
    db.transaction(() => {
      writes.guard(m.guard);
      writes.append(events, m.publicKeyId, m.origin, signer, m.createdAt);
    })();
    post({ id: m.id, size: log.size });
  } catch (err) {
    post({ id: m.id, error: err instanceof AppException ? { app: err.toAppError(), message: err.message } : { message: err instanceof Error ? err.message : String(err) } });
  }
});
