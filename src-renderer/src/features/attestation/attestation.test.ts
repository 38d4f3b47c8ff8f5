import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AttestationDetail, AttestationList, AttestationPolicy, AttestationResult, AttestationRow, SavedSshTarget, SshHostKey } from '../../../../src-preload/contract';
import App from '../../App.svelte';
import { route } from '../../lib/pages';
import { router } from '../../lib/router.svelte';
import { fail, type FakeBridge } from '../../test/fake-bridge';
import { setupApp } from '../../test/fixtures';

const M1 = 'a1'.repeat(48);
const M2 = 'b2'.repeat(48);
const FP_NEW = `SHA256:${'N'.repeat(43)}`;
const FP_OLD = `SHA256:${'O'.repeat(43)}`;
const NOW = Date.now();
const iso = (secondsAgo: number) => new Date(NOW - secondsAgo * 1000).toISOString();

const policy: AttestationPolicy = { version: 2, minTcb: { snp: 8 }, measurements: [M1], allowDebug: false, createdAt: iso(5000), operator: 'alice' };

function result(id: number, over: Partial<AttestationResult> = {}): AttestationResult {
  return {
    id,
    guest: { clusterId: 'c1', vmid: 200 + id, name: `conf-${id}` },
    host: '10.0.0.5:22',
    source: 'ssh',
    at: iso(600),
    operator: 'alice',
    verdict: 'accept',
    reasons: [],
    product: 'Milan',
    measurement: M1,
    tcb: { bootloader: 3, tee: 0, snp: 8, microcode: 115, fmc: null },
    policyVersion: 2,
    evidenceSha256: 'e'.repeat(64),
    ...over,
  };
}

function row(i: number, last: AttestationResult | null, over: Partial<AttestationRow> = {}): AttestationRow {
  return {
    guest: { clusterId: 'c1', vmid: 200 + i, name: `conf-${i}` },
    node: 'pve1',
    site: 'fra-edge-1',
    status: 'running',
    tenant: 'acme',
    last,
    ageSeconds: last ? 600 : null,
    measurementMatch: last ? (last.measurement === M1 ? 'match' : 'mismatch') : 'unknown',
    stale: last === null,
    ...over,
  };
}

const rows: AttestationRow[] = [
  row(1, result(1)),
  row(2, result(2, { verdict: 'reject', measurement: M2, reasons: [{ code: 'policy-measurement', message: 'MEASUREMENT is not on the allow-list' }] })),
  row(3, null),
];

/** One page of a matching list, as main answers it. */
const listOf = (r: AttestationRow[], total = 3, req: { offset?: number; limit?: number } = {}): AttestationList => ({
  rows: r.slice(req.offset ?? 0, (req.offset ?? 0) + (req.limit ?? 200)),
  matched: r.length,
  total,
  policy,
  staleAfterSeconds: 86400,
});

const detail: AttestationDetail = {
  guest: rows[1]!.guest,
  result: rows[1]!.last,
  fields: [
    { name: 'Measurement', value: M2 },
    { name: 'REPORT_DATA', value: 'cd'.repeat(64) },
  ],
  checks: { report_signature: true, vek_signed_by_ask: true },
  chain: [{ role: 'VCEK', subject: 'SEV-VCEK', issuer: 'SEV-Milan', notBefore: iso(1e7), notAfter: iso(-1e7), fingerprint256: 'AA:BB' }],
  history: [rows[1]!.last!, result(9, { verdict: 'accept', at: iso(90000) })],
};

let bridge: FakeBridge;
let consoleErrors: unknown[][];

beforeEach(() => {
  consoleErrors = [];
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void consoleErrors.push(a));
  vi.spyOn(console, 'warn').mockImplementation((...a: unknown[]) => void consoleErrors.push(a));
  bridge = setupApp({
    'attestation:list': (req) =>
      listOf(req.filter === 'reject' ? rows.filter((r) => r.last?.verdict === 'reject') : rows.filter((r) => r.guest.name.includes(req.query ?? '')), 3, req),
    'attestation:detail': () => detail,
    'attestation:policy:get': () => policy,
    'attestation:policy:set': (req) => ({ ...policy, version: 3, minTcb: req.minTcb, measurements: req.measurements, allowDebug: req.allowDebug }),
    'ssh:keys': () => [{ name: 'ops', keyType: 'ssh-ed25519', publicFingerprint: `SHA256:${'K'.repeat(43)}`, createdAt: iso(100) }],
    'ssh:probeHostKey': (req): SshHostKey => ({ host: req.host, port: req.port, keyType: 'ssh-ed25519', fingerprint: FP_NEW, pin: 'new', pinnedFingerprint: null }),
    'ssh:trustHostKey': (req) => ({ host: req.host, port: req.port, user: req.user, keyType: 'ssh-ed25519', fingerprint: req.fingerprint, confirmedAt: iso(0) }),
    'attestation:attestNow': (req) => result(7, { guest: req.guest }),
    'attestation:target:get': () => null,
    'attestation:verifyFiles': () => result(8, { guest: null, host: null, source: 'files', verdict: 'reject', reasons: [{ code: 'signature', message: 'the report signature does not verify' }] }),
  });
  router.reset(route('attestation'));
});

afterEach(() => {
  expect(bridge.contractViolations).toEqual([]);
  expect(consoleErrors).toEqual([]);
  vi.restoreAllMocks();
});

const main = () => screen.getByRole('main');
/** The table once its first page of rows has arrived. */
const loadedTable = async (first = 'conf-1') => {
  await within(main()).findByRole('button', { name: `Evidence for ${first}` });
  return within(main()).getByRole('table');
};

describe('attestation page', () => {
  it('explains how to get confidential guests when there are none', async () => {
    bridge.handle({ 'attestation:list': () => listOf([], 0) });
    render(App);
    expect(await within(main()).findByText('No confidential guests yet')).toBeTruthy();
    expect(main().textContent).toMatch(/tagged confidential/);
    expect(main().textContent).toMatch(/qm set <vmid> --tags confidential/);
    expect(within(main()).getAllByRole('button', { name: /Verify files/ }).length).toBeGreaterThan(0);
  });

  it('lists confidential guests with verdict, age, TCB and measurement match', async () => {
    render(App);
    const table = await loadedTable();
    const [, r1, r2, r3] = within(table).getAllByRole('row');
    expect(r1!.textContent).toContain('conf-1');
    expect(within(r1!).getByText('accepted')).toBeTruthy();
    expect(r1!.textContent).toMatch(/10m( 0s)? ago/);
    expect(r1!.textContent).toContain('BL 3 · TEE 0 · SNP 8 · µcode 115');
    expect(within(r1!).getByText('allowed')).toBeTruthy();
    expect(within(r2!).getByText('rejected')).toBeTruthy();
    expect(within(r2!).getByText('not allowed')).toBeTruthy();
    expect(within(r3!).getByText('never attested')).toBeTruthy();
    expect(main().textContent).toMatch(/Policy v2: snp ≥ 8; 1 allowed measurement; debug refused/);
  });

  it('reads a large list in pages, only what the table shows', async () => {
    const many = Array.from({ length: 450 }, (_, i) => ({ ...rows[i % 3]!, guest: { ...rows[i % 3]!.guest, vmid: 1000 + i, name: `conf-${1000 + i}` } }));
    bridge.handle({ 'attestation:list': (req) => listOf(many, 450, req) });
    render(App);
    const table = await loadedTable('conf-1000');
    expect(table.getAttribute('aria-rowcount')).toBe('451');
    await waitFor(() => expect(within(table).getAllByRole('row').length).toBeGreaterThan(10));
    // A few dozen rows on screen; 450 would not be.
    expect(within(table).getAllByRole('row').length).toBeLessThan(60);
    expect(bridge.callsTo('attestation:list').map((r) => [r.offset, r.limit])).toEqual([[0, 200]]);
    expect(main().textContent).toMatch(/450 confidential guests/);
  });

  it('filters by verdict and searches', async () => {
    render(App);
    await loadedTable();
    await fireEvent.click(within(main()).getByRole('button', { name: 'Rejected' }));
    await waitFor(() => expect(within(main()).getAllByRole('row')).toHaveLength(2));
    expect(bridge.callsTo('attestation:list').at(-1)).toEqual({ query: '', filter: 'reject', offset: 0, limit: 200 });
    expect(within(main()).getByRole('button', { name: 'Rejected' }).getAttribute('aria-pressed')).toBe('true');

    await fireEvent.click(within(main()).getByRole('button', { name: 'All' }));
    await fireEvent.input(within(main()).getByLabelText('Search confidential guests'), { target: { value: 'conf-3' } });
    await waitFor(() => expect(bridge.callsTo('attestation:list').at(-1)).toEqual({ query: 'conf-3', filter: 'all', offset: 0, limit: 200 }));
    await waitFor(() => expect(within(main()).getAllByRole('row')).toHaveLength(2));
  });

  it('opens the evidence drawer with decoded fields, reasons, chain and history', async () => {
    render(App);
    await fireEvent.click(await within(main()).findByRole('button', { name: 'Evidence for conf-2' }));
    const drawer = await screen.findByRole('complementary', { name: /Evidence — conf-2/ });
    await within(drawer).findByText('Decoded report');
    expect(bridge.callsTo('attestation:detail')).toEqual([{ clusterId: 'c1', vmid: 202 }]);
    expect(drawer.textContent).toContain('MEASUREMENT is not on the allow-list');
    expect(drawer.textContent).toContain('REPORT_DATA');
    expect(drawer.textContent).toContain('cd'.repeat(64));
    expect(drawer.textContent).toContain('SEV-VCEK');
    const history = within(drawer).getAllByRole('listitem').filter((li) => li.textContent?.includes('alice'));
    expect(history).toHaveLength(2);
    await fireEvent.click(within(history[1]!).getByRole('button'));
    await waitFor(() => expect(bridge.callsTo('attestation:detail').at(-1)).toEqual({ resultId: 9 }));
    await fireEvent.click(within(drawer).getByRole('button', { name: 'Close evidence detail' }));
    expect(screen.queryByRole('complementary', { name: /Evidence/ })).toBeNull();
  });

  it('edits the policy: debug off by default, bad measurements refused, saved as a new version', async () => {
    bridge.handle({ 'attestation:list': () => listOf(rows, 3) });
    render(App);
    await loadedTable();
    await fireEvent.click(within(main()).getByRole('button', { name: /Policy/ }));
    const dialog = await screen.findByRole('dialog', { name: 'Attestation policy' });
    const debug = within(dialog).getByLabelText(/allows debugging/) as HTMLInputElement;
    expect(debug.checked).toBe(false);
    expect((within(dialog).getByLabelText('SNP firmware') as HTMLInputElement).value).toBe('8');

    await fireEvent.input(within(dialog).getByLabelText('Allowed measurements'), { target: { value: `${M1}\nnot-hex` } });
    await fireEvent.input(within(dialog).getByLabelText('Microcode'), { target: { value: '300' } });
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Save as new version' }));
    expect(within(dialog).getByText(/Not a 48-byte hex measurement/)).toBeTruthy();
    expect(within(dialog).getByText(/whole number 0–255/)).toBeTruthy();
    expect(bridge.callsTo('attestation:policy:set')).toEqual([]);

    await fireEvent.input(within(dialog).getByLabelText('Allowed measurements'), { target: { value: `${M1}\n${M2.toUpperCase()}` } });
    await fireEvent.input(within(dialog).getByLabelText('Microcode'), { target: { value: '115' } });
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Save as new version' }));
    await waitFor(() => expect(bridge.callsTo('attestation:policy:set')).toEqual([{ minTcb: { snp: 8, microcode: 115 }, measurements: [M1, M2], allowDebug: false }]));
    await waitFor(() => expect(screen.queryByRole('dialog', { name: 'Attestation policy' })).toBeNull());
  });

  it('attest now: shows the host key on first contact and runs nothing until it is confirmed', async () => {
    render(App);
    const table = await loadedTable();
    await fireEvent.click(within(table).getByRole('button', { name: 'Attest now conf-1' }));
    const dialog = await screen.findByRole('dialog', { name: 'Attest conf-1' });
    await waitFor(() => expect((within(dialog).getByLabelText(/SSH key/) as HTMLSelectElement).value).toBe('ops'));
    await fireEvent.input(within(dialog).getByLabelText('SSH host'), { target: { value: '10.0.0.5' } });
    await fireEvent.click(within(dialog).getByRole('button', { name: /Next: check host key/ }));

    await waitFor(() => expect(within(dialog).getByTestId('host-fingerprint').textContent).toBe(FP_NEW));
    expect(dialog.textContent).toMatch(/First contact/);
    expect(bridge.callsTo('ssh:probeHostKey')).toEqual([{ host: '10.0.0.5', port: 22 }]);
    const trust = within(dialog).getByRole('button', { name: /Trust and attest/ }) as HTMLButtonElement;
    expect(trust.disabled).toBe(true);
    expect(bridge.callsTo('ssh:trustHostKey')).toEqual([]);
    expect(bridge.callsTo('attestation:attestNow')).toEqual([]);

    await fireEvent.click(within(dialog).getByLabelText(/verified this fingerprint/));
    await fireEvent.click(trust);
    await within(dialog).findByText('accepted');
    expect(bridge.callsTo('ssh:trustHostKey')).toEqual([{ host: '10.0.0.5', port: 22, user: 'root', fingerprint: FP_NEW }]);
    expect(bridge.callsTo('attestation:attestNow')).toEqual([{ guest: rows[0]!.guest, target: { host: '10.0.0.5', port: 22, user: 'root' }, keyName: 'ops', technology: 'sev-snp' }]);
  });

  it('attest now: the remembered target is pre-filled, TDX included, and the edited target is what runs', async () => {
    const saved: SavedSshTarget = { guest: rows[0]!.guest, host: 'conf-1.example.net', port: 2222, user: 'attest', keyName: 'ops', technology: 'tdx', keyKnown: true, updatedAt: iso(3600) };
    bridge.handle({
      'attestation:target:get': () => saved,
      'attestation:target:forget': () => ({ forgotten: true }),
      'ssh:probeHostKey': (req) => ({ host: req.host, port: req.port, keyType: 'ssh-ed25519', fingerprint: FP_NEW, pin: 'match', pinnedFingerprint: FP_NEW }),
      'attestation:attestNow': (req) =>
        result(7, { guest: req.guest, product: 'TDX', tcb: null, verdict: 'accept-signature-and-chain', reasons: [{ code: 'collateral-missing', message: 'no collateral was supplied' }] }),
    });
    render(App);
    const table = await loadedTable();
    await fireEvent.click(within(table).getByRole('button', { name: 'Attest now conf-1' }));
    const dialog = await screen.findByRole('dialog', { name: 'Attest conf-1' });
    await waitFor(() => expect((within(dialog).getByLabelText('SSH host') as HTMLInputElement).value).toBe('conf-1.example.net'));
    expect(bridge.callsTo('attestation:target:get')).toEqual([{ clusterId: 'c1', vmid: 201 }]);
    expect((within(dialog).getByLabelText('Port') as HTMLInputElement).value).toBe('2222');
    expect((within(dialog).getByLabelText('User') as HTMLInputElement).value).toBe('attest');
    expect((within(dialog).getByLabelText(/Intel TDX/) as HTMLInputElement).checked).toBe(true);
    expect(within(dialog).getByTestId('remembered-target').textContent).toMatch(/remembered/);

    // Edited before use: the edit is what runs (main remembers it after the collection).
    await fireEvent.input(within(dialog).getByLabelText('User'), { target: { value: 'root' } });
    await fireEvent.click(within(dialog).getByRole('button', { name: /Next: check host key/ }));
    await within(dialog).findByText(/signature and chain/i);
    expect(bridge.callsTo('attestation:attestNow')).toEqual([{ guest: rows[0]!.guest, target: { host: 'conf-1.example.net', port: 2222, user: 'root' }, keyName: 'ops', technology: 'tdx' }]);
    expect(dialog.textContent).toMatch(/quote is genuine, but whether the platform is up to date is unknown/);
  });

  it('attest now: forgetting the remembered target clears the form', async () => {
    bridge.handle({
      'attestation:target:get': (): SavedSshTarget => ({ guest: rows[0]!.guest, host: '10.9.9.9', port: 22, user: 'attest', keyName: 'gone', technology: 'sev-snp', keyKnown: false, updatedAt: iso(60) }),
      'attestation:target:forget': () => ({ forgotten: true }),
    });
    render(App);
    const table = await loadedTable();
    await fireEvent.click(within(table).getByRole('button', { name: 'Attest now conf-1' }));
    const dialog = await screen.findByRole('dialog', { name: 'Attest conf-1' });
    const note = await within(dialog).findByTestId('remembered-target');
    // The remembered key is gone from the keychain: the operator is told and a stored key is chosen instead.
    expect(note.textContent).toMatch(/gone is no longer in the keychain/);
    expect((within(dialog).getByLabelText(/SSH key/) as HTMLSelectElement).value).toBe('ops');
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Forget this target' }));
    await waitFor(() => expect(within(dialog).queryByTestId('remembered-target')).toBeNull());
    expect(bridge.callsTo('attestation:target:forget')).toEqual([{ clusterId: 'c1', vmid: 201 }]);
    expect((within(dialog).getByLabelText('SSH host') as HTMLInputElement).value).toBe('');
    expect((within(dialog).getByLabelText('User') as HTMLInputElement).value).toBe('root');
  });

  it('attest now: a changed host key shows both fingerprints, and a refusal from main is shown', async () => {
    bridge.handle({
      'ssh:probeHostKey': (req) => ({ host: req.host, port: req.port, keyType: 'ssh-ed25519', fingerprint: FP_NEW, pin: 'mismatch', pinnedFingerprint: FP_OLD }),
      'ssh:trustHostKey': () => fail('tls_pin_mismatch', `host now presents ${FP_OLD}`, 'fingerprint'),
    });
    render(App);
    const table = await loadedTable();
    await fireEvent.click(within(table).getByRole('button', { name: 'Attest now conf-2' }));
    const dialog = await screen.findByRole('dialog', { name: 'Attest conf-2' });
    await waitFor(() => expect((within(dialog).getByLabelText(/SSH key/) as HTMLSelectElement).value).toBe('ops'));
    await fireEvent.input(within(dialog).getByLabelText('SSH host'), { target: { value: 'conf-2.example.net' } });
    await fireEvent.click(within(dialog).getByRole('button', { name: /Next: check host key/ }));
    const alert = await within(dialog).findByRole('alert');
    expect(alert.textContent).toContain('has changed');
    expect(alert.textContent).toContain(FP_OLD);
    expect(alert.textContent).toContain(FP_NEW);
    await fireEvent.click(within(dialog).getByLabelText(/verified this fingerprint/));
    await fireEvent.click(within(dialog).getByRole('button', { name: /Re-pin and attest/ }));
    await waitFor(() => expect(dialog.textContent).toContain(`host now presents ${FP_OLD}`));
    expect(bridge.callsTo('attestation:attestNow')).toEqual([]);
  });

  it('attest now: a new key goes to ssh:addKey and its field is cleared', async () => {
    bridge.handle({
      'ssh:keys': () => [],
      'ssh:addKey': (req) => ({ name: req.name, keyType: 'ssh-ed25519', publicFingerprint: `SHA256:${'P'.repeat(43)}`, createdAt: iso(0) }),
      'ssh:probeHostKey': (req) => ({ host: req.host, port: req.port, keyType: 'ssh-ed25519', fingerprint: FP_NEW, pin: 'match', pinnedFingerprint: FP_NEW }),
    });
    render(App);
    const table = await loadedTable();
    await fireEvent.click(within(table).getByRole('button', { name: 'Attest now conf-3' }));
    const dialog = await screen.findByRole('dialog', { name: 'Attest conf-3' });
    const pk = (await within(dialog).findByLabelText('Private key')) as HTMLTextAreaElement;
    await fireEvent.input(within(dialog).getByLabelText('SSH host'), { target: { value: '10.0.0.9' } });
    await fireEvent.input(within(dialog).getByLabelText('Key name'), { target: { value: 'ops2' } });
    pk.value = '-----BEGIN OPENSSH PRIVATE KEY-----\nsecret\n-----END OPENSSH PRIVATE KEY-----';
    (within(dialog).getByLabelText(/Passphrase/) as HTMLInputElement).value = 'pw-123456';
    await fireEvent.click(within(dialog).getByRole('button', { name: /Next: check host key/ }));
    // Pinned and unchanged: straight to the verdict.
    await within(dialog).findByText('accepted');
    expect(bridge.callsTo('ssh:addKey')).toEqual([{ name: 'ops2', privateKey: pk.value || expect.stringContaining('secret'), passphrase: 'pw-123456' }]);
    expect(pk.value).toBe('');
    expect(bridge.callsTo('attestation:attestNow')[0]).toMatchObject({ keyName: 'ops2' });
  });

  it('the evidence drawer shows a TDX quote: its decoded fields, TCB status and Intel chain', async () => {
    const tdx = result(2, { product: 'TDX', tcb: null, measurement: M1 });
    bridge.handle({
      'attestation:detail': (): AttestationDetail => ({
        guest: rows[1]!.guest,
        result: tdx,
        fields: [
          { name: 'Product', value: 'Intel TDX' },
          { name: 'MRTD', value: M1 },
          { name: 'RTMR0', value: 'c3'.repeat(48) },
          { name: 'REPORTDATA', value: 'cd'.repeat(64) },
          { name: 'TCB status', value: 'UpToDate' },
        ],
        checks: { quote_signature: true, tcbinfo_signature: true },
        chain: [{ role: 'PCK', subject: 'Intel SGX PCK Certificate', issuer: 'Intel SGX PCK Platform CA', notBefore: iso(1e7), notAfter: iso(-1e7), fingerprint256: 'CC:DD' }],
        history: [tdx],
      }),
    });
    render(App);
    const table = await loadedTable();
    await fireEvent.click(within(table).getByRole('button', { name: 'Evidence for conf-2' }));
    const drawer = await screen.findByRole('complementary');
    const fields = await within(drawer).findByRole('region', { name: 'Decoded TDX quote' });
    expect(fields.textContent).toContain('MRTD');
    expect(fields.textContent).toContain('c3'.repeat(48));
    expect(within(drawer).getByRole('region', { name: 'Verdict' }).textContent).toMatch(/TCB status\s*UpToDate/);
    expect(drawer.textContent).not.toMatch(/Reported TCB/);
    expect(drawer.textContent).toContain('Intel SGX PCK Certificate');
  });

  it('verifies evidence files offline and shows the verdict', async () => {
    render(App);
    await loadedTable();
    await fireEvent.click(within(main()).getByRole('button', { name: /Verify files/ }));
    const dialog = await screen.findByRole('dialog', { name: 'Verify evidence files' });
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Verify' }));
    expect(within(dialog).getAllByText('Choose a file')).toHaveLength(2);

    const setFile = (label: RegExp, bytes: number[], name: string) =>
      Object.defineProperty(within(dialog).getByLabelText(label), 'files', { configurable: true, value: [new File([new Uint8Array(bytes)], name)] });
    setFile(/Attestation report/, [1, 2, 3], 'report.bin');
    setFile(/VCEK or VLEK/, [4, 5], 'vcek.der');
    await fireEvent.input(within(dialog).getByLabelText(/Expected REPORT_DATA/), { target: { value: 'ABCD' } });
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Verify' }));
    await within(dialog).findByText('rejected');
    expect(dialog.textContent).toContain('the report signature does not verify');
    expect(bridge.callsTo('attestation:verifyFiles')).toEqual([{ report: 'AQID', vek: 'BAU=', reportData: 'abcd' }]);
  });
});
