/**
 * Managing the connection registry together with the keychain: a connection
 * is added only when its secret is safely in the keychain, removed together
 * with its secret, and tested through the real client. The secret never
 * leaves this module except towards the keychain and the API client.
 */
import type { CertificateInfo, Connection, ConnectionInput, ConnectionTest } from '../../src-preload/contract';
import { ConnectionInputSchema } from '../../src-preload/contract';
import type { ConnectionRecord, ConnectionsRepo } from '../store/connections-repo';
import type { SecretStore } from '../secrets';
import { AppException } from '../util/app-exception';
import type { Logger, Redactor } from '../util/log';

/** What the connections service needs from the API clients (PVE, SCMP). */
export interface EndpointGateway {
  probe(url: string): Promise<CertificateInfo>;
  test(conn: ConnectionRecord, secret: string): Promise<{ version: string; latencyMs: number }>;
}

export function secretAccount(connectionId: string): string {
  return `connection:${connectionId}`;
}

export class ConnectionsService {
  private readonly hasSecret = new Set<string>();

  constructor(
    private readonly repo: ConnectionsRepo,
    private readonly secrets: SecretStore,
    /** Simulated clusters' tokens: fresh every run, kept in memory only. */
    private readonly demoSecrets: SecretStore,
    private readonly gateway: EndpointGateway,
    private readonly redactor: Redactor,
    private readonly log: Logger,
  ) {}

  async list(): Promise<Connection[]> {
    const out: Connection[] = [];
    for (const r of this.repo.list()) out.push(await this.toDto(r));
    return out;
  }

  get(id: string): ConnectionRecord {
    const rec = this.repo.get(id);
    if (!rec) throw new AppException('not_found', `No connection with id ${id}`, { field: 'id' });
    return rec;
  }

  async probe(url: string): Promise<CertificateInfo> {
    return this.gateway.probe(url);
  }

  async add(raw: ConnectionInput, opts: { simulated?: boolean } = {}): Promise<Connection> {
    const input = ConnectionInputSchema.parse(raw);
    if (this.repo.findByName(input.name)) throw new AppException('conflict', `A connection named "${input.name}" already exists`, { field: 'name' });
    this.redactor.add(input.secret);
    const id = crypto.randomUUID();
    // Keychain first: if it refuses, nothing is written and the error says how to fix it.
    await this.secrets.set(secretAccount(id), input.secret);
    this.hasSecret.add(id);
    try {
      const rec = this.repo.insert({
        id,
        name: input.name,
        kind: input.kind,
        url: input.url,
        fingerprint: input.fingerprint,
        tokenId: input.tokenId,
        site: input.site ?? null,
        simulated: opts.simulated ?? false,
      });
      this.log.info('connection added', { id, name: rec.name, kind: rec.kind, url: rec.url });
      return await this.toDto(rec);
    } catch (err) {
      await this.secrets.delete(secretAccount(id)).catch(() => false);
      throw err;
    }
  }

  async remove(id: string): Promise<void> {
    const rec = this.get(id);
    await this.secrets.delete(secretAccount(id)).catch((err: unknown) => {
      this.log.warn('could not delete secret from keychain', { id, error: err instanceof Error ? err.message : String(err) });
      return false;
    });
    this.hasSecret.delete(id);
    this.repo.remove(id);
    this.log.info('connection removed', { id, name: rec.name });
  }

  async repin(id: string, fingerprint: string): Promise<Connection> {
    const rec = this.get(id);
    this.repo.setFingerprint(id, fingerprint);
    this.log.info('connection re-pinned', { id, name: rec.name, old: rec.fingerprint, new: fingerprint });
    return this.toDto(this.get(id));
  }

  /**
   * Register (or re-point, on a later run) a cluster of the built-in
   * simulated fleet. Its token is this run's and stays in memory.
   */
  async upsertSimulated(input: { name: string; url: string; fingerprint: string; tokenId: string; secret: string; site: string }): Promise<ConnectionRecord> {
    this.redactor.add(input.secret);
    let rec = this.repo.findByName(input.name);
    if (rec && !rec.simulated) throw new AppException('conflict', `A real connection is already named "${input.name}"`, { field: 'name' });
    if (rec) this.repo.updateEndpoint(rec.id, input.url, input.fingerprint);
    else
      rec = this.repo.insert({
        name: input.name,
        kind: 'pve',
        url: input.url,
        fingerprint: input.fingerprint,
        tokenId: input.tokenId,
        site: input.site,
        simulated: true,
      });
    await this.demoSecrets.set(secretAccount(rec.id), input.secret);
    return this.get(rec.id);
  }

  /** The secret for a connection, for the API clients only. */
  async secretFor(id: string): Promise<string> {
    const rec = this.get(id);
    const s = await (rec.simulated ? this.demoSecrets : this.secrets).get(secretAccount(id));
    if (s === null) throw new AppException('unauthenticated', `No secret is stored for this connection; remove and add it again`);
    this.redactor.add(s);
    return s;
  }

  async test(id: string): Promise<ConnectionTest> {
    const rec = this.get(id);
    try {
      const secret = await this.secretFor(id);
      const r = await this.gateway.test(rec, secret);
      return { ok: true, message: `Connected: ${r.version}`, version: r.version, latencyMs: r.latencyMs };
    } catch (err) {
      if (err instanceof AppException) return { ok: false, message: err.message };
      throw err;
    }
  }

  private async toDto(r: ConnectionRecord): Promise<Connection> {
    let has = this.hasSecret.has(r.id);
    if (r.simulated) has = (await this.demoSecrets.get(secretAccount(r.id))) !== null;
    else if (!has) {
      has = await this.secrets.get(secretAccount(r.id)).then(
        (s) => s !== null,
        () => false,
      );
      if (has) this.hasSecret.add(r.id);
    }
    return {
      id: r.id,
      name: r.name,
      kind: r.kind,
      url: r.url,
      fingerprint: r.fingerprint,
      tokenId: r.tokenId,
      site: r.site,
      hasSecret: has,
      createdAt: r.createdAt,
      simulated: r.simulated,
    };
  }
}
