/**
 * `cairn survey …` in process over runSurveyCli (two injected machines, so
 * no keychain is touched) and once as an operator runs it (`npm run
 * --silent cairn -- survey verify`, a real child process). Exit codes: 0 ok,
 * 1 refused bundle or conflicts, 2 usage or unreadable input.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PDFDocument } from 'pdf-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/run';
import { runSurveyCli, type SurveyCliIo } from './cli';
import { sampleSurvey } from './samples';
import { JPEG, machine, type Machine } from './test-support';

const ROOT = resolve(import.meta.dirname, '../..');
let dir: string;
let field: Machine;
let office: Machine;
let surveyId: string;
let good: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cairn-survey-cli-'));
  field = await machine();
  office = await machine();
  const s = field.survey.save({ data: sampleSurvey() });
  surveyId = s.id;
  field.survey.attach({ id: s.id, fileName: 'rack.jpg' }, JPEG);
  await field.survey.sign({ id: s.id, engineer: 'Ana Ferreira' });
  good = join(dir, 'good.cairn-survey');
  writeFileSync(good, (await field.survey.exportBundle(s.id)).bytes);
  const text = readFileSync(good, 'utf8');
  writeFileSync(join(dir, 'tampered.cairn-survey'), text.replace('"heightU":45', '"heightU":48'));
});
afterAll(() => {
  field.close();
  office.close();
  rmSync(dir, { recursive: true, force: true });
});

async function run(argv: string[], on: Machine = office, extra: Partial<SurveyCliIo> = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runSurveyCli(argv, {
    stdout: (s) => (stdout += s),
    stderr: (s) => (stderr += s),
    dataDir: dir,
    openSurvey: async () => ({ survey: on.survey, close: () => {} }),
    ...extra,
  });
  return { code, stdout, stderr };
}

describe('cairn survey', () => {
  it('verify: a good bundle is valid, a tampered one is refused with the reason, usage errors are 2', async () => {
    const ok = await run(['verify', good, '--json']);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ valid: true, surveyId, attachments: 1, signatures: 1, signer: { name: 'Ana Ferreira' } });
    const bad = await run(['verify', join(dir, 'tampered.cairn-survey')]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/FAIL bad-signature at \$\.signature/);
    expect(bad.stdout).toMatch(/INVALID/);
    expect((await run(['verify', good, '--trusted', 'f'.repeat(64), '--json'])).code).toBe(1);
    expect((await run(['verify', join(dir, 'missing')])).code).toBe(2);
    expect((await run(['verify'])).code).toBe(2);
    expect((await run(['verify', good, '--trusted', 'nothex'])).code).toBe(2);
    expect((await run([])).code).toBe(2);
    expect((await run(['--help'])).stdout).toContain('cairn survey');
  });

  it('import, export, list and report over a data directory', async () => {
    const imp = await run(['import', good, '--json']);
    expect(imp.code).toBe(0);
    expect(JSON.parse(imp.stdout)).toMatchObject({ outcome: 'created', surveyId, conflicts: [] });
    expect((await run(['import', join(dir, 'tampered.cairn-survey')])).code).toBe(1);
    const list = await run(['list', '--json']);
    expect(JSON.parse(list.stdout)).toEqual([expect.objectContaining({ id: surveyId, signed: 'signed' })]);

    // Conflicting edits on both machines: import stops at the conflict (exit 1) and lists it.
    const base = office.survey.get(surveyId);
    office.survey.save({ id: surveyId, data: { ...base.data, notes: 'office' } });
    field.survey.save({ id: surveyId, data: { ...field.survey.get(surveyId).data, notes: 'field' } });
    const out = join(dir, 'field-2.cairn-survey');
    const exp = await run(['export', '--id', surveyId, '--out', out, '--engineer', 'Ana Ferreira', '--json'], field);
    expect(exp.code).toBe(0);
    const conflict = await run(['import', out], office);
    expect(conflict.code).toBe(1);
    expect(conflict.stdout).toContain('conflicts: survey');
    expect(conflict.stdout).toContain('CONFLICT $.notes: base "Access through the loading bay; keys with the facility manager." | mine "office" | theirs "field"');

    const pdf = join(dir, 'r.pdf');
    const rep = await run(['report', '--id', surveyId, '--out', pdf, '--json'], office);
    expect(rep.code).toBe(0);
    expect(JSON.parse(rep.stdout)).toMatchObject({ out: pdf, json: join(dir, 'r.json') });
    expect((await PDFDocument.load(readFileSync(pdf))).getPageCount()).toBeGreaterThanOrEqual(6);
    expect(JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')).survey.id).toBe(surveyId);
    expect((await run(['report', '--id', 'nope', '--out', pdf])).code).toBe(2);
    expect((await run(['report', '--out', pdf])).code).toBe(2);
  });

  it('report --bundle renders a bundle file with no installation data', async () => {
    const pdf = join(dir, 'from-bundle.pdf');
    const r = await run(['report', '--bundle', good, '--out', pdf, '--json'], office, { openSurvey: undefined });
    expect(r.code).toBe(0);
    const json = JSON.parse(readFileSync(join(dir, 'from-bundle.json'), 'utf8'));
    expect(json.photos[0]).toMatchObject({ stored: true, fileName: 'rack.jpg' });
    expect(json.signatures[0]).toMatchObject({ engineer: 'Ana Ferreira', valid: true });
    expect((await run(['report', '--bundle', join(dir, 'tampered.cairn-survey'), '--out', pdf])).code).toBe(1);
  });

  it('is dispatched by the main CLI and runs as a real command', async () => {
    let stdout = '';
    expect(await runCli(['survey', '--help'], { stdout: (s) => (stdout += s), stderr: () => {}, stdin: async () => '' })).toBe(0);
    expect(stdout).toContain('verify FILE');
    const child = spawn('npm', ['run', '--silent', 'cairn', '--', 'survey', 'verify', good, '--json'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((r) => child.on('close', r));
    expect(code).toBe(0);
    expect(JSON.parse(out.trim().split('\n').at(-1) as string)).toMatchObject({ valid: true, surveyId });
  }, 60_000);
});
