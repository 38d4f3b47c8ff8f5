/**
 * A site survey from start to finish in browser mode, with the page cut off
 * from every network but 127.0.0.1 (as a field engineer at an edge site with
 * no connectivity): create a survey, fill it in, see an inlet reading checked
 * against ASHRAE A1, attach a photo, sign, export the signed bundle (a real
 * download), let a second engineer change a copy and sign it with their own
 * key, edit the same field here, import their copy, decide the conflict in
 * the merge dialog, and download the site-readiness report, which is
 * rendered page by page with pdftoppm for review. A second test drags a
 * device to another U in the rack editor, is refused an overlap with the
 * engine's reason, and deletes the device with the keyboard.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect, test, type Page } from '@playwright/test';
import { expectOnPage, guardConsole, openConsole, screenshot, settle, sidebarItem } from './support';

const ROOT = resolve(import.meta.dirname, '..');
const PHOTO = join(ROOT, 'src-main/survey/fixtures/rack-front.jpg');
const OUT = join(ROOT, 'test-results/survey');

const loopback = (url: URL) => url.hostname === '127.0.0.1';

/**
 * The second engineer uses the same bundle code the app and the CLI use. It is
 * loaded at run time (not imported) so the e2e type-check project stays
 * within e2e/; these are the few shapes the test relies on.
 */
interface Survey {
  racks: { maxLoadKg: number | null }[];
  rooms: { id: string; name: string; floor: string; areaM2: number | null; notes: string }[];
  notes: string;
}
interface Read {
  manifest: { surveyId: string; revision: { id: string; ancestry: string[] } };
  survey: Survey;
  signatures: { engineer: string }[];
  attachments: Map<string, Buffer>;
}
interface SurveyLib {
  readBundle(bytes: Uint8Array): { ok: true; bundle: Read } | { ok: false; problems: unknown[] };
  writeBundle(key: unknown, input: Record<string, unknown>): Buffer;
  revisionId(surveyId: string, parents: string[], data: unknown): string;
  newEngineerKey(user: string): { key: unknown };
}
const lib = async (): Promise<SurveyLib> => {
  const load = (f: string) => import(pathToFileURL(join(ROOT, 'src-main/survey', f)).href);
  const [bundle, canonical, signing] = await Promise.all([load('bundle.ts'), load('canonical.ts'), load('signing.ts')]);
  return { ...bundle, ...canonical, ...signing } as SurveyLib;
};

/** Every request that is not to 127.0.0.1 fails, HTTP and WebSocket alike; returns what was blocked. */
async function offline(page: Page): Promise<string[]> {
  const blocked: string[] = [];
  await page.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.protocol === 'data:' || url.protocol === 'blob:' || loopback(url)) return route.continue();
    blocked.push(url.href);
    return route.abort('internetdisconnected');
  });
  await page.routeWebSocket(
    (url) => !loopback(url),
    (ws) => {
      blocked.push(ws.url());
      void ws.close();
    },
  );
  return blocked;
}

async function openSurveys(page: Page): Promise<void> {
  await sidebarItem(page, 'Sites & Power').click();
  await expectOnPage(page, 'Sites & Power');
  await page.getByRole('tab', { name: 'Surveys' }).click();
  await expect(page.getByRole('heading', { name: 'Site surveys' })).toBeVisible();
}

const saved = async (page: Page) => expect(page.locator('[data-state]', { hasText: /Saved locally at/ })).toBeVisible({ timeout: 15_000 });

test('survey: fill in offline, attach, sign, export, merge a colleague’s copy, report', async ({ page }) => {
  test.setTimeout(180_000);
  mkdirSync(OUT, { recursive: true });
  const guard = await guardConsole(page);
  const blocked = await offline(page);
  await openConsole(page);
  await openSurveys(page);

  // ---- create and fill in
  await page.getByLabel('New survey: site name').fill('Edge site Lyon');
  await page.getByRole('button', { name: 'Create survey' }).click();
  await expect(page.getByRole('heading', { name: 'Edge site Lyon', level: 2 })).toBeVisible();
  await page.getByLabel('Address').fill('12 Rue de la Gare, 69002 Lyon');
  await page.getByLabel('GPS latitude').fill('45.7485');
  await page.getByLabel('GPS longitude').fill('4.8263');
  await page.getByRole('button', { name: 'Add room' }).click();
  await page.getByLabel('Room name').fill('Telecom room');
  await page.getByRole('button', { name: 'Add rack' }).click();
  const rack = page.getByRole('group', { name: /^Rack / });
  await rack.getByLabel('Rack name').fill('Rack R1');
  await rack.getByLabel('Weight limit (kg)').fill('800');
  await rack.getByLabel('Front clearance (mm)').fill('1200');
  await rack.getByLabel('Rear clearance (mm)').fill('800');
  await rack.getByLabel('Expected load (kW)').fill('3.5');
  for (const side of ['A', 'B']) {
    await page.getByRole('button', { name: 'Add feed' }).click();
    const feed = page.getByRole('group', { name: /^Feed / }).last();
    await feed.getByLabel('Feed name').fill(`R1 feed ${side}`);
    await feed.getByLabel('Side').selectOption(side);
    await feed.getByLabel('Amperage (A)').fill('32');
    await feed.getByLabel('Voltage stated as').selectOption('line-to-neutral');
  }
  await page.getByLabel('UPS present').selectOption('yes');
  await page.getByLabel('UPS capacity (W)').fill('10000');
  await page.getByLabel('Generator present').selectOption('yes');
  await page.getByLabel('Cooling capacity').fill('7');
  await page.getByRole('button', { name: 'Add inlet reading' }).click();
  await page.getByLabel('Where measured').fill('R1 front, top');
  await page.getByLabel('Inlet (°C)').fill('28.5');
  await page.getByLabel('Locks').selectOption('yes');
  await page.getByLabel('CCTV').selectOption('no');
  await page.getByLabel('Cabling labelled').selectOption('yes');
  await saved(page);
  // The reading is checked against ASHRAE A1 once saved (18–27 °C recommended).
  await expect(page.getByRole('group', { name: /Inlet reading/ }).getByText('outside 18–27 °C')).toBeVisible();
  const checklist = page.getByRole('list', { name: 'Site requirements checklist' });
  await expect(checklist).toContainText('28.5 °C inlet is outside the recommended 18–27 °C');

  // ---- photo and signature
  await page.getByLabel('Caption').fill('Rack R1 from the front');
  await page.getByLabel('Photo file').setInputFiles(PHOTO);
  await expect(page.getByRole('list', { name: 'Photos' })).toContainText('Rack R1 from the front');
  await page.getByLabel('Engineer', { exact: true }).fill('Ana Ferreira');
  await page.getByRole('button', { name: 'Sign survey' }).click();
  await expect(page.getByText('Covers this version')).toBeVisible();
  await settle(page);
  await screenshot(page, 'survey-filled');

  // ---- export the signed bundle
  const downloading = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export bundle' }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toMatch(/^survey-edge-site-lyon-[0-9a-f]{8}\.cairn-survey$/);
  const exported = readFileSync(await download.path());
  const { readBundle, writeBundle, revisionId, newEngineerKey } = await lib();
  const read = readBundle(exported);
  expect(read.ok, read.ok ? '' : JSON.stringify(read.problems)).toBe(true);
  if (!read.ok) return;
  expect(read.bundle.attachments.size).toBe(1);
  expect(read.bundle.signatures.map((s) => s.engineer)).toEqual(['Ana Ferreira']);

  // ---- a colleague changes their copy (weight limit, notes, a room) and signs it with their key
  const colleague = newEngineerKey('bruno').key;
  const m = read.bundle.manifest;
  const theirs = structuredClone(read.bundle.survey);
  theirs.racks[0]!.maxLoadKg = 1000;
  theirs.notes = 'Keys with the facility manager';
  theirs.rooms.push({ id: 'room-battery', name: 'Battery room', floor: '0', areaM2: 6, notes: '' });
  const parents = [m.revision.id];
  const copy = writeBundle(colleague, {
    surveyId: m.surveyId,
    exportedAt: new Date().toISOString(),
    engineer: 'Bruno Costa',
    revision: { id: revisionId(m.surveyId, parents, theirs), parents, savedAt: new Date().toISOString(), ancestry: [m.revision.id, ...m.revision.ancestry] },
    survey: theirs,
    signatures: read.bundle.signatures,
    attachments: [...read.bundle.attachments].map(([sha256, bytes]) => ({ sha256, mediaType: 'image/jpeg', bytes })),
  });
  const theirsFile = join(OUT, 'from-bruno.cairn-survey');
  writeFileSync(theirsFile, copy);

  // A tampered copy is refused with the reason, and nothing changes.
  const tamperedFile = join(OUT, 'tampered.cairn-survey');
  writeFileSync(tamperedFile, copy.toString('utf8').replace('"maxLoadKg":1000', '"maxLoadKg":1200'));
  await page.getByLabel('Survey bundle file').setInputFiles(tamperedFile);
  await expect(page.getByRole('alert').filter({ hasText: 'Survey bundle refused' })).toContainText('does not verify');

  // ---- meanwhile, here, the same field changes differently
  await page.getByRole('group', { name: /^Rack / }).getByLabel('Weight limit (kg)').fill('900');
  await saved(page);

  // ---- import their copy: the conflict is shown side by side
  await page.getByLabel('Survey bundle file').setInputFiles(theirsFile);
  const dialog = page.getByRole('dialog', { name: 'Merge survey versions' });
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText('Bruno Costa');
  const conflict = dialog.getByRole('group', { name: /Weight limit \(kg\)/ });
  await expect(dialog.getByRole('list', { name: 'Conflicting fields' }).getByRole('listitem')).toHaveCount(1);
  await expect(conflict.getByRole('radio', { name: /Common ancestor\s*800/ })).toBeVisible();
  await expect(conflict.getByRole('radio', { name: /This machine\s*900/ })).toBeVisible();
  await expect(conflict.getByRole('radio', { name: /Imported\s*1000/ })).toBeVisible();
  await screenshot(page, 'survey-merge');
  await conflict.getByRole('radio', { name: /Imported/ }).check();
  await dialog.getByRole('button', { name: 'Apply 1 decision' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole('group', { name: /^Rack / }).getByLabel('Weight limit (kg)')).toHaveValue('1000');
  // Their non-conflicting changes came along without asking.
  await expect(page.locator('#sv-notes')).toHaveValue('Keys with the facility manager');
  await expect(page.getByRole('group', { name: 'Room Battery room' })).toBeVisible();

  // The merged version is signed again before the report.
  await page.getByRole('button', { name: 'Sign survey' }).click();
  await expect(page.getByText('Covers this version')).toBeVisible();

  // ---- the site-readiness report
  const reporting = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Report PDF' }).click();
  const report = await reporting;
  expect(report.suggestedFilename()).toMatch(/^site-readiness-edge-site-lyon-[0-9a-f]{8}\.pdf$/);
  const pdf = join(OUT, 'site-readiness.pdf');
  await report.saveAs(pdf);
  expect(readFileSync(pdf).subarray(0, 5).toString()).toBe('%PDF-');
  for (const f of readdirSync(OUT)) if (/^report-\d+\.png$/.test(f)) rmSync(join(OUT, f));
  execFileSync('pdftoppm', ['-png', '-r', '60', pdf, join(OUT, 'report')]);
  expect(readdirSync(OUT).filter((f) => /^report-\d+\.png$/.test(f)).length).toBeGreaterThanOrEqual(6);

  await settle(page);
  await screenshot(page, 'survey-merged');
  expect(blocked, `requests that tried to leave 127.0.0.1: ${blocked.join(', ')}`).toEqual([]);
  await guard.expectClean();
});

test('rack editor: drag a device to another U, refused overlap, delete with the keyboard', async ({ page }) => {
  const guard = await guardConsole(page);
  const blocked = await offline(page);
  await openConsole(page);
  await sidebarItem(page, 'Sites & Power').click();
  await expectOnPage(page, 'Sites & Power');
  await page.getByRole('list').getByRole('button', { name: /Edge site Lyon: compact rack/ }).click();
  const front = page.locator('svg[data-rack="edge-2-r1"][data-face="front"]');
  await expect(front).toBeVisible();
  const host = front.locator('[data-device="edge-2-r1-host-3"]');
  await expect(host).toHaveAttribute('data-position', '5');

  // Drag U5 → U10 with the pointer: the device keeps where it was grabbed.
  await front.locator('[data-u="12"]').scrollIntoViewIfNeeded();
  await host.scrollIntoViewIfNeeded();
  const from = await host.boundingBox();
  const slot = await front.locator('[data-u="10"]').boundingBox();
  if (!from || !slot) throw new Error('no geometry');
  await page.mouse.move(from.x + 40, from.y + from.height - 4);
  await page.mouse.down();
  await page.mouse.move(from.x + 60, from.y - 40, { steps: 5 });
  await page.mouse.move(slot.x + 40, slot.y + slot.height - 4, { steps: 5 });
  await page.mouse.up();
  await expect(front.locator('[data-device="edge-2-r1-host-3"]')).toHaveAttribute('data-position', '10');

  // Onto U3, where another host sits: refused with the engine's words, nothing moves.
  const moved = front.locator('[data-device="edge-2-r1-host-3"]');
  await moved.click();
  const form = page.getByRole('form', { name: 'Selected device' });
  await form.getByLabel('Lowest U').fill('3');
  await form.getByRole('button', { name: 'Move', exact: true }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'overlaps' })).toContainText('overlaps "edge-2-r1-host-2"');
  await expect(moved).toHaveAttribute('data-position', '10');
  await screenshot(page, 'rack-move-refused');

  // Delete with the keyboard.
  await moved.focus();
  await page.keyboard.press('Delete');
  await expect(front.locator('[data-device="edge-2-r1-host-3"]')).toHaveCount(0);
  expect(blocked).toEqual([]);
  await guard.expectClean();
});
