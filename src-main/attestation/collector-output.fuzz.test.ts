/**
 * Property tests for what a guest sends back over SSH (untrusted): the TDX
 * collector output parser and the TDX evidence bundle either give the quote
 * or throw a typed `upstream` AppException — never anything else — and a
 * genuine quote survives any surrounding noise lines. The trust folder's
 * TDX collateral lookup ignores files that are not TCB info documents.
 */
import fc from 'fast-check';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppException } from '../util/app-exception';
import { decodeTdxBundle, encodeTdxBundle, parseTdxCollectorOutput } from './evidence-bundle';
import { tdxCollateralFromDir } from './tdx-collateral-dir';
import { caseById, tdxInputs } from './test-support';

const QUOTE = tdxInputs(caseById('tdx-v4-phala-full-collateral')).quote;

function typedOrQuote(f: () => Buffer): void {
  try {
    const q = f();
    expect(q.length).toBeGreaterThan(0);
    expect(q.length).toBeLessThanOrEqual(64 * 1024);
  } catch (e) {
    expect(e).toBeInstanceOf(AppException);
    expect((e as AppException).code).toBe('upstream');
  }
}

describe('TDX collector output (untrusted)', () => {
  it('random bytes give a quote or a typed upstream error', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 2048 }), (bytes) => typedOrQuote(() => parseTdxCollectorOutput(bytes))), { numRuns: 500 });
  });

  it('random lines, some of them quote lines, give a quote or a typed upstream error', () => {
    const line = fc.oneof(fc.string({ maxLength: 80 }), fc.base64String({ maxLength: 200 }).map((b) => `quote ${b}`), fc.constant('quote '));
    fc.assert(fc.property(fc.array(line, { maxLength: 8 }), (lines) => typedOrQuote(() => parseTdxCollectorOutput(Buffer.from(lines.join('\n'))))), { numRuns: 500 });
  });

  it('a genuine quote comes through any noise that is not a second quote line', () => {
    const noise = fc.array(fc.string({ maxLength: 60 }).filter((s) => !s.includes('\n') && !s.startsWith('quote ')), { maxLength: 5 });
    fc.assert(
      fc.property(noise, noise, (before, after) => {
        const out = [...before, `quote ${QUOTE.toString('base64')}`, ...after].join('\n');
        expect(parseTdxCollectorOutput(Buffer.from(out, 'latin1')).equals(QUOTE)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('two quotes, an oversized quote and no quote are refused with the reason', () => {
    const line = `quote ${QUOTE.toString('base64')}`;
    expect(() => parseTdxCollectorOutput(Buffer.from(`${line}\n${line}\n`))).toThrow(/more than one quote/);
    expect(() => parseTdxCollectorOutput(Buffer.from(`quote ${Buffer.alloc(64 * 1024 + 1).toString('base64')}\n`))).toThrow(/expected 1\.\.65536/);
    expect(() => parseTdxCollectorOutput(Buffer.from('configfs-tsm says hello\n'))).toThrow(/printed no TDX quote/);
  });

  it('the evidence bundle round-trips, and anything else is not a bundle', () => {
    expect(decodeTdxBundle(encodeTdxBundle(QUOTE)).equals(QUOTE)).toBe(true);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        try {
          decodeTdxBundle(bytes);
        } catch (e) {
          expect(e instanceof AppException || (e instanceof Error && /not a cairn TDX evidence bundle/.test(e.message))).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('TDX collateral in the trust folder', () => {
  it('is picked by FMSPC; junk and other FMSPCs are ignored', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-tdx-col-'));
    try {
      expect(tdxCollateralFromDir(dir, '00a06f000000').collateral).toBeNull();
      mkdirSync(join(dir, 'tdx'));
      writeFileSync(join(dir, 'tdx', 'tcb-info-junk.json'), '{not json');
      writeFileSync(join(dir, 'tdx', 'tcb-info-other.json'), JSON.stringify({ tcbInfo: { fmspc: '11223344556677' } }));
      expect(tdxCollateralFromDir(dir, '00a06f000000')).toEqual({ collateral: null, note: `no TCB info for FMSPC 00a06f000000 in ${join(dir, 'tdx')}` });
      const mine = JSON.stringify({ tcbInfo: { fmspc: '00A06F000000' }, signature: 'ab' });
      writeFileSync(join(dir, 'tdx', 'tcb-info-mine.json'), mine);
      writeFileSync(join(dir, 'tdx', 'qe-identity.json'), '{"enclaveIdentity":{}}');
      const found = tdxCollateralFromDir(dir, '00a06f000000');
      expect(found.note).toBeNull();
      expect(Buffer.from(found.collateral?.tcbInfo as Uint8Array).toString()).toBe(mine);
      expect(Object.keys(found.collateral ?? {}).sort()).toEqual(['qeIdentity', 'tcbInfo']);
      expect(tdxCollateralFromDir(dir, null).note).toMatch(/no FMSPC/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
