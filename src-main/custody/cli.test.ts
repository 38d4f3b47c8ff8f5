/**
 * `cairn custody verify-bundle`: in process over runCustodyCli and runCli
 * (dispatch and help), and once as an operator runs it (`npm run --silent
 * cairn -- custody …`, a real child process). Exit codes: 0 valid, 1
 * invalid (malformed included), 2 usage, unreadable file or unusable --vkey.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateNoteKey } from '../ledger';
import { HELP, runCli } from '../cli/run';
import { PDFDocument } from 'pdf-lib';
import { verifyBundle } from './bundle';
import { runCustodyCli, type CustodyCliIo } from './cli';
import { HAPPY_PATH, makeService, registerSample, walk } from './test-support';

const ROOT = resolve(import.meta.dirname, '../..');
let dir: string;
let good: string;
let vkey: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cairn-custody-cli-'));
  const { svc } = makeService();
  const id = (await registerSample(svc)).appliance.id;
  await walk(svc, id, ['provisioning', 'ready', 'sealed', 'in_transit_to_customer']);
  const out = await svc.exportBundle({ kind: 'appliance', id });
  vkey = out.bundle.verifierKeys[0] as string;
  good = join(dir, 'good.json');
  writeFileSync(good, out.text);
  writeFileSync(join(dir, 'tampered.json'), out.text.replace('"reason": "step to ready"', '"reason": "step to READY"'));
  writeFileSync(join(dir, 'malformed.json'), '{"format": "cairn.custody/bundle", ');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(argv: string[], extra: Partial<CustodyCliIo> = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runCustodyCli(argv, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), readFile: (p) => readFile(p, 'utf8'), ...extra });
  return { code, stdout, stderr };
}

describe('cairn custody verify-bundle', () => {
  it('exits 0 for a valid bundle and lists every check', async () => {
    const r = await run(['verify-bundle', good]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ok {3}checkpoint: /m);
    expect(r.stdout).toMatch(/^ok {3}transitions: /m);
    expect(r.stdout.trim().split('\n').at(-1)).toBe('VALID');
    expect((await run(['verify-bundle', good, '--vkey', vkey])).code).toBe(0);
  });

  it('exits 1 for a tampered or malformed bundle, or one signed by another log key than the pinned one', async () => {
    const t = await run(['verify-bundle', join(dir, 'tampered.json'), '--json']);
    expect(t.code).toBe(1);
    const j = JSON.parse(t.stdout) as { valid: boolean; checks: { name: string; ok: boolean }[]; failures: string[] };
    expect(j.valid).toBe(false);
    expect(j.checks.find((c) => c.name === 'signatures')?.ok).toBe(false);
    expect((await run(['verify-bundle', join(dir, 'malformed.json')])).code).toBe(1);
    expect((await run(['verify-bundle', good, '--vkey', generateNoteKey(JSON.parse(await readFile(good, 'utf8')).origin as string).vkey])).code).toBe(1);
  });

  it('exits 2 for usage errors, an unreadable file or an unusable --vkey', async () => {
    expect((await run([])).code).toBe(2);
    expect((await run(['verify-bundle'])).code).toBe(2);
    expect((await run(['verify-bundle', good, 'extra'])).code).toBe(2);
    expect((await run(['verify-bundle', good, '--bogus'])).code).toBe(2);
    expect((await run(['frobnicate'])).code).toBe(2);
    expect((await run(['verify-bundle', join(dir, 'missing.json')])).code).toBe(2);
    const bad = await run(['verify-bundle', good, '--vkey', 'not+a+key']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--vkey/);
    expect((await run(['--help'])).code).toBe(0);
  });

  it('is dispatched by `cairn custody` and listed in the help', async () => {
    expect(HELP).toMatch(/custody verify-bundle FILE \[--vkey VKEY\] \[--json\]/);
    let out = '';
    const io = { stdout: (s: string) => (out += s), stderr: (s: string) => (out += s), stdin: async () => '' };
    expect(await runCli(['custody', 'verify-bundle', good, '--json'], io)).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ valid: true });
  });

  it('runs as an operator runs it: npm run --silent cairn -- custody verify-bundle', async () => {
    const r = await new Promise<{ code: number | null; stdout: string }>((res, rej) => {
      const child = spawn('npm', ['run', '--silent', 'cairn', '--', 'custody', 'verify-bundle', join(dir, 'tampered.json'), '--vkey', vkey], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.on('error', rej);
      child.on('close', (code) => res({ code, stdout }));
    });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^FAIL signatures: /m);
    expect(r.stdout).toMatch(/INVALID/);
  });
});

describe('cairn custody report', () => {
  it('writes the PDF and its bundle from a data directory (0), 2 on usage errors or an unknown appliance', async () => {
    const dataDir = join(dir, 'data');
    const { svc, db, secrets } = makeService({ file: join(dataDir, 'cairn.db') });
    const id = (await registerSample(svc)).appliance.id;
    await walk(svc, id, HAPPY_PATH);
    // The same record and keys, as the default opener would find them in DIR (the keychain is injected here).
    const { CustodyService } = await import('./service');
    const openCustody = async () => ({ custody: new CustodyService({ db, secrets, user: 'tester' }), close: () => undefined });
    const out = join(dir, 'report.pdf');
    const r = await run(['report', '--appliance', id, '--data-dir', dataDir, '--out', out, '--json'], { openCustody });
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as { pages: number; valid: boolean; bundle: string; bundleSha256: string };
    expect(j).toMatchObject({ pages: 4, valid: true, bundle: join(dir, 'report.json') });
    const doc = await PDFDocument.load(await readFile(out));
    expect(doc.getPageCount()).toBe(4);
    expect(doc.getSubject()).toBe(`bundle-sha256 ${j.bundleSha256}`);
    expect(verifyBundle(await readFile(j.bundle, 'utf8')).valid).toBe(true);

    expect((await run(['report', '--appliance', 'apl-nope', '--data-dir', dataDir, '--out', out], { openCustody })).code).toBe(2);
    expect((await run(['report', '--data-dir', dataDir, '--out', out], { openCustody })).code).toBe(2);
    expect((await run(['report', '--appliance', id, '--job', 'x', '--data-dir', dataDir, '--out', out], { openCustody })).code).toBe(2);
    expect((await run(['report', '--appliance', id, '--data-dir', dataDir, '--out', join(dir, 'r.txt')], { openCustody })).code).toBe(2);
    expect((await run(['report', '--appliance', id, '--data-dir', join(dir, 'empty'), '--out', out])).code).toBe(2);
    expect((await run(['report', '--appliance', id, '--data-dir', dataDir, '--out', join(dir, 'no', 'such', 'r.pdf')], { openCustody })).code).toBe(2);
  });
});

describe('cairn custody export-field-log / merge-field-log', () => {
  it('exports a field log from one data directory and merges it into another (0), 1 when tampered or conflicting', async () => {
    const hub = makeService();
    const id = (await registerSample(hub.svc)).appliance.id;
    await walk(hub.svc, id, ['provisioning', 'ready']);
    const laptop = makeService({ start: '2025-03-02T08:00:00.000Z' });
    const { FieldLog } = await import('./field-log');
    const { sampleFields } = await import('./samples');
    const { actorFor } = await import('./test-support');
    await new FieldLog(laptop.svc).record(
      { applianceId: id, to: 'sealed', operator: { name: 'Lena', role: 'hub_technician' }, site: { name: 'Hub' }, reason: 'sealed offline', fields: sampleFields('sealed', hub.svc.replayed(id)), attachments: [] },
      actorFor('sealed'),
    );
    const opener = (s: typeof hub) => async () => ({ custody: s.svc, close: () => undefined, actor: (to: Parameters<typeof actorFor>[0]) => actorFor(to, 'noc') });
    const file = join(dir, 'field.json');
    const ex = await run(['export-field-log', '--data-dir', 'laptop', '--out', file], { openCustody: opener(laptop) });
    expect(ex).toMatchObject({ code: 0, stdout: expect.stringMatching(/^wrote .*field\.json: 1 field event of cairn\.custody\.field\//) as string });
    const m = await run(['merge-field-log', file, '--data-dir', 'hub'], { openCustody: opener(hub) });
    expect(m.code).toBe(0);
    expect(m.stdout).toMatch(/^consistency: first merge/m);
    expect(m.stdout).toMatch(/^appended {7}field leaf 0 .* → sealed → central #3, leaf \d+, inclusion verified/m);
    expect(m.stdout.trim().split('\n').at(-1)).toMatch(/^MERGED: 1 appended/);
    const again = await run(['merge-field-log', file, '--data-dir', 'hub', '--json'], { openCustody: opener(hub) });
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ accepted: true, appended: 0, alreadyMerged: 1, consistency: [{ oldSize: 1, newSize: 1, valid: true }] });
    writeFileSync(join(dir, 'field-bad.json'), (await readFile(file, 'utf8')).replace('sealed offline', 'sealed online'));
    const bad = await run(['merge-field-log', join(dir, 'field-bad.json'), '--data-dir', 'hub'], { openCustody: opener(hub) });
    expect(bad).toMatchObject({ code: 1, stderr: expect.stringMatching(/Field log refused \(signatures\)/) as string });
    expect((await run(['merge-field-log', '--data-dir', 'hub'], { openCustody: opener(hub) })).code).toBe(2);
    expect((await run(['export-field-log', '--data-dir', 'hub', '--out', file], { openCustody: opener(hub) })).code).toBe(2);
  });
});
