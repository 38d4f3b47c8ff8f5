// Process entry for running the simulator on its own (e.g. as the bench's child process):
// `tsx src-main/sim/main.ts --sites 500 --hosts-per-site 12 --guests-per-site 200 --json`.

import { runSimCli } from './cli';

runSimCli(process.argv.slice(2), (line) => process.stdout.write(`${line}\n`))
  .then((code) => process.exit(code))
  .catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exit(1);
  });
