/**
 * Test fixture for writes.crash.test.ts, run in a child process
 * (`node --import tsx src-main/app/crash-writer.ts`) that the test kills
 * with SIGKILL. It opens the data folder the way the app does (createApp,
 * its router and services, a secret store that outlives the process) and performs
 * numbered writes interleaved across the operation journal, custody and
 * surveys, printing one acknowledgement line per write only after it
 * committed:
 *
 *   A <index> journal <operation id>        an operation entered the journal (planned)
 *   A <index> op <operation id> <snapname>   a real snapshot operation applied (queued for the engine)
 *   A <index> custody <appliance id>         a signed custody event (registration)
 *   A <index> survey <survey id> <revision>  a survey edit (a new revision)
 *
 * Environment: CRASH_DATA_DIR, CRASH_SECRETS (file), CRASH_FROM, CRASH_TO
 * (indexes [from, to)), CRASH_SIM (JSON {url, fingerprint, tokenId, secret}),
 * CRASH_VMIDS (JSON array of guests to snapshot).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { emptySurvey, type OperationDto, type SecretStoreStatus, type SurveyDetail } from '../../src-preload/contract';
import type { SecretStore } from '../secrets';
import { createApp, type App } from './create-app';

/** Secrets in a JSON file, replaced atomically: the custody key and the PVE token survive a kill. */
export class FileSecretStore implements SecretStore {
  constructor(private readonly file: string) {}
  private read(): Record<string, string> {
    return existsSync(this.file) ? (JSON.parse(readFileSync(this.file, 'utf8')) as Record<string, string>) : {};
  }
  private write(v: Record<string, string>): void {
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(v));
    renameSync(tmp, this.file);
  }
  async status(): Promise<SecretStoreStatus> {
    return { available: true, kind: 'ephemeral' };
  }
  async get(account: string): Promise<string | null> {
    return this.read()[account] ?? null;
  }
  async set(account: string, secret: string): Promise<void> {
    this.write({ ...this.read(), [account]: secret });
  }
  async delete(account: string): Promise<boolean> {
    const v = this.read();
    if (!(account in v)) return false;
    delete v[account];
    this.write(v);
    return true;
  }
}

export interface SimRef {
  url: string;
  fingerprint: string;
  tokenId: string;
  secret: string;
}

export const CONNECTION_NAME = 'crash-sim';
/** Every this many writes, the journal write is a real snapshot operation instead of a planned entry. */
export const OP_EVERY = 150;

export function openCrashApp(dataDir: string, secretsFile: string): Promise<App> {
  return createApp({ dataDir, version: '0.0.0-crash', transport: 'test', secrets: new FileSecretStore(secretsFile), fleet: { mode: 'configured' }, sync: false });
}

async function call<T>(app: App, channel: string, payload: unknown): Promise<T> {
  const r = await app.router.dispatch(channel, payload, { transport: 'test' });
  if (!r.ok) throw new Error(`${channel}: ${r.error.code} ${r.error.message}`);
  return r.value as T;
}

/** The connection to the simulator, added on the first run. */
async function connection(app: App, sim: SimRef): Promise<string> {
  const existing = app.connectionsRepo.list().find((c) => c.name === CONNECTION_NAME);
  if (existing) return existing.id;
  const c = await call<{ id: string }>(app, 'connections:add', { name: CONNECTION_NAME, kind: 'pve', url: sim.url, fingerprint: sim.fingerprint, tokenId: sim.tokenId, secret: sim.secret, site: 'crash' });
  return c.id;
}

async function main(): Promise<void> {
  const env = (k: string): string => {
    const v = process.env[k];
    if (v === undefined) throw new Error(`${k} is not set`);
    return v;
  };
  const from = Number(env('CRASH_FROM'));
  const to = Number(env('CRASH_TO'));
  const sim = JSON.parse(env('CRASH_SIM')) as SimRef;
  const app = await openCrashApp(env('CRASH_DATA_DIR'), env('CRASH_SECRETS'));
  const ack = (line: string) => process.stdout.write(`A ${line}\n`);

  const clusterId = await connection(app, sim);
  // Roles and quotas judge an operation against the synced inventory (the pool is the cluster).
  await call(app, 'fleet:syncNow', { clusterId });
  const plan = async (vmid: number, snapname: string) =>
    call<OperationDto>(app, 'operations:plan', { request: { action: 'snapshot', clusterId, vmid, snapname } });
  // Guests to snapshot (chosen by the test), several so that operations overlap.
  const vmids = JSON.parse(env('CRASH_VMIDS')) as number[];

  // A template for planned journal entries: the plan of a real operation, re-filed under fresh ids.
  const template = app.operations.journal.get((await plan(vmids[0]!, `tpl-${randomBytes(3).toString('hex')}`)).id)!;
  const job = await call<{ id: string }>(app, 'custody:createJob', {
    customer: 'Crash AG',
    tenant: 'crash',
    direction: 'import',
    dataVolumeBytes: 1000,
    originSite: 'a',
    destinationSite: 'b',
  });
  const surveys = new Map<number, SurveyDetail>();
  // Operations this start took over from the journal (queued or running when the last process died).
  process.stdout.write(`READY ${from} ${app.operations.journal.active().length}\n`);

  for (let i = from; i < to; i++) {
    switch (i % 3) {
      case 0: {
        if (i % OP_EVERY === 0) {
          const snapname = `crash-${i}`;
          const planned = await plan(vmids[(i / OP_EVERY) % vmids.length]!, snapname);
          await call(app, 'operations:apply', { id: planned.id });
          ack(`${i} op ${planned.id} ${snapname}`);
        } else {
          const id = `crash-op-${i}-${randomBytes(3).toString('hex')}`;
          app.operations.journal.create({ id, batchId: null, clusterId, actor: 'crash', request: template.request, plan: template.plan, steps: template.steps.map((s) => s.spec), state: 'planned' });
          ack(`${i} journal ${id}`);
        }
        break;
      }
      case 1: {
        const d = await call<{ appliance: { id: string } }>(app, 'custody:registerAppliance', {
          jobId: job.id,
          serial: `SN-${i}-${randomBytes(3).toString('hex')}`,
          model: 'crash-box',
          capacityBytes: 1,
          firmwareVersion: '1.0',
          securityModuleId: 'hsm-1',
          encryptionKeyId: `key-${i}`,
          kmsKeyRef: 'kms://k/1',
          operator: { name: 'Crash', role: 'hub_technician' },
          site: { name: 'hub' },
          reason: `write ${i}`,
        });
        ack(`${i} custody ${d.appliance.id}`);
        break;
      }
      default: {
        // Ten surveys edited in turn, each edit a new revision of one.
        const slot = Math.floor(i / 3) % 10;
        const cur = surveys.get(slot);
        const data = cur ? { ...cur.data, site: { ...cur.data.site, name: `survey ${slot} edit ${i}` } } : emptySurvey(`survey ${slot} edit ${i}`);
        const next = app.survey.save(cur ? { id: cur.id, expectedRevision: cur.revisionId, data, autosave: false } : { data, autosave: false });
        surveys.set(slot, next);
        ack(`${i} survey ${next.id} ${next.revisionId}`);
      }
    }
  }
  process.stdout.write('DONE\n');
  await app.close();
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    process.stderr.write(`crash-writer: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
