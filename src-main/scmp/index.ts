/**
 * Public entry of the SCMP connector: the published contract's schemas, the
 * `ScmpClient` port and its pinned HTTPS implementation, typed errors, the
 * loopback server that implements the contract (tests, demos), and
 * `ScmpSync`, which pulls into the local cache and pushes the outbox.
 */
export { HttpsScmpClient, DEFAULT_SCMP_RETRY, parseBody, retryAfterMs, errorFromResponse } from './client';
export type { ScmpClient, PullResult, PullOptions, PushResult, RetryPolicy, HttpsScmpClientOptions } from './client';
export { ScmpError, SCMP_ERROR_KINDS, isScmpError, toAppException, type ScmpErrorKind } from './errors';
export { LoopbackScmpServer, seedLoopbackScmp, type ScmpFaults, type RecordedRequest } from './loopback-server';
export { ScmpSync, sha256Hex, type ScmpEndpoint, type ScmpSyncOptions } from './sync';
export { ScmpStore } from './store';
export { ScmpConnector, type ScmpRegistry, type ScmpConnectorOptions } from './connector';
export * from './schemas';
export { runScmpCli, SCMP_HELP, type ScmpCliIo } from './cli';
