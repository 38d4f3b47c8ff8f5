/** Quota arithmetic as properties: the rule, the numbers in every refusal, nothing negative. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { QuotaLimits, ResourceAmounts } from '../../src-preload/contract';
import { checkQuotas, clampUsage, formatBytes, RESOURCES, type ScopeUsage } from './quota';

const amount = fc.integer({ min: 0, max: 2 ** 45 });
const signed = fc.integer({ min: -(2 ** 44), max: 2 ** 45 });
const amounts = (a: fc.Arbitrary<number>) => fc.record({ vcpu: a, memBytes: a, storageBytes: a, guests: a }) as fc.Arbitrary<ResourceAmounts>;
const limits = fc.record({ vcpu: fc.option(amount), memBytes: fc.option(amount), storageBytes: fc.option(amount), guests: fc.option(amount) }) as fc.Arbitrary<QuotaLimits>;
const scope = fc.record({ scopeLabel: fc.constantFrom('fleet', 'site fra-edge-1', 'pool fra-pve'), usage: amounts(amount), limits: fc.option(limits) }) as fc.Arbitrary<ScopeUsage>;

describe('checkQuotas', () => {
  it('allowed ⇔ for every scope and resource, delta ≤ 0 or usage + delta ≤ quota', () => {
    fc.assert(
      fc.property(fc.array(scope, { maxLength: 3 }), amounts(signed), (scopes, delta) => {
        const expected = scopes.every((s) => !s.limits || RESOURCES.every((r) => s.limits![r] === null || delta[r] <= 0 || s.usage[r] + delta[r] <= s.limits![r]!));
        expect(checkQuotas('acme', delta, scopes).allowed).toBe(expected);
      }),
    );
  });

  it('every refusal carries each exceeded figure: usage, delta, quota and scope, in words and in numbers', () => {
    fc.assert(
      fc.property(fc.array(scope, { minLength: 1, maxLength: 3 }), amounts(signed), (scopes, delta) => {
        const d = checkQuotas('acme', delta, scopes);
        if (d.allowed) return;
        expect(d.code).toBe('conflict');
        expect(d.violations?.length).toBeGreaterThan(0);
        for (const v of d.violations ?? []) {
          expect(v.usage + v.delta).toBeGreaterThan(v.limit);
          expect(v.usage).toBeGreaterThanOrEqual(0);
          expect(v.delta).toBeGreaterThan(0);
          expect(v.limit).toBeGreaterThanOrEqual(0);
          expect(v.text).toContain(` > quota `);
          expect(v.text).toContain(`at ${v.scopeLabel}`);
          expect(d.reason).toContain(v.text);
        }
      }),
    );
  });

  it('usage is never negative, whatever the inventory says', () => {
    fc.assert(
      fc.property(amounts(fc.oneof(fc.double(), fc.integer())), (u) => {
        const c = clampUsage(u);
        for (const r of RESOURCES) expect(c[r]).toBeGreaterThanOrEqual(0);
      }),
    );
  });

  it('spells a refusal the way operators read it', () => {
    const GiB = 1024 ** 3;
    const d = checkQuotas('acme', { vcpu: 4, memBytes: 32 * GiB, storageBytes: 0, guests: 1 }, [
      { scopeLabel: 'fleet', usage: { vcpu: 10, memBytes: 100 * GiB, storageBytes: 0, guests: 3 }, limits: { vcpu: 100, memBytes: null, storageBytes: null, guests: null } },
      { scopeLabel: 'site fra-edge-1', usage: { vcpu: 10, memBytes: 1228.8 * GiB, storageBytes: 0, guests: 3 }, limits: { vcpu: null, memBytes: 1228.8 * GiB, storageBytes: null, guests: 3 } },
    ]);
    expect(d.allowed).toBe(false);
    if (!d.allowed) {
      expect(d.violations?.map((v) => v.text)).toEqual(['memory 1.2 TiB + 32 GiB > quota 1.2 TiB at site fra-edge-1', 'guests 3 + 1 > quota 3 at site fra-edge-1']);
      expect(d.reason).toMatch(/^Quota of tenant acme exceeded: memory 1\.2 TiB/);
    }
  });

  it('frees are always allowed, even over a lowered quota', () => {
    const over: ScopeUsage = { scopeLabel: 'fleet', usage: { vcpu: 50, memBytes: 0, storageBytes: 0, guests: 9 }, limits: { vcpu: 10, memBytes: 0, storageBytes: 0, guests: 1 } };
    expect(checkQuotas('acme', { vcpu: -4, memBytes: -1, storageBytes: 0, guests: -1 }, [over]).allowed).toBe(true);
    expect(checkQuotas('acme', { vcpu: 1, memBytes: 0, storageBytes: 0, guests: 0 }, [over]).allowed).toBe(false);
  });

  it('formats bytes in binary units', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(32 * 1024 ** 3)).toBe('32 GiB');
    expect(formatBytes(2 ** 50)).toBe('1 PiB');
  });
});
