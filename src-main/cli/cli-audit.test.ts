/** CLI commands that change a data directory outside the app's handlers are recorded in the audit trail, source CLI. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../app/create-app';
import { runCli } from './run';

let dir: string;
const io = () => {
  const out: string[] = [];
  return { out, io: { stdout: (s: string) => void out.push(s), stderr: (s: string) => void out.push(s), stdin: async () => '' } };
};

async function trail() {
  const app = await createApp({ dataDir: dir, version: '0.0.0-test', transport: 'test', secrets: 'ephemeral', fleet: { mode: 'configured' }, sync: false, logSinks: [] });
  try {
    return app.audit.list({}).rows.filter((r) => r.source === 'cli');
  } finally {
    await app.close();
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cairn-cli-audit-'));
  (await createApp({ dataDir: dir, version: '0.0.0-test', transport: 'test', secrets: 'ephemeral', fleet: { mode: 'configured' }, sync: false, logSinks: [] })).close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('audit of CLI commands outside the handlers', () => {
  it('records a state-changing command with its outcome and target; read-only commands and usage errors record nothing', async () => {
    const junk = join(dir, 'junk.cairn-survey');
    writeFileSync(junk, 'not a survey bundle');
    // A refused bundle is a failed import (exit 1), recorded; an unknown survey is a usage error (exit 2), not.
    expect(await runCli(['survey', 'import', junk, '--data-dir', dir], io().io)).toBe(1);
    expect(await runCli(['survey', 'export', '--id', 'no-such-survey', '--out', join(dir, 'x.cairn-survey'), '--data-dir', dir], io().io)).toBe(2);
    expect(await runCli(['alerts', 'list', '--data-dir', dir], io().io)).toBe(0);
    expect(await runCli(['survey', 'export', '--data-dir', dir], io().io)).toBe(2);
    const rows = await trail();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ action: 'survey.import', target: junk, outcome: 'failed', source: 'cli' });
    expect(rows[0]!.details).toMatchObject({ command: 'cairn survey import', exitCode: '1' });
  });

  it('a data directory without a database gets none created for the audit entry', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'cairn-cli-audit-empty-'));
    try {
      await runCli(['alerts', 'ack', '--id', '1', '--data-dir', empty], io().io);
      const { existsSync } = await import('node:fs');
      expect(existsSync(join(empty, 'cairn.db'))).toBe(false);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
