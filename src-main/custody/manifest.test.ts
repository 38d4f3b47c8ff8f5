/** Shipping manifests come from outside: parsed strictly, every problem reported with its line, never thrown. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CUSTODY_MANIFEST_COLUMNS, CUSTODY_MANIFEST_MAX_ROWS } from '../../src-preload/contract';
import { verifyBundle } from './bundle';
import { MANIFEST_PROBLEMS_SHOWN, parseCsv, parseManifest } from './manifest';
import { actorFor, makeService, sampleJob } from './test-support';

const HEADER = CUSTODY_MANIFEST_COLUMNS.join(',');
const row = (serial: string, extra: Partial<Record<(typeof CUSTODY_MANIFEST_COLUMNS)[number], string>> = {}) =>
  CUSTODY_MANIFEST_COLUMNS.map((c) => extra[c] ?? { serial, model: 'BoxX 120', capacity_tb: '120', firmware_version: '3.2.7', security_module_id: `HSM-${serial}`, encryption_key_id: `cmk-${serial}`, kms_key_ref: `kms://eu/keys/cmk-${serial}` }[c]).join(',');

describe('parseCsv', () => {
  it('reads RFC 4180: quoted commas, doubled quotes and line breaks, CRLF or LF, a BOM, blank lines skipped', () => {
    const text = '\uFEFFa,b,c\r\n"x, y","say ""hi""","two\nlines"\n\n1,,3\n';
    const { records, problem } = parseCsv(text);
    expect(problem).toBeNull();
    expect(records).toEqual([
      { line: 1, fields: ['a', 'b', 'c'] },
      { line: 2, fields: ['x, y', 'say "hi"', 'two\nlines'] },
      { line: 5, fields: ['1', '', '3'] },
    ]);
  });

  it('names the line of a quote left open, text after a closing quote and a stray quote', () => {
    expect(parseCsv('a\n"open,b\nc').problem).toEqual({ line: 2, column: null, message: 'a quoted value is never closed' });
    expect(parseCsv('a\n"x"y,b').problem?.line).toBe(2);
    expect(parseCsv('a\nb\nx"y').problem).toMatchObject({ line: 3, message: expect.stringMatching(/quote inside an unquoted value/) });
  });

  it('never throws, and gives back exactly what a writer quoted', () => {
    // A writer quotes what needs it; a row of one blank value must be quoted too, or it reads as a blank line (skipped).
    const quote = (v: string, alone: boolean) => (/[",\r\n]/.test(v) || (alone && v.trim() === '') ? `"${v.replace(/"/g, '""')}"` : v);
    fc.assert(
      fc.property(fc.array(fc.array(fc.string(), { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 8 }), fc.constantFrom('\n', '\r\n'), (rows, eol) => {
        const text = rows.map((r) => r.map((v) => quote(v, r.length === 1)).join(',')).join(eol) + eol;
        const { records, problem } = parseCsv(text);
        expect(problem).toBeNull();
        expect(records.map((r) => r.fields)).toEqual(rows);
      }),
    );
    fc.assert(fc.property(fc.string({ maxLength: 300 }), (s) => void parseCsv(s)));
  });
});

describe('parseManifest', () => {
  it('gives each appliance with its line, in any column order and case, capacities from TB to bytes', () => {
    const cols = [...CUSTODY_MANIFEST_COLUMNS].reverse();
    const text = `${cols.map((c) => c.toUpperCase()).join(',')}\n${cols.map((c) => ({ serial: 'BX-1', model: '"BoxX, 120"', capacity_tb: '7.5', firmware_version: '3.2.7', security_module_id: 'HSM-1', encryption_key_id: 'cmk-1', kms_key_ref: 'kms://k/1' })[c]).join(',')}\n`;
    const m = parseManifest(text);
    expect(m.problems).toEqual([]);
    expect(m.rows).toEqual([{ line: 2, serial: 'BX-1', model: 'BoxX, 120', capacityBytes: 7.5e12, firmwareVersion: '3.2.7', securityModuleId: 'HSM-1', encryptionKeyId: 'cmk-1', kmsKeyRef: 'kms://k/1' }]);
  });

  it('reports what is wrong with the file itself', () => {
    expect(parseManifest('').problems[0]?.message).toMatch(/empty/);
    expect(parseManifest(`${HEADER}\n`).problems[0]?.message).toBe('the manifest lists no appliances');
    const missing = parseManifest('serial,model\nA,B\n');
    expect(missing.rows).toEqual([]);
    expect(missing.problems).toEqual([{ line: 1, column: null, message: 'missing columns: capacity_tb, firmware_version, security_module_id, encryption_key_id, kms_key_ref' }]);
    expect(parseManifest(`${HEADER},serail\n`).problems[0]).toMatchObject({ line: 1, column: 'serail', message: expect.stringMatching(/unknown column "serail"/) });
    expect(parseManifest(`${HEADER},serial\n`).problems[0]).toMatchObject({ column: 'serial', message: 'column "serial" appears twice' });
    const many = [HEADER, ...Array.from({ length: CUSTODY_MANIFEST_MAX_ROWS + 1 }, (_, i) => row(`S-${i}`))].join('\n');
    expect(parseManifest(many).problems).toEqual([{ line: 0, column: null, message: `the manifest lists ${CUSTODY_MANIFEST_MAX_ROWS + 1} appliances; at most ${CUSTODY_MANIFEST_MAX_ROWS} go in one batch (split the file)` }]);
  });

  it('reports each bad row by line and column, and keeps the good ones', () => {
    const text = [
      HEADER,
      row('OK-1'),
      row('CAP-1', { capacity_tb: 'lots' }),
      row('E-1', { serial: '' }),
      row('KEY-1', { kms_key_ref: `-----BEGIN PRIVATE KEY-----` }),
      'A,B',
      row('OK-1'),
      row('NEG-1', { capacity_tb: '-1' }),
    ].join('\n');
    const m = parseManifest(text);
    expect(m.rows.map((r) => [r.line, r.serial])).toEqual([[2, 'OK-1']]);
    expect(m.problems.map((p) => [p.line, p.column])).toEqual([
      [3, 'capacity_tb'],
      [4, 'serial'],
      [5, 'kms_key_ref'],
      [6, null],
      [7, 'serial'],
      [8, 'capacity_tb'],
    ]);
    expect(m.problems[4]?.message).toBe('serial OK-1 is already on line 2');
    expect(m.problems[3]?.message).toBe('2 values for 7 columns');
    expect(m.problems[1]?.message).toBe('empty');
    expect(m.problems[2]?.message).toBe('a reference has no spaces');
  });

  it('lists at most 100 problems and counts the rest', () => {
    const text = [HEADER, ...Array.from({ length: 150 }, (_, i) => row(`S-${i}`, { capacity_tb: 'x' }))].join('\n');
    const m = parseManifest(text);
    expect(m.problems).toHaveLength(MANIFEST_PROBLEMS_SHOWN);
    expect(m.moreProblems).toBe(50);
  });

  it('never throws on any text, and every problem names a line of it', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 400 }), fc.array(fc.constantFrom(HEADER, row('A-1'), row('B-2', { capacity_tb: '' }), '"', ',', 'x,"y', ''), { maxLength: 10 }).map((l) => l.join('\n'))), (text) => {
        const m = parseManifest(text);
        const lines = text.split('\n').length;
        for (const p of m.problems) expect(p.line).toBeLessThanOrEqual(lines);
        expect(m.rows.length + m.problems.length + m.moreProblems).toBeGreaterThanOrEqual(m.rows.length);
      }),
    );
  });
});

describe('CustodyService.registerManifest', () => {
  const input = (jobId: string, csv: string, apply: boolean) => ({ jobId, csv, operator: { name: 'Lena Vogt', role: 'logistics_coordinator' as const }, site: { name: 'Hub, Frankfurt' }, reason: 'shipment 42', apply });

  it('checks without writing, then registers every row in one signed batch under one checkpoint', async () => {
    const { svc } = makeService();
    const job = sampleJob(svc).id;
    const csv = [HEADER, row('M-1'), row('M-2'), row('M-3')].join('\n');
    const check = await svc.registerManifest(input(job, csv, false), { actor: actorFor('ordered') });
    expect(check).toMatchObject({ problems: [], moreProblems: 0, registered: null, logSize: null });
    expect(check.rows.map((r) => r.serial)).toEqual(['M-1', 'M-2', 'M-3']);
    expect(svc.log.size).toBe(0);
    const done = await svc.registerManifest(input(job, csv, true), { actor: actorFor('ordered') });
    expect(done.registered).toHaveLength(3);
    expect(done.logSize).toBe(3);
    expect(svc.db.prepare('SELECT size FROM custody_checkpoints').pluck().all()).toEqual([3]);
    const d = svc.detail(done.registered?.[1] as string);
    expect(d.appliance).toMatchObject({ serial: 'M-2', capacityBytes: 120e12, kmsKeyRef: 'kms://eu/keys/cmk-M-2' });
    expect(d.timeline[0]).toMatchObject({ to: 'ordered', reason: 'shipment 42', operator: { name: 'Lena Vogt' }, site: { name: 'Hub, Frankfurt' } });
    expect(verifyBundle((await svc.exportBundle({ kind: 'job', id: job })).text).valid).toBe(true);
  });

  it('names serials already in custody by line, and writes nothing while any problem stands', async () => {
    const { svc } = makeService();
    const job = sampleJob(svc).id;
    await svc.registerManifest(input(job, [HEADER, row('T-1')].join('\n'), true), { actor: actorFor('ordered') });
    const size = svc.log.size;
    const again = await svc.registerManifest(input(job, [HEADER, row('T-2'), row('T-1')].join('\n'), true), { actor: actorFor('ordered') });
    expect(again.registered).toBeNull();
    expect(again.problems).toEqual([{ line: 3, column: 'serial', message: expect.stringMatching(/^serial T-1 is already in custody \(apl-[0-9a-f]+\); close that record first$/) }]);
    expect(svc.log.size).toBe(size);
    const broken = await svc.registerManifest(input(job, [HEADER, row('T-3', { capacity_tb: '?' })].join('\n'), true), { actor: actorFor('ordered') });
    expect(broken.registered).toBeNull();
    expect(svc.log.size).toBe(size);
  });

  it('refuses an unknown job and an operator without the registration permission', async () => {
    const { svc } = makeService();
    const job = sampleJob(svc).id;
    await expect(svc.registerManifest(input('job-none', `${HEADER}\n${row('X-1')}`, false), { actor: actorFor('ordered') })).rejects.toMatchObject({ code: 'not_found', field: 'jobId' });
    await expect(svc.registerManifest(input(job, `${HEADER}\n${row('X-1')}`, true), { actor: { id: 'v', role: 'viewer' } })).rejects.toMatchObject({ code: 'forbidden' });
    expect(svc.log.size).toBe(0);
  });
});
