import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TICKET_LIFETIME_S } from './auth';
import { ManualClock } from './clock';
import type { Guest } from './model';
import { createSimulator, type Simulator } from './simulator';
import { api } from './test-support';

let sim: Simulator;
let clock: ManualClock;
let url: string;
let vm: Guest;

beforeAll(async () => {
  clock = new ManualClock(Date.UTC(2026, 2, 3, 9, 0, 0));
  sim = await createSimulator({ sites: 1, seed: 11, dataCentrePools: false, password: 'correct horse' }, { clock });
  url = sim.handle.url;
  const cluster = sim.runtime.clusters[0];
  const found = [...(cluster?.guests.values() ?? [])].find((g) => g.type === 'qemu' && !g.template && g.status === 'stopped');
  if (!found) throw new Error('no stopped VM');
  vm = found;
});

afterAll(async () => {
  await sim?.handle.close();
});

async function login(params: Record<string, string>, json = false) {
  return api<{ ticket: string; CSRFPreventionToken: string; username: string; clustername: string; cap: unknown }>(url, 'POST', '/access/ticket', { params, json });
}

describe('API token', () => {
  it('authenticates with the PVEAPIToken header', async () => {
    const r = await api(url, 'GET', '/version', { token: sim.handle.token });
    expect(r.status).toBe(200);
    expect(sim.handle.token).toBe(`PVEAPIToken=cairn@pve!console=${sim.handle.tokenSecret}`);
    expect(sim.handle.tokenId).toBe('cairn@pve!console');
  });

  it('rejects a wrong secret with 401 "Authentication failed!" and an empty body', async () => {
    const r = await api(url, 'GET', '/version', { token: 'PVEAPIToken=cairn@pve!console=00000000-0000-0000-0000-000000000000' });
    expect(r.status).toBe(401);
    expect(r.reason).toBe('Authentication failed!');
    expect(r.raw).toBe('');
  });

  it('answers 401 "No ticket" without credentials, even for unknown paths', async () => {
    expect((await api(url, 'GET', '/version')).reason).toBe('No ticket');
    const unknown = await api(url, 'GET', '/no/such/path');
    expect(unknown.status).toBe(401);
  });

  it('needs no CSRF token for writes', async () => {
    const r = await api(url, 'PUT', `/nodes/${vm.node}/qemu/${vm.vmid}/config`, { token: sim.handle.token, params: { description: 'token write' } });
    expect(r.status).toBe(200);
  });

  it('lets world-readable paths through without credentials', async () => {
    const r = await api<Array<{ realm: string }>>(url, 'GET', '/access/domains');
    expect(r.status).toBe(200);
    expect(r.body?.data.map((d) => d.realm)).toEqual(['pam', 'pve']);
  });
});

describe('ticket', () => {
  it('logs in with form data and with JSON', async () => {
    const form = await login({ username: sim.handle.user, password: 'correct horse' });
    expect(form.status).toBe(200);
    expect(form.body?.data.username).toBe('root@pam');
    expect(form.body?.data.ticket).toMatch(/^PVE:root@pam:[0-9A-F]{8}::.+$/);
    expect(form.body?.data.CSRFPreventionToken).toMatch(/^[0-9A-F]{8}:.+$/);
    expect(form.body?.data.clustername).toBe(sim.handle.clusters[0]?.name);
    expect(form.body?.data.cap).toBeTypeOf('object');
    const json = await login({ username: 'root', realm: 'pam', password: 'correct horse' }, true);
    expect(json.status).toBe(200);
  });

  it('rejects bad credentials with 401 "authentication failure"', async () => {
    const r = await login({ username: 'root@pam', password: 'wrong' });
    expect(r.status).toBe(401);
    expect(r.reason).toBe('authentication failure');
    expect(r.body).toEqual({ data: null, message: 'authentication failure\n' });
  });

  it('validates the login parameters', async () => {
    const r = await login({ username: 'root@pam' });
    expect(r.status).toBe(400);
    expect(r.body?.errors).toEqual({ password: 'property is missing and it is not optional' });
  });

  it('reads with the cookie, and writes only with the CSRF header', async () => {
    const { ticket, CSRFPreventionToken: csrf } = (await login({ username: 'root@pam', password: 'correct horse' })).body?.data ?? { ticket: '', CSRFPreventionToken: '' };
    expect((await api(url, 'GET', '/cluster/status', { ticket })).status).toBe(200);
    const path = `/nodes/${vm.node}/qemu/${vm.vmid}/config`;
    const noCsrf = await api(url, 'PUT', path, { ticket, params: { description: 'x' } });
    expect(noCsrf.status).toBe(401);
    expect(noCsrf.reason).toBe('Permission denied - invalid csrf token');
    const badCsrf = await api(url, 'PUT', path, { ticket, csrf: `${csrf.split(':')[0] ?? ''}:forged`, params: { description: 'x' } });
    expect(badCsrf.reason).toBe('Permission denied - invalid csrf token');
    const ok = await api(url, 'PUT', path, { ticket, csrf, params: { description: 'ticket write' } });
    expect(ok.status).toBe(200);
  });

  it('accepts the ticket in the Authorization header too', async () => {
    const { ticket } = (await login({ username: 'root@pam', password: 'correct horse' })).body?.data ?? { ticket: '' };
    const r = await api(url, 'GET', '/version', { headers: { Authorization: `PVEAuthCookie=${ticket}` } });
    expect(r.status).toBe(200);
  });

  it('expires after two hours and can be renewed before that', async () => {
    const first = (await login({ username: 'root@pam', password: 'correct horse' })).body?.data;
    if (!first) throw new Error('login failed');
    clock.advance((TICKET_LIFETIME_S - 60) * 1000);
    expect((await api(url, 'GET', '/version', { ticket: first.ticket })).status).toBe(200);
    const renewed = (await login({ username: 'root@pam', password: first.ticket })).body?.data;
    expect(renewed?.ticket).toBeDefined();
    expect(renewed?.ticket).not.toBe(first.ticket);
    clock.advance(120 * 1000);
    const expired = await api(url, 'GET', '/version', { ticket: first.ticket });
    expect(expired.status).toBe(401);
    expect(expired.reason).toBe('Authentication failed!');
    expect((await api(url, 'GET', '/version', { ticket: renewed?.ticket ?? '' })).status).toBe(200);
    // An expired ticket cannot renew itself.
    expect((await login({ username: 'root@pam', password: first.ticket })).status).toBe(401);
  });

  it('rejects a forged ticket', async () => {
    const r = await api(url, 'GET', '/version', { ticket: 'PVE:root@pam:6A000000::Zm9yZ2Vk' });
    expect(r.status).toBe(401);
    expect(r.reason).toBe('Authentication failed!');
  });
});

describe('permissions', () => {
  it('refuses writes to a read-only token with 403 "Permission check failed"', async () => {
    const read = await api(url, 'GET', `/nodes/${vm.node}/qemu/${vm.vmid}/status/current`, { token: sim.auditToken });
    expect(read.status).toBe(200);
    const write = await api(url, 'POST', `/nodes/${vm.node}/qemu/${vm.vmid}/status/start`, { token: sim.auditToken });
    expect(write.status).toBe(403);
    expect(write.reason).toBe(`Permission check failed (/vms/${vm.vmid}, VM.PowerMgmt)`);
    expect(write.body).toEqual({ data: null, message: `Permission check failed (/vms/${vm.vmid}, VM.PowerMgmt)\n` });
  });

  it('reports the effective privileges of the caller', async () => {
    const admin = await api<Record<string, Record<string, number>>>(url, 'GET', '/access/permissions', { token: sim.handle.token, params: { path: '/' } });
    expect(admin.body?.data['/']?.['VM.PowerMgmt']).toBe(1);
    const auditor = await api<Record<string, Record<string, number>>>(url, 'GET', '/access/permissions', { token: sim.auditToken, params: { path: '/' } });
    expect(auditor.body?.data['/']?.['VM.PowerMgmt']).toBeUndefined();
    expect(auditor.body?.data['/']?.['VM.Audit']).toBe(1);
  });
});
