/**
 * A survey service over a real (in-memory) database, a real attachments
 * directory, the real hardware catalogue and site plans, and a memory
 * secret store; a fixed, advancing clock; and the photo fixtures.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCatalogue, type CatalogueResult } from '../power';
import { MemorySecretStore } from '../secrets';
import { SitesService } from '../sites';
import { openDatabase, type Db } from '../store/database';
import { SurveyService } from './service';

export const JPEG = readFileSync(join(import.meta.dirname, 'fixtures', 'rack-front.jpg'));
export const PNG = readFileSync(join(import.meta.dirname, 'fixtures', 'rack-label.png'));

let catalogue: CatalogueResult | undefined;

export interface Machine {
  db: Db;
  dir: string;
  survey: SurveyService;
  sites: SitesService;
  secrets: MemorySecretStore;
  close(): void;
}

/** One engineer's machine. */
export async function machine(start = '2026-03-01T08:00:00Z'): Promise<Machine> {
  catalogue ??= await loadCatalogue((p) => readFile(p, 'utf8'));
  const dir = mkdtempSync(join(tmpdir(), 'cairn-survey-test-'));
  const db = openDatabase(':memory:');
  const secrets = new MemorySecretStore();
  const sites = new SitesService({ db, catalogue });
  let t = Date.parse(start);
  const survey = new SurveyService({ db, attachmentsDir: join(dir, 'att'), secrets, sites, catalogue, now: () => new Date((t += 1000)) });
  return {
    db,
    dir,
    survey,
    sites,
    secrets,
    close: () => {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
