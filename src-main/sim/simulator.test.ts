import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { startSimulator } from './index';
import { api } from './test-support';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

describe('startSimulator', () => {
  it('puts the first cluster on the requested port and every cluster on its own listener', async () => {
    const port = await freePort();
    const sim = await startSimulator({ sites: 2, seed: 1, port, dataCentrePools: false, guestsPerSite: 3 });
    try {
      expect(sim.url).toBe(`https://127.0.0.1:${port}`);
      expect(sim.clusters[0]?.url).toBe(sim.url);
      expect(new Set(sim.clusters.map((c) => c.url)).size).toBe(2);
      expect(sim.fingerprint).toBe(sim.clusters[0]?.fingerprint);
      expect(sim.user).toBe('root@pam');
      expect(sim.password.length).toBeGreaterThanOrEqual(16);
      expect(sim.tokenSecret).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      for (const c of sim.clusters) {
        const r = await api<{ version: string }>(c.url, 'GET', '/version', { token: sim.token, fingerprint: c.fingerprint });
        expect(r.body?.data.version).toMatch(/^9\.1\./);
        const status = await api<Array<{ type: string; name: string }>>(c.url, 'GET', '/cluster/status', { token: sim.token });
        expect(status.body?.data.find((e) => e.type === 'cluster')?.name).toBe(c.name);
      }
      await expect(startSimulator({ sites: 1, seed: 1, port })).rejects.toThrow(/EADDRINUSE/);
    } finally {
      await sim.close();
      await sim.close();
    }
  });

  it('takes the configured credentials', async () => {
    const sim = await startSimulator({ sites: 1, seed: 1, dataCentrePools: false, guestsPerSite: 2, user: 'ops@pve', password: 's3cret-pass' });
    try {
      const ok = await api(sim.url, 'POST', '/access/ticket', { params: { username: 'ops@pve', password: 's3cret-pass' } });
      expect(ok.status).toBe(200);
    } finally {
      await sim.close();
    }
  });

  it('rejects invalid options', async () => {
    await expect(startSimulator({ sites: -1, seed: 1 })).rejects.toThrow(RangeError);
    await expect(startSimulator({ sites: 1.5, seed: 1 })).rejects.toThrow(RangeError);
    await expect(startSimulator({ sites: 1, seed: Number.NaN })).rejects.toThrow(RangeError);
    await expect(startSimulator({ sites: 1, seed: 1, taskSpeed: 0 })).rejects.toThrow(RangeError);
    await expect(startSimulator({ sites: 1, seed: 1, hostsPerSite: 0 })).rejects.toThrow(RangeError);
    await expect(startSimulator({ sites: 0, seed: 1, dataCentrePools: false })).rejects.toThrow(/at least one cluster/);
    await expect(startSimulator({ sites: 1, seed: 1, user: 'root' })).rejects.toThrow(/name@realm/);
  });
});
