/**
 * `npm run bench [name…]`: runs the named benchmarks (all by default) and
 * prints their figures as JSON lines on stdout; progress goes to stderr.
 */

// Each benchmark's code is loaded only when it runs, so one's dependencies never weigh on another's memory figures.
const BENCHES: Record<string, (args: string[]) => Promise<void>> = {
  fleet: async (args) => (await import('./fleet-sync')).fleetSyncBench(args),
  attestation: async (args) => (await import('./attestation')).attestationBench(args),
  ledger: async (args) => (await import('./ledger')).ledgerBench(args),
  custody: async (args) => (await import('./custody')).custodyBench(args),
  topology: async () => (await import('./topology')).topologyBench(),
  operations: async (args) => (await import('./operations')).operationsBench(args),
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
