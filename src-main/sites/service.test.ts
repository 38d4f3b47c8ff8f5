/**
 * The sites service over a real (in-memory) database and the real catalogue:
 * validation errors carry the JSON path, the rack editor's refusals come
 * back with the engine's reason, presets land in a rack, and the revision
 * history is append-only.
 */
import { readFile } from 'node:fs/promises';
import { beforeEach, describe, expect, it } from 'vitest';
import { loadCatalogue, type CatalogueResult } from '../power';
import { openDatabase, type Db } from '../store/database';
import { AppException } from '../util/app-exception';
import { edgeFailoverPlan, seedDemoSites, SitesService } from './index';

const readText = (p: string) => readFile(p, 'utf8');
let catalogue: CatalogueResult;
let db: Db;
let sites: SitesService;

function thrown(fn: () => unknown): AppException {
  try {
    fn();
  } catch (err) {
    if (err instanceof AppException) return err;
    throw err;
  }
  throw new Error('expected an AppException');
}

beforeEach(async () => {
  catalogue ??= await loadCatalogue(readText);
  db = openDatabase(':memory:');
  let t = Date.parse('2026-01-01T00:00:00Z');
  sites = new SitesService({ db, catalogue, now: () => new Date((t += 1000)) });
  await seedDemoSites(sites, readText);
});

describe('sites service', () => {
  it('seeds the example plan and an edge site with an A/B failover shortfall', () => {
    const list = sites.list();
    expect(list.map((s) => [s.id, s.verdict])).toEqual(
      expect.arrayContaining([
        ['edge-1', 'ok'],
        ['edge-2', 'errors'],
      ]),
    );
    const edge = sites.get('edge-2');
    const failover = edge.report!.violations.filter((v) => v.code === 'failover-overload');
    expect(failover.map((v) => v.path)).toEqual(['$.feeds[0]', '$.feeds[1]']);
    expect(failover[0]!.missing).toEqual({ w: 1181.2, va: 1243.37, a: 5.41 });
    expect(edge.allocations).toContainEqual({ feed: 'edge-2-r1-feed-a', typicalW: 1399.5, maxW: 1989 });
  });

  it('refuses an invalid plan with the JSON path of the fault as the field', () => {
    const plan = edgeFailoverPlan();
    (plan.racks[0]!.devices![1] as { position: unknown }).position = 3.25;
    const e = thrown(() => sites.save({ id: 'edge-2', plan }));
    expect(e.code).toBe('invalid_request');
    expect(e.field).toBe('$.racks[0].devices[1].position');
    expect(e.message).toMatch(/multiple of 0\.5 U/);

    const unknownRef = edgeFailoverPlan();
    unknownRef.racks[0]!.devices![0]!.ref = 'no-such-host';
    expect(thrown(() => sites.save({ id: 'edge-2', plan: unknownRef })).field).toBe('$.racks[0].devices[0].ref');
  });

  it('refuses an added device that overlaps, with the engine reason, and saves one that fits', () => {
    const get = sites.get('edge-2');
    const plan = structuredClone(get.plan);
    plan.racks[0]!.devices.push({ id: 'new-host', ref: 'pool-host-epyc-9254', position: 4, face: 'front', power: [] });
    const e = thrown(() => sites.save({ id: 'edge-2', expectedRevision: 1, plan }));
    expect(e.code).toBe('conflict');
    expect(e.field).toBe('$.racks[0].devices[9].position');
    expect(e.message).toContain('U4–U5 (full depth) overlaps "edge-2-r1-host-2" by 2 U');
    expect(e.details).toMatchObject({ refusal: 'overlap', missingU: 2 });

    plan.racks[0]!.devices[9]!.position = 7;
    const saved = sites.save({ id: 'edge-2', expectedRevision: 1, plan });
    expect(saved.site.revision).toBe(2);
    expect(saved.report!.devices.find((d) => d.id === 'new-host')?.position).toBe(7);
    // A stale revision is a conflict, not a silent overwrite.
    expect(thrown(() => sites.save({ id: 'edge-2', expectedRevision: 1, plan })).code).toBe('conflict');
  });

  it('refuses moving a device onto another, and accepts a move to free U or removal (the rack editor)', () => {
    const plan = structuredClone(sites.get('edge-2').plan);
    const host2 = plan.racks[0]!.devices.findIndex((d) => d.id === 'edge-2-r1-host-2');
    plan.racks[0]!.devices[host2]!.position = 1;
    const e = thrown(() => sites.save({ id: 'edge-2', expectedRevision: 1, plan }));
    expect(e).toMatchObject({ code: 'conflict', field: `$.racks[0].devices[${host2}].position`, details: { refusal: 'overlap' } });
    expect(e.message).toContain('overlaps "edge-2-r1-host-1"');
    plan.racks[0]!.devices[host2]!.position = 20;
    expect(sites.save({ id: 'edge-2', expectedRevision: 1, plan }).report!.devices.find((d) => d.id === 'edge-2-r1-host-2')?.position).toBe(20);
    plan.racks[0]!.devices.splice(host2, 1);
    const removed = sites.save({ id: 'edge-2', expectedRevision: 2, plan });
    expect(removed.plan.racks[0]!.devices.map((d) => d.id)).not.toContain('edge-2-r1-host-2');
    expect(removed.site.revision).toBe(3);
  });

  it('refuses a device that makes the rack overweight, saying by how much', () => {
    const plan = structuredClone(sites.get('edge-2').plan);
    plan.racks[0]!.devices.push({ id: 'heavy', ref: 'pool-host-epyc-9254', position: 10, face: 'front', power: [], weightKg: 700 });
    const e = thrown(() => sites.save({ id: 'edge-2', plan }));
    expect(e.details).toMatchObject({ refusal: 'overweight' });
    expect(e.message).toMatch(/over its 800 kg rating by [\d.]+ kg/);
  });

  it('places a pool preset into a new rack with A/B feeds', () => {
    const r = sites.applyPreset({ id: 'edge-1', size: 'medium' });
    const rack = r.plan.racks.find((x) => x.id === 'pool-medium')!;
    expect(rack.devices.filter((d) => d.id.includes('-host-'))).toHaveLength(6);
    expect(r.plan.feeds.filter((f) => f.rack === 'pool-medium').map((f) => f.side)).toEqual(['A', 'B']);
    expect(r.site.revision).toBe(2);
    expect(sites.applyPreset({ id: 'edge-1', size: 'small' }).plan.racks.map((x) => x.id)).toContain('pool-small');
    expect(thrown(() => sites.applyPreset({ id: 'edge-1', size: 'small', rackId: 'edge-1-r1' })).code).toBe('conflict');
  });

  it('keeps every revision, and the history cannot be rewritten', () => {
    const plan = structuredClone(sites.get('edge-1').plan);
    plan.name = 'Renamed';
    sites.save({ id: 'edge-1', plan });
    expect(sites.history('edge-1').map((h) => [h.revision, h.name, h.reason])).toEqual([
      [1, 'Edge site example: one Pool Small rack', 'demo seed'],
      [2, 'Renamed', 'saved'],
    ]);
    expect(() => db.prepare("UPDATE site_plan_revisions SET name = 'x' WHERE site_id = 'edge-1'").run()).toThrow(/append-only/);
    expect(() => db.prepare("DELETE FROM site_plan_revisions WHERE site_id = 'edge-1'").run()).toThrow(/append-only/);
    expect(sites.history('edge-1')).toHaveLength(2);
  });

  it('answers not_found for an unknown plan and a missing catalogue', () => {
    expect(thrown(() => sites.get('nope')).code).toBe('not_found');
    const none = new SitesService({ db, catalogue: { ok: false, issues: [{ path: '$', message: 'cannot read' }] } });
    expect(thrown(() => none.catalogue()).code).toBe('not_found');
    expect(none.get('edge-1').report).toBeNull();
  });
});
