// Command line of the simulator: `--sites N --seed S --port P [--json] [--hosts-per-site N]
// [--guests-per-site N] [--task-speed X]`. Prints one line (JSON {"url","fingerprint","token"}
// with --json, else a human line), then serves until the process is killed or `signal` aborts.

import { ManualClock } from './clock';
import { createSimulator } from './simulator';

export interface SimCliOptions {
  /** Stops serving and resolves with 0 (tests, embedding). SIGINT/SIGTERM do the same. */
  signal?: AbortSignal;
}

const USAGE = 'usage: cairn-sim --sites N [--seed S] [--port P] [--json] [--hosts-per-site N] [--guests-per-site N] [--task-speed X] [--no-dc] [--frozen-clock]';

interface Parsed {
  sites: number;
  seed: number;
  port: number;
  json: boolean;
  hostsPerSite: number | undefined;
  guestsPerSite: number | undefined;
  taskSpeed: number | undefined;
  dataCentrePools: boolean | undefined;
  frozenClock: boolean;
}

function parse(argv: string[]): Parsed | string {
  const out: Parsed = { sites: NaN, seed: 1, port: 0, json: false, hostsPerSite: undefined, guestsPerSite: undefined, taskSpeed: undefined, dataCentrePools: undefined, frozenClock: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string | undefined => inline ?? argv[++i];
    const num = (name: string, integer: boolean): number | string => {
      const v = value();
      const n = Number(v);
      if (v === undefined || v.trim() === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n))) return `${name} needs ${integer ? 'an integer' : 'a number'}`;
      return n;
    };
    let r: number | string;
    switch (flag) {
      case '--sites': r = num('--sites', true); if (typeof r === 'string') return r; out.sites = r; break;
      case '--seed': r = num('--seed', true); if (typeof r === 'string') return r; out.seed = r; break;
      case '--port': r = num('--port', true); if (typeof r === 'string') return r; out.port = r; break;
      case '--hosts-per-site': r = num('--hosts-per-site', true); if (typeof r === 'string') return r; out.hostsPerSite = r; break;
      case '--guests-per-site': r = num('--guests-per-site', true); if (typeof r === 'string') return r; out.guestsPerSite = r; break;
      case '--task-speed': r = num('--task-speed', false); if (typeof r === 'string') return r; out.taskSpeed = r; break;
      case '--json': out.json = true; break;
      case '--no-dc': out.dataCentrePools = false; break;
      // Metrics, uptimes and tasks stand still: identical answers on every call (benchmarks of no-change resyncs).
      case '--frozen-clock': out.frozenClock = true; break;
      default: return `unknown argument '${arg}'`;
    }
  }
  if (Number.isNaN(out.sites)) return '--sites is required';
  return out;
}

export async function runSimCli(argv: string[], out: (line: string) => void, opts: SimCliOptions = {}): Promise<number> {
  const parsed = parse(argv);
  if (typeof parsed === 'string') {
    out(`${parsed}\n${USAGE}`);
    return 2;
  }
  let sim;
  try {
    sim = await createSimulator({
      sites: parsed.sites,
      seed: parsed.seed,
      port: parsed.port,
      ...(parsed.hostsPerSite !== undefined ? { hostsPerSite: parsed.hostsPerSite } : {}),
      ...(parsed.guestsPerSite !== undefined ? { guestsPerSite: parsed.guestsPerSite } : {}),
      ...(parsed.taskSpeed !== undefined ? { taskSpeed: parsed.taskSpeed } : {}),
      ...(parsed.dataCentrePools !== undefined ? { dataCentrePools: parsed.dataCentrePools } : {}),
    }, parsed.frozenClock ? { clock: new ManualClock() } : {});
  } catch (err) {
    if (err instanceof RangeError) {
      out(`${err.message}\n${USAGE}`);
      return 2;
    }
    throw err;
  }
  const h = sim.handle;
  if (parsed.json) {
    out(JSON.stringify({ url: h.url, fingerprint: h.fingerprint, token: h.token }));
  } else {
    const guests = sim.runtime.clusters.reduce((n, c) => n + c.guests.size, 0);
    out(`PVE simulator: ${h.clusters.length} clusters, ${guests} guests; first cluster ${h.url} (fingerprint ${h.fingerprint}); Authorization: ${h.token}`);
  }

  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      opts.signal?.removeEventListener('abort', stop);
      resolve();
    };
    if (opts.signal?.aborted) return stop();
    opts.signal?.addEventListener('abort', stop);
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await h.close();
  return 0;
}
