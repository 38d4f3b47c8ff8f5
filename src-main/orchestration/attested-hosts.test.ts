/**
 * Attested placement in the engine: creating or migrating a confidential
 * guest asks the AttestedHosts port about the host it lands on, refuses
 * with the port's reason (host, verdict, age) when it is not attested —
 * at planning and again before the first step — and leaves every other
 * guest and action alone.
 */
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../store/database';
import { AppException } from '../util/app-exception';
import type { AttestedHosts, HostAttestationCheck, HostRef } from './attested-hosts';
import { OperationEngine } from './engine';
import { FakePve } from './fake-pve';
import { createPlacementAdvisor, NO_PLACEMENT_CONTEXT } from './placement';
import type { OpsClient } from './steps';

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHx4cGxhaW5rZXlmb3J0ZXN0c29ubHk ops@cairn';

/** A port whose answers the test sets per host, recording every question. */
class FakeAttestedHosts implements AttestedHosts {
  readonly asked: HostRef[] = [];
  readonly attested = new Map<string, HostAttestationCheck>();
  check(host: HostRef): HostAttestationCheck {
    this.asked.push(host);
    return (
      this.attested.get(host.node) ?? {
        ok: false,
        reason: `${host.node} has no attestation result: attest a confidential guest running on it first`,
        details: { host: host.node, verdict: 'none', ageSeconds: -1, resultId: 0 },
      }
    );
  }
}

const fresh: HostAttestationCheck = { ok: true, by: 'result 7 accepted 5 min ago' };
const stale: HostAttestationCheck = {
  ok: false,
  reason: 'the newest attestation of n2 (result 7, guest conf-1) was accepted 26 h ago, older than the 24 h limit',
  details: { host: 'n2', verdict: 'accept', ageSeconds: 93_600, resultId: 7 },
};

function setup() {
  const pve = new FakePve(['n1', 'n2', 'n3'], 1);
  pve.addGuest({ vmid: 9000, name: 'tpl-conf', template: true, tags: 'confidential;tenant-acme' });
  pve.addGuest({ vmid: 9001, name: 'tpl-plain', template: true });
  pve.addGuest({ vmid: 300, name: 'conf-1', status: 'running', tags: 'confidential;tenant-acme' });
  pve.addGuest({ vmid: 301, name: 'plain-1', status: 'running', tags: 'tenant-acme' });
  const hosts = new FakeAttestedHosts();
  // The fake reports no node sizes; the migration advisor needs them to rank targets.
  const client = (): OpsClient => {
    const c = pve.client();
    return { ...c, clusterResources: async (...a) => (await c.clusterResources(...a)).map((r) => (r.type === 'node' ? { ...r, maxcpu: 64 } : r)) };
  };
  // The capacity advisor's own view of attestation is not under test here: it passes every host,
  // so what refuses is the port alone.
  const placement = createPlacementAdvisor(async () => ({ ...(await NO_PLACEMENT_CONTEXT()), attestation: () => 'pass' as const }));
  const engine = new OperationEngine({ db: openDatabase(':memory:'), clientFor: client, sizeOf: () => ({ vcpu: 2, memMiB: 4096 }), pollMs: 1, retryAfterMs: 60_000, attestedHosts: hosts, placement });
  return { pve, hosts, engine };
}

async function refusal(p: Promise<unknown>): Promise<AppException> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(AppException);
  return e as AppException;
}

describe('attested placement of confidential guests', () => {
  it('refuses to migrate a confidential guest to an unattested host, naming the host and the verdict', async () => {
    const { engine, hosts } = setup();
    const e = await refusal(engine.plan({ action: 'migrate', clusterId: 'c1', vmid: 300, targetNode: 'n2' }, 'alice'));
    expect(e.code).toBe('conflict');
    expect(e.message).toBe('Confidential guest conf-1 may not be migrated to n2: n2 has no attestation result: attest a confidential guest running on it first');
    expect(e.details).toMatchObject({ reason: 'host-not-attested', clusterId: 'c1', host: 'n2', verdict: 'none' });
    expect(hosts.asked).toEqual([{ clusterId: 'c1', node: 'n2' }]);
    await engine.close();
  });

  it('allows the migration to a freshly attested host', async () => {
    const { engine, hosts } = setup();
    hosts.attested.set('n2', fresh);
    const op = await engine.plan({ action: 'migrate', clusterId: 'c1', vmid: 300, targetNode: 'n2' }, 'alice');
    expect(op.state).toBe('planned');
    expect(op.plan.expectedEffect).toBe('conf-1 on n2');
    await engine.close();
  });

  it('checks the host the planner proposes when the operator names none', async () => {
    const { engine, hosts } = setup();
    const e = await refusal(engine.plan({ action: 'migrate', clusterId: 'c1', vmid: 300 }, 'alice'));
    expect(e.message).toMatch(/^Confidential guest conf-1 may not be migrated to n[23]: n[23] has no attestation result/);
    hosts.attested.set('n2', fresh);
    hosts.attested.set('n3', fresh);
    expect((await engine.plan({ action: 'migrate', clusterId: 'c1', vmid: 300 }, 'alice')).state).toBe('planned');
    await engine.close();
  });

  it('refuses a stale attestation with its age', async () => {
    const { engine, hosts } = setup();
    hosts.attested.set('n2', stale);
    const e = await refusal(engine.plan({ action: 'migrate', clusterId: 'c1', vmid: 300, targetNode: 'n2' }, 'alice'));
    expect(e.message).toMatch(/may not be migrated to n2: .*accepted 26 h ago, older than the 24 h limit/);
    expect(e.details).toMatchObject({ verdict: 'accept', ageSeconds: 93_600, resultId: 7 });
    await engine.close();
  });

  it('checks the node a confidential clone is placed on; a plain clone is not asked about', async () => {
    const { engine, hosts } = setup();
    const create = (templateVmid: number, name: string) =>
      engine.plan({ action: 'create', clusterId: 'c1', templateVmid, name, size: 'small', node: 'n3', cloudInit: { user: 'ops', sshKey: KEY, ipConfig: 'ip=dhcp' }, start: false }, 'alice');
    const e = await refusal(create(9000, 'conf-new'));
    expect(e.message).toMatch(/^Confidential guest conf-new may not be placed on n3: n3 has no attestation result/);
    hosts.attested.set('n3', fresh);
    expect((await create(9000, 'conf-new')).state).toBe('planned');
    const asked = hosts.asked.length;
    expect((await create(9001, 'plain-new')).state).toBe('planned');
    expect(hosts.asked.length).toBe(asked);
    await engine.close();
  });

  it('leaves non-confidential guests and other actions alone', async () => {
    const { engine, hosts } = setup();
    expect((await engine.plan({ action: 'migrate', clusterId: 'c1', vmid: 301, targetNode: 'n2' }, 'alice')).state).toBe('planned');
    expect((await engine.plan({ action: 'snapshot', clusterId: 'c1', vmid: 300, snapname: 'before' }, 'alice')).state).toBe('planned');
    expect(hosts.asked).toEqual([]);
    await engine.close();
  });

  it('re-checks before the first step: an attestation that went stale while queued refuses the operation, nothing is sent', async () => {
    const { engine, hosts, pve } = setup();
    hosts.attested.set('n2', fresh);
    const op = await engine.plan({ action: 'migrate', clusterId: 'c1', vmid: 300, targetNode: 'n2' }, 'alice');
    hosts.attested.set('n2', stale);
    engine.apply({ id: op.id }, 'alice');
    await engine.idle();
    const done = engine.get(op.id);
    expect(done.state).toBe('refused');
    expect(done.reason).toMatch(/^Confidential guest conf-1 may not be migrated to n2: .*older than the 24 h limit/);
    expect([...pve.applied.keys()].some((k) => k.startsWith('migrate'))).toBe(false);
    await engine.close();
  });
});
