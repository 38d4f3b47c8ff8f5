/**
 * Connecting and disconnecting the SCMP. The flow mirrors PVE connections:
 * the operator confirms the certificate's fingerprint (from a probe that
 * sends nothing), then the token is checked against the SCMP over that pin
 * before anything is saved, and only then stored — token in the keychain,
 * endpoint in the connection registry (kind `scmp`). The registry is a port
 * so this module does not depend on how connections are kept.
 */
import type { ScmpConnectInput, ScmpStatus } from '../../src-preload/contract';
import { ScmpConnectInputSchema } from '../../src-preload/contract';
import { AppException } from '../util/app-exception';
import type { Logger } from '../util/log';
import { HttpsScmpClient, type ScmpClient } from './client';
import { toAppException } from './errors';
import type { ScmpInfo } from './schemas';
import type { ScmpEndpoint, ScmpSync } from './sync';

export interface ScmpRegistry {
  current(): ScmpEndpoint | null;
  /** Saves the token to the keychain first, then the endpoint; nothing is saved if either fails. */
  add(input: { name: string; url: string; fingerprint: string; tokenId: string; token: string }): Promise<ScmpEndpoint>;
  /** Removes the endpoint and deletes its token from the keychain. */
  remove(id: string): Promise<void>;
}

export interface ScmpConnectorOptions {
  registry: ScmpRegistry;
  sync: ScmpSync;
  log: Logger;
  /** Registers a secret with the process's redactor before it is used anywhere. */
  remember: (secret: string) => void;
  clientFor?: (url: string, fingerprint: string, token: string) => ScmpClient;
}

export class ScmpConnector {
  constructor(private readonly opts: ScmpConnectorOptions) {}

  async connect(raw: ScmpConnectInput): Promise<ScmpStatus> {
    const input = ScmpConnectInputSchema.parse(raw);
    this.opts.remember(input.token);
    if (this.opts.registry.current()) throw new AppException('conflict', 'An SCMP is already connected; disconnect it first');
    const info = await this.check(input.url, input.fingerprint, input.token);
    const host = new URL(input.url).host;
    const ep = await this.opts.registry.add({ name: `SCMP ${host}`, url: input.url, fingerprint: input.fingerprint, tokenId: input.tokenId, token: input.token });
    this.opts.log.info('scmp connected', { id: ep.id, url: ep.url, service: info.service, apiVersion: info.apiVersion });
    await this.opts.sync.syncNow();
    return this.opts.sync.status();
  }

  async disconnect(): Promise<ScmpStatus> {
    const ep = this.opts.registry.current();
    if (ep) {
      await this.opts.sync.forget();
      await this.opts.registry.remove(ep.id);
      this.opts.log.info('scmp disconnected', { id: ep.id, url: ep.url });
    }
    return this.opts.sync.status();
  }

  /** One call to /info over the pinned certificate with this token: the connection test. */
  async check(url: string, fingerprint: string, token: string): Promise<ScmpInfo> {
    const client =
      this.opts.clientFor?.(url, fingerprint, token) ??
      new HttpsScmpClient({ baseUrl: url, fingerprint, token: async () => token, timeoutMs: 10_000, retry: { attempts: 1 } });
    try {
      return await client.info();
    } catch (err) {
      throw toAppException(err, `SCMP at ${new URL(url).host}`);
    } finally {
      client.close();
    }
  }
}
