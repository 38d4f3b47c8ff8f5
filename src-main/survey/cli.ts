/**
 * `cairn survey …`: site surveys from the command line. `verify` needs
 * nothing but the file; `export`, `import`, `list` and `report --id` work on
 * a data directory (its cairn.db, photos and the engineer key in the OS
 * keychain); `report --bundle` renders the report of a bundle file alone, in
 * a throw-away store, so an auditor needs no Cairn installation data.
 *
 * Exit codes: 0 ok; 1 the bundle is refused (tampered, corrupt, untrusted)
 * or an import stopped at conflicts; 2 usage error, unreadable input, no
 * database, unknown survey.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCatalogue } from '../power';
import { MemorySecretStore, openKeychain, type SecretStore } from '../secrets';
import { SitesService } from '../sites';
import { openDatabase, type Db } from '../store/database';
import { AppException } from '../util/app-exception';
import { parseArgs, UsageError } from '../util/args';
import { readBundle } from './bundle';
import { SurveyService } from './service';

export interface SurveyCliIo {
  stdout(s: string): void;
  stderr(s: string): void;
  /** The default data directory (the CLI's --data-dir overrides it). */
  dataDir: string;
  readFile?(path: string): Promise<Uint8Array>;
  writeFile?(path: string, data: Uint8Array): Promise<void>;
  /** Opens the survey store of a data directory (tests inject one with a memory secret store). */
  openSurvey?(dataDir: string, opts: { create: boolean }): Promise<{ survey: SurveyService; close(): void }>;
}

export const SURVEY_HELP = `usage: cairn survey <command>

commands:
  list [--data-dir DIR] [--json]
                      the surveys stored in DIR
  verify FILE [--trusted FINGERPRINT] [--json]
                      check a survey bundle offline: canonical form, the exporting
                      engineer's Ed25519 signature over the manifest, every photo's
                      SHA-256, size and type, the revision id, the engineers' signatures
  export --id ID --out FILE [--engineer NAME] [--data-dir DIR] [--json]
                      write the signed bundle of a survey (one file, photos included)
  import FILE [--trusted FINGERPRINT] [--data-dir DIR] [--json]
                      verify and import a bundle: created, fast-forward, merged, or the
                      conflicts listed (decide them in the console's merge dialog)
  report (--id ID [--data-dir DIR] | --bundle FILE) --out FILE.pdf [--json]
                      the site-readiness report: FILE.pdf and, beside it, FILE.json
                      (the PDF's footers carry the JSON's SHA-256)

exit codes: 0 ok, 1 bundle refused or import stopped at conflicts, 2 usage error,
unreadable input, no database or unknown survey
`;

async function openDataDir(dataDir: string, opts: { create: boolean }, secrets?: SecretStore): Promise<{ survey: SurveyService; close(): void }> {
  const file = join(dataDir, 'cairn.db');
  if (!opts.create && !existsSync(file)) throw new UsageError(`--data-dir: no Cairn database at ${file}`);
  const db: Db = openDatabase(file);
  try {
    const catalogue = await loadCatalogue((p) => readFile(p, 'utf8'));
    const sites = new SitesService({ db, catalogue });
    const survey = new SurveyService({ db, attachmentsDir: join(dataDir, 'survey-attachments'), secrets: secrets ?? (await openKeychain()), sites, catalogue });
    return { survey, close: () => db.close() };
  } catch (err) {
    db.close();
    throw err;
  }
}

const FP = /^[0-9a-f]{64}$/;

export async function runSurveyCli(argv: string[], io: SurveyCliIo): Promise<number> {
  const [cmd, ...rest] = argv;
  const read = io.readFile ?? ((p: string) => readFile(p));
  const write = io.writeFile ?? ((p: string, d: Uint8Array) => writeFile(p, d));
  const open = io.openSurvey ?? ((dir: string, o: { create: boolean }) => openDataDir(dir, o));
  const readInput = async (path: string): Promise<Uint8Array | null> => {
    try {
      return await read(path);
    } catch (err) {
      io.stderr(`cairn survey: cannot read ${path}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}\n`);
      return null;
    }
  };
  try {
    if (cmd === undefined || cmd === '--help' || cmd === '-h' || cmd === 'help') {
      (cmd === undefined ? io.stderr : io.stdout)(SURVEY_HELP);
      return cmd === undefined ? 2 : 0;
    }
    const spec = {
      json: { type: 'boolean' as const },
      'data-dir': { type: 'string' as const },
      trusted: { type: 'string' as const },
      id: { type: 'string' as const },
      out: { type: 'string' as const },
      engineer: { type: 'string' as const },
      bundle: { type: 'string' as const },
    };
    const { flags, positional } = parseArgs(rest, spec);
    const dataDir = (flags['data-dir'] as string | undefined) ?? io.dataDir;
    const trusted = flags.trusted as string | undefined;
    if (trusted !== undefined && !FP.test(trusted)) throw new UsageError('--trusted takes a key fingerprint: 64 lower-case hex digits');
    const json = flags.json === true;
    const out = (s: unknown, text: string) => io.stdout(json ? `${JSON.stringify(s)}\n` : text);

    if (cmd === 'verify') {
      if (positional.length !== 1) throw new UsageError('verify needs exactly one FILE');
      const bytes = await readInput(positional[0] as string);
      if (!bytes) return 2;
      const r = readBundle(bytes, trusted ? { trustedFingerprint: trusted } : {});
      if (r.ok) {
        const b = r.bundle;
        out(
          { valid: true, surveyId: b.manifest.surveyId, revision: b.manifest.revision.id, signer: b.signer, attachments: b.attachments.size, signatures: b.signatures.length, problems: [] },
          `VALID survey ${b.manifest.surveyId} "${b.survey.site.name}" revision ${b.manifest.revision.id}\n  exported by ${b.signer.name} key ${b.signer.keyId} fingerprint ${b.signer.fingerprint}${trusted ? ' (trusted)' : ' (not pinned: pass --trusted FINGERPRINT)'}\n  ${b.attachments.size} photo(s) match their SHA-256; ${b.signatures.length} engineer signature(s) verify\n`,
        );
        return 0;
      }
      out({ valid: false, problems: r.problems }, `${r.problems.map((p) => `FAIL ${p.code} at ${p.path}: ${p.message}\n`).join('')}INVALID (${r.problems.length} problem${r.problems.length === 1 ? '' : 's'})\n`);
      return 1;
    }

    if (cmd === 'list') {
      const { survey, close } = await open(dataDir, { create: false });
      try {
        const list = survey.list();
        out(list, list.length ? list.map((s) => `${s.id}\t${s.name}\t${s.signed}\t${s.revisions} revisions\t${s.updatedAt}\n`).join('') : 'No surveys.\n');
        return 0;
      } finally {
        close();
      }
    }

    if (cmd === 'export') {
      const id = flags.id as string | undefined;
      const file = flags.out as string | undefined;
      if (!id || !file) throw new UsageError('export needs --id ID and --out FILE');
      const { survey, close } = await open(dataDir, { create: false });
      try {
        const r = await survey.exportBundle(id, flags.engineer as string | undefined);
        await write(file, r.bytes);
        out({ out: file, bytes: r.bytes.length }, `wrote ${file} (${r.bytes.length} bytes)\n`);
        return 0;
      } finally {
        close();
      }
    }

    if (cmd === 'import') {
      if (positional.length !== 1) throw new UsageError('import needs exactly one FILE');
      const bytes = await readInput(positional[0] as string);
      if (!bytes) return 2;
      const { survey, close } = await open(dataDir, { create: true });
      try {
        const r = survey.importBundle(bytes, { trustedFingerprint: trusted });
        const conflicts = r.merge?.conflicts ?? [];
        out(
          { outcome: r.outcome, surveyId: r.survey.id, revision: r.survey.revisionId, signer: r.signer, mergeId: r.merge?.id ?? null, conflicts },
          `${r.outcome}: survey ${r.survey.id} "${r.survey.data.site.name}" from ${r.signer.name} (${r.signer.fingerprint.slice(0, 16)}…)\n` +
            conflicts.map((c) => `  CONFLICT ${c.path}: base ${JSON.stringify(c.base)} | mine ${JSON.stringify(c.mine)} | theirs ${JSON.stringify(c.theirs)}\n`).join('') +
            (conflicts.length ? `  decide them in the console (Sites & Power → Survey → merge)\n` : ''),
        );
        return r.outcome === 'conflicts' ? 1 : 0;
      } finally {
        close();
      }
    }

    if (cmd === 'report') {
      const id = flags.id as string | undefined;
      const bundle = flags.bundle as string | undefined;
      const file = flags.out as string | undefined;
      if ((id === undefined) === (bundle === undefined)) throw new UsageError('report needs exactly one of --id ID or --bundle FILE');
      if (!file || !/\.pdf$/i.test(file)) throw new UsageError('report needs --out FILE.pdf');
      let tmp: string | null = null;
      let opened: { survey: SurveyService; close(): void };
      let surveyId = id as string;
      if (bundle !== undefined) {
        const bytes = await readInput(bundle);
        if (!bytes) return 2;
        tmp = mkdtempSync(join(tmpdir(), 'cairn-survey-report-'));
        opened = await openDataDir(tmp, { create: true }, new MemorySecretStore());
        try {
          surveyId = opened.survey.importBundle(bytes, { trustedFingerprint: trusted }).survey.id;
        } catch (err) {
          opened.close();
          rmSync(tmp, { recursive: true, force: true });
          throw err;
        }
      } else opened = await open(dataDir, { create: false });
      try {
        const r = await opened.survey.report(surveyId, 'pdf');
        const jsonPath = file.replace(/\.pdf$/i, '.json');
        await write(file, r.bytes);
        await write(jsonPath, Buffer.from(r.json, 'utf8'));
        out({ out: file, json: jsonPath, pages: r.pages }, `wrote ${file} (${r.pages} pages) and ${jsonPath}\n`);
        return 0;
      } finally {
        opened.close();
        if (tmp) rmSync(tmp, { recursive: true, force: true });
      }
    }
    throw new UsageError(`unknown survey command "${cmd}"`);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`cairn survey: ${err.message}\nRun \`cairn survey --help\` for usage.\n`);
      return 2;
    }
    if (err instanceof AppException) {
      io.stderr(`cairn survey: ${err.message}${err.field ? ` (at ${err.field})` : ''}\n`);
      // A refused bundle is the evidence failing its check; anything else is input we could not use.
      return err.code === 'invalid_request' && err.details?.reason !== undefined ? 1 : 2;
    }
    throw err;
  }
}
