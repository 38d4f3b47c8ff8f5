import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { beforeEach, describe, expect, it } from 'vitest';
import type { OperatorDto, QuotaDto, RoleDto, TenantDto, Usage, WhoAmI } from '../../../../src-preload/contract';
import { fail, type FakeBridge } from '../../test/fake-bridge';
import { setupApp } from '../../test/fixtures';
import TenancySection from './TenancySection.svelte';
import { parseBytes, parseCount, toUnit } from './units';

const GiB = 1024 ** 3;
const T = '2026-01-01T00:00:00.000Z';
const admin: WhoAmI = { name: 'alice', roles: ['administrator'], tenants: null, known: true, actions: ['fleet.view', 'quota.manage', 'operator.manage', 'tenant.manage'] };
const roles: RoleDto[] = [
  { id: 'viewer', label: 'Viewer', description: '', tenantScoped: false, actions: ['fleet.view'] },
  { id: 'field_engineer', label: 'Field engineer', description: '', tenantScoped: false, actions: ['fleet.view'] },
  { id: 'operator', label: 'Operator', description: '', tenantScoped: false, actions: ['fleet.view'] },
  { id: 'tenant_admin', label: 'Tenant admin', description: '', tenantScoped: true, actions: ['fleet.view'] },
  { id: 'administrator', label: 'Administrator', description: '', tenantScoped: false, actions: ['fleet.view', 'quota.manage'] },
];
const tenants: TenantDto[] = [{ id: 'acme', name: 'acme', description: 'Discovered from the inventory', source: 'inventory', createdAt: T, updatedAt: T }];
const fleetQuota: QuotaDto = { tenantId: 'acme', scope: { kind: 'fleet' }, scopeLabel: 'fleet', limits: { vcpu: 64, memBytes: 256 * GiB, storageBytes: null, guests: 20 }, source: 'demo', updatedAt: T, updatedBy: 'demo seeding' };
let usage: Usage;
const operators: OperatorDto[] = [{ name: 'alice', roles: ['administrator'], tenants: null, source: 'local', createdAt: T, updatedAt: T }];

let bridge: FakeBridge;
function install(me: WhoAmI = admin) {
  usage = {
    basis: 'Configured allocations of every non-template guest, running and stopped',
    rows: [
      { tenantId: 'acme', scope: { kind: 'fleet' }, scopeLabel: 'fleet', usage: { vcpu: 48, memBytes: 128 * GiB, storageBytes: 2 * 1024 ** 4, guests: 12 }, quota: fleetQuota },
      { tenantId: 'acme', scope: { kind: 'site', id: 'site:fra-edge-1' }, scopeLabel: 'site fra-edge-1', usage: { vcpu: 8, memBytes: 32 * GiB, storageBytes: 500 * GiB, guests: 2 }, quota: null },
    ],
  };
  bridge = setupApp({
    'tenancy:whoami': () => me,
    'tenancy:tenants': () => tenants,
    'tenancy:usage': () => usage,
    'tenancy:operators': () => operators,
    'tenancy:roles': () => roles,
    'tenancy:setQuota': (req) => {
      if (req.limits.vcpu !== null && req.limits.vcpu < 8) fail('conflict', 'vCPU quota below what acme already has at site fra-edge-1');
      const q: QuotaDto = { tenantId: req.tenantId, scope: req.scope, scopeLabel: 'site fra-edge-1', limits: req.limits, source: 'local', updatedAt: T, updatedBy: 'alice' };
      usage = { ...usage, rows: usage.rows.map((r) => (r.scope.kind === 'site' ? { ...r, quota: q } : r)) };
      return q;
    },
    'tenancy:saveOperator': (req) => ({ name: req.name, roles: req.roles, tenants: req.tenants, source: 'local', createdAt: T, updatedAt: T }),
  });
}

describe('units', () => {
  it('parses counts and byte amounts, blank as no limit, and refuses the rest', () => {
    expect(parseCount('', 'vCPU')).toEqual({ ok: true, value: null });
    expect(parseCount('64', 'vCPU')).toEqual({ ok: true, value: 64 });
    expect(parseCount('6.5', 'vCPU').ok).toBe(false);
    expect(parseCount('-1', 'vCPU').ok).toBe(false);
    expect(parseBytes('1.5', 'TiB', 'Memory')).toEqual({ ok: true, value: 1.5 * 1024 ** 4 });
    expect(parseBytes('512', 'GiB', 'Memory')).toEqual({ ok: true, value: 512 * GiB });
    expect(parseBytes('lots', 'GiB', 'Memory')).toMatchObject({ ok: false, message: expect.stringContaining('Memory') });
    expect(toUnit(2 * 1024 ** 4)).toEqual({ text: '2', unit: 'TiB' });
    expect(toUnit(96 * GiB)).toEqual({ text: '96', unit: 'GiB' });
  });
});

describe('Tenants & roles', () => {
  beforeEach(() => install());

  it('says who I am and shows usage against quota per scope, demo quotas marked', async () => {
    render(TenancySection);
    expect((await screen.findByTestId('whoami')).textContent).toMatch(/You are\s+alice\s+\(Administrator\)/);
    const grid = await screen.findByRole('group', { name: 'Usage and quota of acme' });
    const mem = within(grid).getByRole('meter', { name: 'Memory of acme at fleet' });
    expect(mem.getAttribute('aria-valuenow')).toBe('50');
    expect(mem.getAttribute('aria-valuetext')).toBe('128 GiB / 256 GiB');
    expect(within(grid).getByRole('meter', { name: 'vCPU of acme at fleet' }).getAttribute('aria-valuenow')).toBe('75');
    expect(within(grid).getByText('demo quota')).toBeTruthy();
    // No quota: the figure alone, no meter.
    expect(within(grid).queryByRole('meter', { name: /at site fra-edge-1/ })).toBeNull();
    expect(within(grid).getAllByText('no quota').length).toBeGreaterThan(0);
  });

  it('sets a quota with units, validates first, and shows the server’s refusal', async () => {
    render(TenancySection);
    await fireEvent.click(await screen.findByRole('button', { name: 'Edit quota at site fra-edge-1' }));
    const form = await screen.findByRole('form', { name: 'Quota at site fra-edge-1' });
    await fireEvent.input(within(form).getByLabelText('Memory'), { target: { value: 'lots' } });
    await fireEvent.click(within(form).getByRole('button', { name: 'Save quota' }));
    expect((await within(form).findByRole('alert')).textContent).toMatch(/Memory: a number of GiB/);
    expect(bridge.callsTo('tenancy:setQuota')).toHaveLength(0);

    await fireEvent.input(within(form).getByLabelText('vCPU'), { target: { value: '4' } });
    await fireEvent.input(within(form).getByLabelText('Memory'), { target: { value: '0.5' } });
    await fireEvent.change(within(form).getByLabelText('Memory unit'), { target: { value: 'TiB' } });
    await fireEvent.click(within(form).getByRole('button', { name: 'Save quota' }));
    expect((await within(form).findByRole('alert')).textContent).toMatch(/below what acme already has/);

    await fireEvent.input(within(form).getByLabelText('vCPU'), { target: { value: '16' } });
    await fireEvent.click(within(form).getByRole('button', { name: 'Save quota' }));
    await waitFor(() => expect(screen.queryByRole('form', { name: /Quota at/ })).toBeNull());
    expect(bridge.callsTo('tenancy:setQuota').at(-1)).toEqual({
      tenantId: 'acme',
      scope: { kind: 'site', id: 'site:fra-edge-1' },
      limits: { vcpu: 16, memBytes: 512 * GiB, storageBytes: null, guests: null },
    });
    const meter = await screen.findByRole('meter', { name: 'vCPU of acme at site fra-edge-1' });
    expect(meter.getAttribute('aria-valuetext')).toBe('8 / 16');
  });

  it('sets a quota at a site where the tenant has no guests yet', async () => {
    render(TenancySection);
    const other = await screen.findByLabelText('Quota at another site or pool');
    // fra-edge-1 already has a row; the fixtures' other sites and pools are offered.
    expect(within(other).queryByRole('option', { name: 'site fra-edge-1' })).toBeNull();
    const option = within(other).getAllByRole('option').find((o) => o.textContent?.startsWith('site ') && o.getAttribute('value'))!;
    await fireEvent.change(other, { target: { value: option.getAttribute('value') } });
    const form = await screen.findByRole('form', { name: `Quota at ${option.textContent}` });
    await fireEvent.input(within(form).getByLabelText('Guests'), { target: { value: '10' } });
    await fireEvent.click(within(form).getByRole('button', { name: 'Save quota' }));
    await waitFor(() => expect(bridge.callsTo('tenancy:setQuota')).toHaveLength(1));
    expect(bridge.callsTo('tenancy:setQuota')[0]).toMatchObject({ tenantId: 'acme', scope: { kind: 'site', id: option.getAttribute('value')!.slice(5) }, limits: { guests: 10, vcpu: null } });
  });

  it('adds a tenant and shows who changed what in the history', async () => {
    bridge.handle({
      'tenancy:saveTenant': (req) => ({ ...req, source: 'local', createdAt: T, updatedAt: T }),
      'tenancy:history': () => [{ seq: 2, at: T, actor: 'alice', kind: 'quota', subject: 'acme@fleet', before: '{}', after: '{}' }],
    });
    render(TenancySection);
    await fireEvent.click(await screen.findByRole('button', { name: 'New tenant' }));
    const form = await screen.findByRole('form', { name: 'Tenant details' });
    await fireEvent.input(within(form).getByLabelText('Id'), { target: { value: 'Bad Id' } });
    await fireEvent.input(within(form).getByLabelText('Name'), { target: { value: 'Initech' } });
    await fireEvent.click(within(form).getByRole('button', { name: 'Save tenant' }));
    expect((await within(form).findByRole('alert')).textContent).toMatch(/^Id: lower-case/);
    await fireEvent.input(within(form).getByLabelText('Id'), { target: { value: 'initech' } });
    await fireEvent.click(within(form).getByRole('button', { name: 'Save tenant' }));
    await waitFor(() => expect(bridge.callsTo('tenancy:saveTenant')).toEqual([{ id: 'initech', name: 'Initech', description: '' }]));

    const details = screen.getByText('Change history').closest('details')!;
    // Opening the details fires 'toggle', which loads the history.
    details.open = true;
    const list = await screen.findByRole('list', { name: 'Tenancy change history' });
    await waitFor(() => expect(list.textContent).toMatch(/alice\s+changed quota\s+acme@fleet/));
  });

  it('adds an operator with roles and a tenant scope', async () => {
    render(TenancySection);
    const form = await screen.findByRole('form', { name: 'Add or change an operator' });
    await fireEvent.input(within(form).getByLabelText('User name'), { target: { value: 'kim' } });
    await fireEvent.click(within(form).getByLabelText('Tenant admin'));
    await fireEvent.input(within(form).getByLabelText('Tenants'), { target: { value: 'acme' } });
    await fireEvent.click(within(form).getByRole('button', { name: 'Save operator' }));
    await waitFor(() => expect(bridge.callsTo('tenancy:saveOperator')).toEqual([{ name: 'kim', roles: ['tenant_admin'], tenants: ['acme'] }]));
  });

  it('hides management from an operator who may not manage', async () => {
    install({ name: 'kim', roles: ['tenant_admin'], tenants: ['acme'], known: true, actions: ['fleet.view', 'guest.start'] });
    render(TenancySection);
    expect((await screen.findByTestId('whoami')).textContent).toMatch(/kim\s+\(Tenant admin\), tenants acme/);
    await screen.findByRole('group', { name: 'Usage and quota of acme' });
    expect(screen.queryByRole('button', { name: /Edit quota/ })).toBeNull();
    expect(screen.queryByRole('form', { name: 'Add or change an operator' })).toBeNull();
  });
});
