/**
 * The custody page over the fake bridge: the board grouped by state, an
 * appliance's timeline, the record form (only legal next states; evidence
 * files hashed in the browser, never sent as paths), export through a Blob
 * download, and the verification panel showing every check.
 */
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CustodyApplianceDetail, CustodyBoard, CustodyEventView, CustodyMergeReport, CustodyVerifyResult } from '../../../../src-preload/contract';
import App from '../../App.svelte';
import { route } from '../../lib/pages';
import { router } from '../../lib/router.svelte';
import { fail, type FakeBridge } from '../../test/fake-bridge';
import { setupApp } from '../../test/fixtures';
import { textOf } from '../../lib/files';

const SHA_ABC = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
const job = {
  id: 'job-1',
  customer: 'Atlântico Seguros',
  tenant: 'atlantico',
  direction: 'import' as const,
  dataVolumeBytes: 180e12,
  originSite: 'Porto',
  destinationSite: 'fra-dc-1',
  reference: null,
  createdAt: '2025-03-01T08:00:00.000Z',
  appliances: 2,
};
const summary = (id: string, serial: string, state: CustodyBoard['columns'][number]['state']) => ({
  id,
  serial,
  model: 'BoxX 120',
  jobId: 'job-1',
  customer: job.customer,
  state,
  since: '2025-03-02T10:00:00.000Z',
  events: 3,
  lastOperator: 'Lena Vogt',
});
const board: CustodyBoard = {
  columns: [
    { state: 'ready', appliances: [summary('apl-1', 'CBX-17', 'ready')] },
    { state: 'tamper_suspected', appliances: [summary('apl-2', 'CBX-23', 'tamper_suspected')] },
  ],
  jobs: [job],
  origin: 'cairn.custody/0123456789abcdef',
  logSize: 6,
};
const event = (seq: number, to: CustodyApplianceDetail['state'], from: CustodyApplianceDetail['state'] | null): CustodyEventView => ({
  seq,
  from,
  to,
  at: `2025-03-0${seq + 1}T10:00:00.000Z`,
  operator: { id: 'lena', name: 'Lena Vogt', role: 'hub_technician' },
  site: { name: 'Hub Frankfurt' },
  reason: `reason ${seq}`,
  fields: seq === 2 ? { firmwareSha256: 'a'.repeat(64), keyInjected: true } : ({} as CustodyEventView['fields']),
  attachments: [],
  eventSha256: 'e'.repeat(64),
  publicKeyId: 'cairn.custody.operator.lena+01020304',
  leafIndex: seq,
});
const detail: CustodyApplianceDetail = {
  appliance: {
    id: 'apl-1',
    jobId: 'job-1',
    serial: 'CBX-17',
    model: 'BoxX 120',
    capacityBytes: 120e12,
    firmwareVersion: '3.2.7',
    securityModuleId: 'HSM-17',
    encryptionKeyId: 'cmk-17',
    kmsKeyRef: 'kms://eu/cmk-17',
    registeredAt: '2025-03-01T10:00:00.000Z',
  },
  job,
  state: 'ready',
  seq: 2,
  seals: [],
  allowedNext: [
    {
      state: 'sealed',
      exception: false,
      fields: [
        { name: 'sealIds', label: 'Seal ids', kind: 'list', required: true },
        { name: 'sealPhotos', label: 'Seal photos', kind: 'files', required: true },
      ],
    },
    { state: 'cancelled', exception: true, fields: [] },
    { state: 'damaged', exception: true, fields: [{ name: 'damageDescription', label: 'Damage', kind: 'text', required: true }] },
  ],
  timeline: [event(0, 'ordered', null), event(1, 'provisioning', 'ordered'), event(2, 'ready', 'provisioning')],
};
const sealed: CustodyApplianceDetail = { ...detail, state: 'sealed', seq: 3, seals: ['S-1', 'S-2'], allowedNext: [], timeline: [...detail.timeline, event(3, 'sealed', 'ready')] };
const verified: CustodyVerifyResult = {
  valid: false,
  checks: [
    { name: 'format', ok: true, detail: 'cairn.custody/bundle v1, 3 events' },
    { name: 'checkpoint', ok: true, detail: 'checkpoint at size 6' },
    { name: 'signatures', ok: false, detail: 'event 1: the signature does not verify' },
  ],
  failures: ['signatures: event 1: the signature does not verify'],
};

// Whole-app renders of the custody page: generous under a loaded (shared, 2-core) test machine.
vi.setConfig({ testTimeout: 20_000 });

let bridge: FakeBridge;
beforeEach(() => {
  bridge = setupApp({
    'custody:appliances': () => board,
    'custody:appliance': () => detail,
    'custody:record': () => sealed,
    'custody:export': () => ({ fileName: 'custody-appliance-CBX-17.json', text: '{"bundle":1}', events: 3 }),
    'custody:verify': () => verified,
    'custody:exportPdf': () => ({ fileName: 'custody-appliance-CBX-17.pdf', base64: btoa('%PDF-1.7 report'), pages: 4, bundleSha256: 'b'.repeat(64), valid: true }),
    'custody:createJob': (req) => ({ ...job, ...(req as object), id: 'job-2', reference: null, appliances: 0 }),
    'custody:registerAppliance': () => ({ ...detail, state: 'ordered', seq: 0, timeline: [event(0, 'ordered', null)] }),
  });
  router.reset(route('custody'));
});
afterEach(() => vi.restoreAllMocks());

async function openAppliance(serial = 'CBX-17') {
  render(App);
  await fireEvent.click(await screen.findByRole('button', { name: new RegExp(serial) }));
  return screen.findByRole('heading', { name: `Appliance ${serial}` });
}

describe('custody board', () => {
  it('groups appliances by state and shows the log origin', async () => {
    render(App);
    expect(await screen.findByRole('heading', { level: 1, name: 'Custody' })).toBeTruthy();
    const ready = await screen.findByRole('region', { name: /Ready/ });
    expect(within(ready).getByRole('button', { name: /CBX-17/ })).toBeTruthy();
    const tamper = screen.getByRole('region', { name: /Tamper suspected/ });
    expect(within(tamper).getByRole('button', { name: /CBX-23/ })).toBeTruthy();
    expect(screen.getByText(/cairn\.custody\/0123456789abcdef · 6 logged events/)).toBeTruthy();
  });

  it('shows an empty state when nothing is in custody', async () => {
    bridge.handle({ 'custody:appliances': () => ({ ...board, columns: [] }) });
    render(App);
    expect(await screen.findByText('No appliances in custody')).toBeTruthy();
  });

  it('shows the timeline of the selected appliance, newest first, with evidence', async () => {
    await openAppliance();
    expect(bridge.callsTo('custody:appliance')).toEqual([{ applianceId: 'apl-1' }]);
    const timeline = screen.getByRole('region', { name: 'Timeline' });
    const items = within(timeline).getAllByRole('listitem');
    expect(items.map((li) => li.querySelector('.badge')?.textContent)).toEqual(['Ready', 'Provisioning', 'Ordered']);
    expect(items[0]!.textContent).toContain('sha256 aaaaaaaaaaaa…');
    expect(items[0]!.textContent).toContain('signed by cairn.custody.operator.lena+01020304');
  });
});

describe('recording the next event', () => {
  it('offers only the legal next states', async () => {
    await openAppliance();
    const select = screen.getByLabelText('Next state') as HTMLSelectElement;
    expect([...select.options].map((o) => o.textContent)).toEqual(['Choose…', 'Sealed', 'Cancelled', 'Damaged']);
    expect([...select.querySelectorAll('optgroup')].map((g) => g.label)).toEqual(['Lifecycle', 'Exceptions']);
  });

  it('hashes evidence files in the browser and sends only SHA-256, then shows the new state', async () => {
    await openAppliance();
    await fireEvent.change(screen.getByLabelText('Next state'), { target: { value: 'sealed' } });
    await fireEvent.input(screen.getByLabelText('Operator'), { target: { value: 'Lena Vogt' } });
    await fireEvent.change(screen.getByLabelText('Acting as'), { target: { value: 'hub_technician' } });
    await fireEvent.input(screen.getByLabelText('Site'), { target: { value: 'Hub Frankfurt' } });
    await fireEvent.input(screen.getByLabelText('Latitude'), { target: { value: '50.11' } });
    await fireEvent.input(screen.getByLabelText('Longitude'), { target: { value: '8.68' } });
    await fireEvent.input(screen.getByLabelText('Why'), { target: { value: 'sealed for shipping' } });
    await fireEvent.input(screen.getByLabelText('Seal ids'), { target: { value: 'S-1, S-2' } });
    await fireEvent.change(screen.getByLabelText('Seal photos'), { target: { files: [new File(['abc'], 'C:\\photos\\seal.jpg')] } });
    expect(await screen.findByText(/sha256 ba7816bf8f01cfea…/)).toBeTruthy();
    await fireEvent.click(screen.getByRole('button', { name: /Sign and record Sealed/ }));
    await waitFor(() => expect(bridge.callsTo('custody:record')).toHaveLength(1));
    expect(bridge.callsTo('custody:record')[0]).toEqual({
      applianceId: 'apl-1',
      expectedSeq: 2,
      to: 'sealed',
      operator: { name: 'Lena Vogt', role: 'hub_technician' },
      site: { name: 'Hub Frankfurt', gps: { lat: 50.11, lon: 8.68 } },
      reason: 'sealed for shipping',
      fields: { sealIds: ['S-1', 'S-2'], sealPhotos: [SHA_ABC] },
      attachments: [],
    });
    expect(JSON.stringify(bridge.calls)).not.toContain('photos');
    expect(bridge.contractViolations).toEqual([]);
    expect(await screen.findByText(/is final: nothing more can be recorded/)).toBeTruthy();
    expect(screen.getByText('S-1, S-2')).toBeTruthy();
  });

  it('shows a refusal from main and marks the field at fault', async () => {
    bridge.handle({ 'custody:record': () => fail('invalid_request', 'Damaged needs Damage: Required', 'fields.damageDescription') });
    await openAppliance();
    await fireEvent.change(screen.getByLabelText('Next state'), { target: { value: 'damaged' } });
    await fireEvent.input(screen.getByLabelText('Operator'), { target: { value: 'Lena' } });
    await fireEvent.input(screen.getByLabelText('Site'), { target: { value: 'Hub' } });
    await fireEvent.input(screen.getByLabelText('Why'), { target: { value: 'dropped' } });
    await fireEvent.input(screen.getByLabelText('Damage'), { target: { value: 'cracked' } });
    await fireEvent.click(screen.getByRole('button', { name: /Sign and record Damaged/ }));
    expect((await screen.findByRole('alert')).textContent).toContain('Damaged needs Damage');
    expect(screen.getByLabelText('Damage').getAttribute('aria-invalid')).toBe('true');
  });
});

describe('export and verification', () => {
  it('queues the job bundle for the SCMP by content address', async () => {
    bridge.handle({
      'scmp:queue': () => ({ kind: 'custody', sha256: 'c0'.repeat(32), size: 4096, queuedAt: '2026-11-22T10:00:00.000Z', attempts: 0, lastAttemptAt: null, lastError: null, pushedAt: null }),
    });
    await openAppliance();
    await fireEvent.click(screen.getByRole('button', { name: 'Queue job bundle for SCMP' }));
    expect(await screen.findByText(/Queued for the SCMP: bundle SHA-256 c0c0c0c0c0c0…/)).toBeTruthy();
    expect(bridge.callsTo('scmp:queue')).toHaveLength(1);
    expect(bridge.callsTo('scmp:queue')[0]).toMatchObject({ kind: 'custody', scope: 'job' });
    expect(bridge.contractViolations).toEqual([]);
  });

  it('downloads the exported bundle through a Blob URL', async () => {
    const created: Blob[] = [];
    URL.createObjectURL = vi.fn((b: Blob) => (created.push(b), 'blob:custody')) as typeof URL.createObjectURL;
    URL.revokeObjectURL = vi.fn();
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      expect(this.download).toBe('custody-appliance-CBX-17.json');
      expect(this.href).toBe('blob:custody');
    });
    await openAppliance();
    await fireEvent.click(screen.getByRole('button', { name: 'Export appliance bundle' }));
    await waitFor(() => expect(click).toHaveBeenCalledTimes(1));
    expect(bridge.callsTo('custody:export')).toEqual([{ scope: 'appliance', id: 'apl-1' }]);
    expect(await textOf(created[0]!)).toBe('{"bundle":1}');
    await fireEvent.click(screen.getByRole('button', { name: 'Export job bundle' }));
    await waitFor(() => expect(bridge.callsTo('custody:export')).toEqual([{ scope: 'appliance', id: 'apl-1' }, { scope: 'job', id: 'job-1' }]));
  });

  it('verifies a chosen bundle file and lists each check', async () => {
    render(App);
    await screen.findByRole('heading', { name: 'Verify a custody bundle' });
    await fireEvent.input(screen.getByLabelText(/Pinned log key/), { target: { value: ' cairn.custody/x+01020304+AQ== ' } });
    await fireEvent.change(screen.getByLabelText('Bundle file'), { target: { files: [new File(['{"format":"cairn.custody/bundle"}'], 'b.json', { type: 'application/json' })] } });
    const checks = await screen.findByRole('list', { name: 'Verification checks' });
    expect(bridge.callsTo('custody:verify')).toEqual([{ text: '{"format":"cairn.custody/bundle"}', vkey: 'cairn.custody/x+01020304+AQ==' }]);
    const items = within(checks).getAllByRole('listitem');
    expect(items.map((i) => i.textContent?.replace(/\s+/g, ' ').trim())).toEqual([
      'format passed cairn.custody/bundle v1, 3 events',
      'checkpoint passed checkpoint at size 6',
      'signatures failed event 1: the signature does not verify',
    ]);
    expect(screen.getByText('invalid')).toBeTruthy();
  });
});

describe('the PDF audit report', () => {
  it('downloads the report as a PDF Blob and says which bundle it is bound to', async () => {
    const created: Blob[] = [];
    URL.createObjectURL = vi.fn((b: Blob) => (created.push(b), 'blob:report')) as typeof URL.createObjectURL;
    URL.revokeObjectURL = vi.fn();
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      expect(this.download).toBe('custody-appliance-CBX-17.pdf');
    });
    await openAppliance();
    await fireEvent.click(screen.getByRole('button', { name: 'Export PDF report' }));
    await waitFor(() => expect(click).toHaveBeenCalledTimes(1));
    expect(bridge.callsTo('custody:exportPdf')).toEqual([{ scope: 'appliance', id: 'apl-1' }]);
    expect(created[0]!.type).toBe('application/pdf');
    expect(await textOf(created[0]!)).toBe('%PDF-1.7 report');
    expect(await screen.findByText(/4 pages.*bundle SHA-256 bbbbbbbbbbbb…/)).toBeTruthy();
    await fireEvent.click(screen.getByRole('button', { name: 'Export job PDF' }));
    await waitFor(() => expect(bridge.callsTo('custody:exportPdf')).toHaveLength(2));
    expect(bridge.callsTo('custody:exportPdf')[1]).toEqual({ scope: 'job', id: 'job-1' });
  });
});

describe('creating a job and registering an appliance', () => {
  async function fillJob() {
    render(App);
    const form = await screen.findByRole('form', { name: 'Create a transfer job' });
    const f = within(form);
    await fireEvent.input(f.getByLabelText('Customer'), { target: { value: 'Nordlicht Bank' } });
    await fireEvent.input(f.getByLabelText('Tenant'), { target: { value: 'nordlicht' } });
    await fireEvent.change(f.getByLabelText('Direction'), { target: { value: 'export' } });
    await fireEvent.input(f.getByLabelText('Data volume (TB)'), { target: { value: '2.5' } });
    await fireEvent.input(f.getByLabelText('Origin site'), { target: { value: 'fra-dc-1' } });
    await fireEvent.input(f.getByLabelText('Destination site'), { target: { value: 'Customer, Oslo' } });
    return f;
  }

  it('creates a job (volume in TB sent as bytes) and preselects it for registration', async () => {
    bridge.handle({ 'custody:appliances': () => ({ ...board, jobs: bridge.callsTo('custody:createJob').length ? [job, { ...job, id: 'job-2' }] : [job] }) });
    const f = await fillJob();
    await fireEvent.click(f.getByRole('button', { name: /Create job/ }));
    await waitFor(() => expect(bridge.callsTo('custody:createJob')).toHaveLength(1));
    expect(bridge.callsTo('custody:createJob')[0]).toEqual({
      customer: 'Nordlicht Bank',
      tenant: 'nordlicht',
      direction: 'export',
      dataVolumeBytes: 2.5e12,
      originSite: 'fra-dc-1',
      destinationSite: 'Customer, Oslo',
    });
    expect(bridge.contractViolations).toEqual([]);
    await waitFor(() => expect((within(screen.getByRole('form', { name: 'Register an appliance' })).getByLabelText('Job') as HTMLSelectElement).value).toBe('job-2'));
    expect(await screen.findByText(/Created job job-2 for Nordlicht Bank/)).toBeTruthy();
  });

  it('shows a refusal on the field main names, and checks the volume before sending', async () => {
    bridge.handle({ 'custody:createJob': () => fail('invalid_request', 'tenant: letters, digits and . _ : / @ # - only', 'tenant') });
    const f = await fillJob();
    await fireEvent.input(f.getByLabelText('Data volume (TB)'), { target: { value: 'lots' } });
    await fireEvent.click(f.getByRole('button', { name: /Create job/ }));
    expect(f.getByLabelText('Data volume (TB)').getAttribute('aria-invalid')).toBe('true');
    expect(f.getByText(/Enter the data volume in TB/)).toBeTruthy();
    expect(bridge.callsTo('custody:createJob')).toHaveLength(0);
    await fireEvent.input(f.getByLabelText('Data volume (TB)'), { target: { value: '1' } });
    await fireEvent.click(f.getByRole('button', { name: /Create job/ }));
    await waitFor(() => expect(f.getByLabelText('Tenant').getAttribute('aria-invalid')).toBe('true'));
    expect(f.getByText(/tenant: letters, digits/)).toBeTruthy();
    expect(f.getByLabelText('Data volume (TB)').getAttribute('aria-invalid')).toBeNull();
  });

  it('registers an appliance, shows a KMS refusal on its field, then opens the new appliance', async () => {
    let refuse = true;
    bridge.handle({
      'custody:registerAppliance': () =>
        refuse
          ? ((refuse = false), fail('invalid_request', 'kmsKeyRef: this looks like key material; give the KMS reference', 'kmsKeyRef'))
          : { ...detail, state: 'ordered', seq: 0, timeline: [event(0, 'ordered', null)] },
    });
    render(App);
    const form = await screen.findByRole('form', { name: 'Register an appliance' });
    const f = within(form);
    await f.findByRole('option', { name: /job-1/ });
    await fireEvent.change(f.getByLabelText('Job'), { target: { value: 'job-1' } });
    const values: Record<string, string> = {
      Serial: 'CBX-99',
      Model: 'BoxX 120',
      'Capacity (TB)': '120',
      'Firmware version': '3.2.7',
      'Security module id': 'HSM-99',
      'Encryption key id': 'cmk-99',
      'KMS key reference': 'kms://eu/pasted-key',
      'Registered by': 'Lena Vogt',
      'Registration site': 'Hub Frankfurt',
      Reason: 'order received',
    };
    for (const [label, value] of Object.entries(values)) await fireEvent.input(f.getByLabelText(label), { target: { value } });
    await fireEvent.change(f.getByLabelText('Registrant role'), { target: { value: 'logistics_coordinator' } });
    await fireEvent.click(f.getByRole('button', { name: /Sign and register/ }));
    await waitFor(() => expect(f.getByLabelText('KMS key reference').getAttribute('aria-invalid')).toBe('true'));
    expect(f.getByText(/looks like key material/)).toBeTruthy();
    expect(bridge.callsTo('custody:registerAppliance')[0]).toMatchObject({
      jobId: 'job-1',
      serial: 'CBX-99',
      capacityBytes: 120e12,
      operator: { name: 'Lena Vogt', role: 'logistics_coordinator' },
      site: { name: 'Hub Frankfurt' },
      reason: 'order received',
    });
    await fireEvent.input(f.getByLabelText('KMS key reference'), { target: { value: 'kms://eu/cmk-99' } });
    await fireEvent.click(f.getByRole('button', { name: /Sign and register/ }));
    expect(await screen.findByRole('heading', { name: 'Appliance CBX-17' })).toBeTruthy();
    expect(bridge.callsTo('custody:registerAppliance')).toHaveLength(2);
    expect(bridge.contractViolations).toEqual([]);
  });
});

describe('registering from a shipping manifest', () => {
  const row = (line: number, serial: string) => ({ line, serial, model: 'BoxX 120', capacityBytes: 120e12, firmwareVersion: '3.2.7', securityModuleId: `HSM-${serial}`, encryptionKeyId: `cmk-${serial}`, kmsKeyRef: `kms://k/${serial}` });
  const CSV = 'serial,model,capacity_tb,firmware_version,security_module_id,encryption_key_id,kms_key_ref\nBX-1,BoxX 120,120,3.2.7,HSM-BX-1,cmk-BX-1,kms://k/BX-1\n';

  async function openForm() {
    render(App);
    const form = await screen.findByRole('form', { name: 'Register from a shipping manifest' });
    const f = within(form);
    await f.findByRole('option', { name: /job-1/ });
    await fireEvent.change(f.getByLabelText('Job'), { target: { value: 'job-1' } });
    // Who registers and where come from the appliance form.
    const single = within(screen.getByRole('form', { name: 'Register an appliance' }));
    await fireEvent.input(single.getByLabelText('Registered by'), { target: { value: 'Lena Vogt' } });
    await fireEvent.input(single.getByLabelText('Registration site'), { target: { value: 'Hub Frankfurt' } });
    return f;
  }

  it('checks the chosen file first, shows its appliances, then signs them all in one call and refreshes the board', async () => {
    bridge.handle({
      'custody:registerManifest': (req) =>
        (req as { apply: boolean }).apply
          ? { rows: [row(2, 'BX-1'), row(3, 'BX-2')], problems: [], moreProblems: 0, registered: ['apl-7', 'apl-8'], logSize: 12 }
          : { rows: [row(2, 'BX-1'), row(3, 'BX-2')], problems: [], moreProblems: 0, registered: null, logSize: null },
    });
    const f = await openForm();
    expect((f.getByRole('button', { name: 'Sign and register' }) as HTMLButtonElement).disabled).toBe(true);
    await fireEvent.change(f.getByLabelText('Manifest (CSV)'), { target: { files: [new File([CSV], 'shipment-42.csv')] } });
    expect(await f.findByText('2 appliances ready', {}, { timeout: 10_000 })).toBeTruthy();
    expect(bridge.callsTo('custody:registerManifest')).toEqual([
      { jobId: 'job-1', csv: CSV, operator: { name: 'Lena Vogt', role: 'field_engineer' }, site: { name: 'Hub Frankfurt' }, reason: 'Shipping manifest shipment-42.csv', apply: false },
    ]);
    const rows = within(f.getByRole('table', { name: 'Appliances in the manifest' })).getAllByRole('row').slice(1);
    expect(rows.map((r) => within(r).getAllByRole('cell')[1]?.textContent)).toEqual(['BX-1', 'BX-2']);
    const boardLoads = bridge.callsTo('custody:appliances').length;
    await fireEvent.click(f.getByRole('button', { name: 'Sign and register 2 appliances' }));
    await waitFor(() => expect(bridge.callsTo('custody:registerManifest')).toHaveLength(2));
    expect(bridge.callsTo('custody:registerManifest')[1]).toMatchObject({ apply: true, csv: CSV });
    await waitFor(() => expect(bridge.callsTo('custody:appliances').length).toBe(boardLoads + 1));
    expect(f.queryByRole('table', { name: 'Appliances in the manifest' })).toBeNull();
    expect(bridge.contractViolations).toEqual([]);
  });

  it('lists every problem by line and column and keeps signing off', async () => {
    bridge.handle({
      'custody:registerManifest': () => ({
        rows: [row(2, 'BX-1')],
        problems: [
          { line: 3, column: 'capacity_tb', message: 'a capacity in TB, a number of 0 or more' },
          { line: 4, column: 'serial', message: 'serial BX-1 is already on line 2' },
        ],
        moreProblems: 3,
        registered: null,
        logSize: null,
      }),
    });
    const f = await openForm();
    await fireEvent.change(f.getByLabelText('Manifest (CSV)'), { target: { files: [new File([CSV], 'bad.csv')] } });
    expect(await f.findByText('5 problems', {}, { timeout: 10_000 })).toBeTruthy();
    const items = within(f.getByRole('list', { name: 'Problems in the manifest' })).getAllByRole('listitem').map((li) => li.textContent?.replace(/\s+/g, ' ').trim());
    expect(items).toEqual(['line 3 · capacity_tb a capacity in TB, a number of 0 or more', 'line 4 · serial serial BX-1 is already on line 2', 'and 3 more problems']);
    expect((f.getByRole('button', { name: 'Sign and register' }) as HTMLButtonElement).disabled).toBe(true);
    expect(bridge.callsTo('custody:registerManifest').every((r) => (r as { apply: boolean }).apply === false)).toBe(true);
  });

  it('asks for the job, and for who registers and where, before sending anything', async () => {
    bridge.handle({ 'custody:registerManifest': () => fail('internal', 'not expected') });
    render(App);
    const form = await screen.findByRole('form', { name: 'Register from a shipping manifest' });
    const f = within(form);
    await fireEvent.change(f.getByLabelText('Manifest (CSV)'), { target: { files: [new File([CSV], 'a.csv')] } });
    expect(await f.findByText('Choose the job this appliance is for', {}, { timeout: 10_000 })).toBeTruthy();
    await f.findByRole('option', { name: /job-1/ });
    await fireEvent.change(f.getByLabelText('Job'), { target: { value: 'job-1' } });
    await fireEvent.change(f.getByLabelText('Manifest (CSV)'), { target: { files: [new File([CSV], 'a.csv')] } });
    expect(await f.findByText(/First enter who registers them and where/, {}, { timeout: 10_000 })).toBeTruthy();
    expect(bridge.callsTo('custody:registerManifest')).toEqual([]);
  });
});

describe('merging a field log', () => {
  const report: CustodyMergeReport = {
    id: 2,
    origin: 'cairn.custody.field/aa11',
    fieldSize: 3,
    fieldRoot: 'f'.repeat(64),
    mergedAt: '2025-03-03T10:00:00.000Z',
    mergedBy: 'noc',
    accepted: true,
    reason: '1 appended, 1 merged before, 1 conflicting, 0 refused',
    consistency: [{ oldSize: 2, oldRoot: 'a'.repeat(64), newSize: 3, newRoot: 'f'.repeat(64), proof: ['1'.repeat(64), '2'.repeat(64)], valid: true, detail: 'the 2-event field log seen before is a prefix of this one (2 proof hashes)' }],
    events: [
      { fieldLeafIndex: 0, applianceId: 'apl-1', to: 'sealed', at: '2025-03-02T10:00:00.000Z', operator: 'Lena (lena, field_engineer)', fieldSha256: 'c'.repeat(64), outcome: 'already_merged', reason: 'merged by an earlier import', centralSeq: null, centralLeafIndex: null, inclusionProof: [], included: false },
      { fieldLeafIndex: 1, applianceId: 'apl-1', to: 'in_transit_to_customer', at: '2025-03-02T11:00:00.000Z', operator: 'Lena (lena, field_engineer)', fieldSha256: 'd'.repeat(64), outcome: 'conflict', reason: 'seal ids do not match', centralSeq: null, centralLeafIndex: null, inclusionProof: [], included: false },
      { fieldLeafIndex: 2, applianceId: 'apl-2', to: 'damaged', at: '2025-03-02T12:00:00.000Z', operator: 'Lena (lena, field_engineer)', fieldSha256: 'e'.repeat(64), outcome: 'appended', reason: '', centralSeq: 4, centralLeafIndex: 9, inclusionProof: ['3'.repeat(64), '4'.repeat(64), '5'.repeat(64), '6'.repeat(64)], included: true },
    ],
    appended: 1,
    alreadyMerged: 1,
    conflicts: 1,
    refused: 0,
    central: { origin: 'cairn.custody/0123456789abcdef', size: 10, root: '9'.repeat(64), checkpoint: 'cp' },
  };

  it('sends the chosen file, shows the consistency proof hashes and every event outcome, and refreshes the board', async () => {
    bridge.handle({ 'custody:mergeFieldLog': () => report });
    render(App);
    await screen.findByRole('heading', { name: 'Merge field log' });
    const boardLoads = bridge.callsTo('custody:appliances').length;
    await fireEvent.change(screen.getByLabelText('Field-log bundle'), { target: { files: [new File(['{"format":"cairn.custody/field-log"}'], 'field.json')] } });
    const proofs = await screen.findByRole('list', { name: 'Consistency proofs' }, { timeout: 10_000 });
    expect(bridge.callsTo('custody:mergeFieldLog')).toEqual([{ text: '{"format":"cairn.custody/field-log"}' }]);
    expect(within(proofs).getByText('consistent')).toBeTruthy();
    expect(within(proofs).getByText(/^2 \(a{16}…\) → 3 \(f{16}…\)$/)).toBeTruthy();
    expect(within(within(proofs).getByRole('list', { name: 'Proof hashes' })).getAllByRole('listitem').map((li) => li.textContent)).toEqual(['1'.repeat(64), '2'.repeat(64)]);
    const rows = within(screen.getByRole('table', { name: 'Merged field events' })).getAllByRole('row').slice(1);
    expect(rows.map((r) => within(r).getAllByRole('cell').map((c) => c.textContent?.replace(/\s+/g, ' ').trim()))).toEqual([
      ['0', 'apl-1', 'sealed', 'Lena (lena, field_engineer)', 'merged beforemerged by an earlier import', '—'],
      ['1', 'apl-1', 'in transit to customer', 'Lena (lena, field_engineer)', 'conflictseal ids do not match', '—'],
      ['2', 'apl-2', 'damaged', 'Lena (lena, field_engineer)', 'appended', '#4, leaf 9 · inclusion verified (4 hashes)'],
    ]);
    expect(screen.getByText('merged')).toBeTruthy();
    await waitFor(() => expect(bridge.callsTo('custody:appliances').length).toBe(boardLoads + 1));
  });

  it('shows a refused merge and the failed proof', async () => {
    bridge.handle({
      'custody:mergeFieldLog': () => ({
        ...report,
        accepted: false,
        reason: 'refused: not consistent: root mismatch; the field log rewrote history',
        consistency: [{ ...report.consistency[0]!, valid: false, detail: 'not consistent: root mismatch; the field log rewrote history' }],
        events: [],
        appended: 0,
      }),
    });
    render(App);
    await fireEvent.change(await screen.findByLabelText('Field-log bundle'), { target: { files: [new File(['{}'], 'field.json')] } });
    expect(await screen.findByText('refused', {}, { timeout: 10_000 })).toBeTruthy();
    expect(screen.getByText('inconsistent')).toBeTruthy();
    expect(screen.getAllByText(/rewrote history/).length).toBeGreaterThan(0);
  });

  it('downloads this installation’s field log', async () => {
    const clicks: string[] = [];
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      clicks.push(this.download);
    });
    bridge.handle({ 'custody:exportFieldLog': () => ({ fileName: 'custody-field-log-aa11-3.json', text: '{}', events: 3 }) });
    render(App);
    await fireEvent.click(await screen.findByRole('button', { name: "Export this installation's field log" }));
    await waitFor(() => expect(clicks).toEqual(['custody-field-log-aa11-3.json']));
  });
});

describe('recording offline into the field log', () => {
  it('sends the step to custody:fieldRecord (no expectedSeq) and leaves the central timeline alone', async () => {
    bridge.handle({ 'custody:fieldRecord': () => ({ origin: 'cairn.custody.field/aa11', leafIndex: 4, size: 5, seq: 0, eventSha256: 'c'.repeat(64) }) });
    await openAppliance();
    await fireEvent.change(screen.getByLabelText('Next state'), { target: { value: 'damaged' } });
    await fireEvent.input(screen.getByLabelText('Operator'), { target: { value: 'Lena Vogt' } });
    await fireEvent.input(screen.getByLabelText('Site'), { target: { value: 'Field, Porto' } });
    await fireEvent.input(screen.getByLabelText('Why'), { target: { value: 'dropped at the dock' } });
    await fireEvent.input(screen.getByLabelText('Damage'), { target: { value: 'Dent' } });
    await fireEvent.click(screen.getByLabelText("Record offline, in this installation's field log"));
    await fireEvent.click(screen.getByRole('button', { name: 'Sign and record Damaged offline' }));
    await waitFor(() => expect(bridge.callsTo('custody:fieldRecord')).toHaveLength(1));
    expect(bridge.callsTo('custody:fieldRecord')[0]).toEqual({
      applianceId: 'apl-1',
      to: 'damaged',
      operator: { name: 'Lena Vogt', role: 'field_engineer' },
      site: { name: 'Field, Porto' },
      reason: 'dropped at the dock',
      fields: { damageDescription: 'Dent' },
      attachments: [],
    });
    expect(bridge.callsTo('custody:record')).toEqual([]);
    expect(await screen.findByText(/in the field log \(leaf 4\)/, {}, { timeout: 10_000 })).toBeTruthy();
  });
});
