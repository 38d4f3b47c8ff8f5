/**
 * `npm run bench [name…]`: runs the named benchmarks (all by default) and
 * prints their figures as JSON lines on stdout; progress goes to stderr.
 */
import { attestationBench } from './attestation';
import { fleetSyncBench } from './fleet-sync';
import { ledgerBench } from './ledger';
import { topologyBench } from './topology';

const BENCHES: Record<string, (args: string[]) => Promise<void>> = {
  fleet: fleetSyncBench,
  attestation: attestationBench,
  ledger: ledgerBench,
  topology: topologyBench,
};

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const names = args.filter((a) => !a.startsWith('--'));
  const unknown = names.filter((n) => !(n in BENCHES));
  if (unknown.length) {
    process.stderr.write(`unknown benchmark(s): ${unknown.join(', ')}; available: ${Object.keys(BENCHES).join(', ')}\n`);
    process.exit(2);
  }
  for (const name of names.length ? names : Object.keys(BENCHES)) {
    process.stderr.write(`# bench ${name}\n`);
    await BENCHES[name]!(args.filter((a) => a.startsWith('--')));
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
