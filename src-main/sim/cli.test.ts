import { describe, expect, it } from 'vitest';
import { runSimCli } from './cli';
import { api } from './test-support';

async function started(argv: string[]): Promise<{ lines: string[]; stop: () => Promise<number> }> {
  const lines: string[] = [];
  const ac = new AbortController();
  let announce: () => void = () => undefined;
  const printed = new Promise<void>((resolve) => {
    announce = resolve;
  });
  const done = runSimCli(argv, (line) => {
    lines.push(line);
    announce();
  }, { signal: ac.signal });
  await Promise.race([printed, done]);
  return {
    lines,
    stop: async () => {
      ac.abort();
      return done;
    },
  };
}

describe('runSimCli', () => {
  it('prints exactly one JSON line and serves until stopped', async () => {
    const run = await started(['--sites', '1', '--seed', '3', '--json', '--no-dc', '--guests-per-site', '5']);
    expect(run.lines).toHaveLength(1);
    const info = JSON.parse(run.lines[0] ?? '') as { url: string; fingerprint: string; token: string };
    expect(Object.keys(info)).toEqual(['url', 'fingerprint', 'token']);
    expect(info.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const r = await api(info.url, 'GET', '/version', { token: info.token, fingerprint: info.fingerprint });
    expect(r.status).toBe(200);
    expect(await run.stop()).toBe(0);
    await expect(api(info.url, 'GET', '/version', { token: info.token })).rejects.toThrow();
  });

  it('prints a human line without --json', async () => {
    const run = await started(['--sites=1', '--no-dc', '--hosts-per-site', '3', '--guests-per-site', '4']);
    expect(run.lines[0]).toMatch(/^PVE simulator: 1 clusters, \d+ guests; first cluster https:\/\/127\.0\.0\.1:\d+ /);
    expect(await run.stop()).toBe(0);
  });

  it('returns 2 on usage errors', async () => {
    for (const argv of [[], ['--sites'], ['--sites', 'many'], ['--sites', '1', '--bogus'], ['--sites', '-1'], ['--sites', '1', '--port', '70000']]) {
      const lines: string[] = [];
      expect(await runSimCli(argv, (l) => lines.push(l)), argv.join(' ')).toBe(2);
      expect(lines.join('\n')).toContain('usage: cairn-sim');
    }
  });
});
