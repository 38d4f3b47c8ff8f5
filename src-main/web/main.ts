/**
 * `npm run web`: browser mode. Builds the services through the composition
 * root, serves the contract on a loopback WebSocket and the renderer as
 * static files, and prints exactly one line: the URL with this run's token.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { createApp } from '../app/create-app';
import { defaultDataDir } from '../app/paths';
import { VERSION } from '../app/version';
import { parseArgs, UsageError } from '../util/args';
import { startWebServer } from './server';

const USAGE = 'usage: npm run web -- [--port N] [--data-dir DIR] [--ephemeral-secrets] [--demo | --no-demo] [--demo-sites N] [--seed N]';

async function main(argv: string[]): Promise<number> {
  let flags;
  try {
    ({ flags } = parseArgs(argv, {
      port: { type: 'number' },
      'data-dir': { type: 'string' },
      'renderer-dir': { type: 'string' },
      'ephemeral-secrets': { type: 'boolean' },
      demo: { type: 'boolean' },
      'no-demo': { type: 'boolean' },
      'demo-sites': { type: 'number' },
      seed: { type: 'number' },
      'no-sync': { type: 'boolean' },
    }));
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`${err.message}\n${USAGE}\n`);
      return 2;
    }
    throw err;
  }
  const port = (flags.port as number | undefined) ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`--port must be 0..65535\n${USAGE}\n`);
    return 2;
  }
  const rendererDir = resolve((flags['renderer-dir'] as string | undefined) ?? resolve(import.meta.dirname, '../../out/renderer'));
  if (!existsSync(resolve(rendererDir, 'index.html'))) {
    process.stderr.write(`The renderer is not built (${rendererDir}/index.html missing): run \`npm run build\` or use \`npm run web\`.\n`);
    return 2;
  }
  const app = await createApp({
    dataDir: resolve((flags['data-dir'] as string | undefined) ?? defaultDataDir()),
    version: VERSION,
    transport: 'browser',
    secrets: flags['ephemeral-secrets'] ? 'ephemeral' : 'keychain',
    fleet: flags['no-demo']
      ? { mode: 'configured' }
      : { mode: flags.demo ? 'demo' : 'auto', sites: (flags['demo-sites'] as number | undefined) ?? 12, seed: (flags.seed as number | undefined) ?? 1 },
    sync: !flags['no-sync'],
    syncInWorker: true,
  });
  const server = await startWebServer({
    router: app.router,
    events: app.events,
    log: app.log.child('web'),
    rendererDir,
    port,
    onSession: ({ remote }) => app.recordSignIn('browser', { via: 'websocket', remote }),
  });
  process.stdout.write(`Cairn console: ${server.url}\n`);
  const shutdown = async () => {
    await server.close();
    await app.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown());
  process.on('SIGTERM', () => void shutdown());
  return -1;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err: unknown) => {
    process.stderr.write(`Cairn could not start: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
