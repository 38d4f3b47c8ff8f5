/**
 * Intel PCS collateral for TDX: the TCB info and TD QE identity JSON (with the
 * exact signed bytes of their inner objects), their schemas, and the TCB status
 * computation — platform level from the PCK's SGX components, PCESVN and the
 * quote's TEE_TCB_SVN, the TDX module identity, the QE identity level, and how
 * Intel's QVL converges them into one status.
 */
import { z } from 'zod';
import { MalformedError } from './bytes';
import type { TdxPckInfo, TdxQeReport, TdxTcbStatus } from './types';

const STATUSES = ['UpToDate', 'SWHardeningNeeded', 'ConfigurationNeeded', 'ConfigurationAndSWHardeningNeeded', 'OutOfDate', 'OutOfDateConfigurationNeeded', 'Revoked'] as const;
const Status = z.enum(STATUSES);
const Hex = (bytes: number) => z.string().regex(new RegExp(`^[0-9a-fA-F]{${2 * bytes}}$`));
const Iso = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'not a date');
const Svn = z.number().int().min(0).max(0xffff);

const Level = <T extends z.ZodType>(tcb: T) =>
  z.object({ tcb, tcbDate: Iso, tcbStatus: Status, advisoryIDs: z.array(z.string()).optional() });

const ModuleIdentity = z.object({
  id: z.string(),
  mrsigner: Hex(48),
  attributes: Hex(8),
  attributesMask: Hex(8),
  tcbLevels: z.array(Level(z.object({ isvsvn: Svn }))).min(1),
});

export const TcbInfoSchema = z.object({
  id: z.literal('TDX'),
  version: z.literal(3),
  issueDate: Iso,
  nextUpdate: Iso,
  fmspc: Hex(6),
  pceId: Hex(2),
  tcbType: z.number().int(),
  tcbEvaluationDataNumber: z.number().int(),
  tdxModule: z.object({ mrsigner: Hex(48), attributes: Hex(8), attributesMask: Hex(8) }),
  tdxModuleIdentities: z.array(ModuleIdentity).optional(),
  tcbLevels: z
    .array(
      Level(
        z.object({
          sgxtcbcomponents: z.array(z.object({ svn: Svn })).length(16),
          pcesvn: Svn,
          tdxtcbcomponents: z.array(z.object({ svn: Svn })).length(16),
        }),
      ),
    )
    .min(1),
});
export type TcbInfo = z.infer<typeof TcbInfoSchema>;

export const QeIdentitySchema = z.object({
  id: z.literal('TD_QE'),
  version: z.literal(2),
  issueDate: Iso,
  nextUpdate: Iso,
  tcbEvaluationDataNumber: z.number().int(),
  miscselect: Hex(4),
  miscselectMask: Hex(4),
  attributes: Hex(16),
  attributesMask: Hex(16),
  mrsigner: Hex(32),
  isvprodid: Svn,
  tcbLevels: z.array(Level(z.object({ isvsvn: Svn }))).min(1),
});
export type QeIdentity = z.infer<typeof QeIdentitySchema>;

/** A signed PCS document: the raw text of the inner object (what the signature covers) and the signature. */
export interface SignedJson {
  raw: string;
  signature: Uint8Array;
}

function skipString(s: string, i: number): number {
  // i is at the opening quote.
  for (let j = i + 1; j < s.length; j++) {
    const ch = s[j];
    if (ch === '\\') j++;
    else if (ch === '"') return j + 1;
  }
  throw new MalformedError('unterminated JSON string');
}

function skipValue(s: string, i: number): number {
  const ch = s[i];
  if (ch === '"') return skipString(s, i);
  if (ch === '{' || ch === '[') {
    let depth = 0;
    for (let j = i; j < s.length; j++) {
      const c = s[j];
      if (c === '"') {
        j = skipString(s, j) - 1;
        continue;
      }
      if (c === '{' || c === '[') depth++;
      else if (c === '}' || c === ']') {
        depth--;
        if (depth === 0) return j + 1;
      }
    }
    throw new MalformedError('unbalanced JSON');
  }
  const m = /^[^,}\]\s]+/.exec(s.slice(i));
  if (!m) throw new MalformedError('unexpected JSON token');
  return i + m[0].length;
}

/**
 * The exact source text of a top-level member's value. The signature covers
 * the bytes as served; re-serialising the parsed object would change them.
 */
export function rawMember(text: string, key: string): string | null {
  JSON.parse(text); // only well-formed JSON reaches the scanner below
  let i = text.indexOf('{');
  if (i < 0) return null;
  i++;
  const ws = /\s/;
  while (i < text.length) {
    while (ws.test(text[i] ?? '') || text[i] === ',') i++;
    if (text[i] === '}') return null;
    const keyEnd = skipString(text, i);
    const k = JSON.parse(text.slice(i, keyEnd)) as string;
    i = keyEnd;
    while (ws.test(text[i] ?? '')) i++;
    if (text[i] !== ':') throw new MalformedError('expected ":" in JSON object');
    i++;
    while (ws.test(text[i] ?? '')) i++;
    const end = skipValue(text, i);
    if (k === key) return text.slice(i, end);
    i = end;
  }
  return null;
}

export function parseSignedJson(text: string, key: 'tcbInfo' | 'enclaveIdentity'): SignedJson {
  let top: unknown;
  try {
    top = JSON.parse(text);
  } catch (err) {
    throw new MalformedError(`not JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  const raw = rawMember(text, key);
  if (raw === null || typeof top !== 'object' || top === null) throw new MalformedError(`no "${key}" member`);
  const sig = (top as { signature?: unknown }).signature;
  if (typeof sig !== 'string' || !/^[0-9a-fA-F]{128}$/.test(sig)) throw new MalformedError('"signature" must be 64 bytes of hex (r ‖ s)');
  return { raw, signature: new Uint8Array(Buffer.from(sig, 'hex')) };
}

// ---- TCB status ---------------------------------------------------------------------

export type LevelStatus = TdxTcbStatus | 'NoMatchingTcbLevel';

export interface PlatformTcb {
  status: LevelStatus;
  tcbDate: string | null;
  advisoryIds: string[];
  moduleIdentity: string | null;
  moduleStatus: TdxTcbStatus | null;
  moduleProblem: string | null;
}

function hexByte(h: string, i: number): number {
  return parseInt(h.slice(2 * i, 2 * i + 2), 16);
}

function maskedEqual(value: string, mask: string, expected: string): boolean {
  const v = Buffer.from(value, 'hex');
  const m = Buffer.from(mask, 'hex');
  const e = Buffer.from(expected, 'hex');
  if (v.length !== m.length || m.length !== e.length) return false;
  for (let i = 0; i < v.length; i++) if (((v[i] as number) & (m[i] as number)) !== ((e[i] as number) & (m[i] as number))) return false;
  return true;
}

/**
 * Platform TCB level (TDX.md §3.8): the first level where every PCK SGX
 * component and PCESVN is at least the level's, and every TEE_TCB_SVN byte is
 * at least the level's TDX component — skipping bytes 0 and 1 when byte 1
 * (module major version) is non-zero, because those then come from the TDX
 * module identity instead.
 */
export function platformTcb(info: TcbInfo, pck: TdxPckInfo, teeTcbSvnHex: string): PlatformTcb {
  const tee = (i: number) => hexByte(teeTcbSvnHex, i);
  const skipModule = tee(1) > 0;
  let level: TcbInfo['tcbLevels'][number] | undefined;
  for (const l of info.tcbLevels) {
    const sgxOk = l.tcb.sgxtcbcomponents.every((c, i) => (pck.sgxTcbComponents[i] ?? 0) >= c.svn);
    const pceOk = pck.pceSvn >= l.tcb.pcesvn;
    const tdxOk = l.tcb.tdxtcbcomponents.every((c, i) => (skipModule && i < 2) || tee(i) >= c.svn);
    if (sgxOk && pceOk && tdxOk) {
      level = l;
      break;
    }
  }
  const result: PlatformTcb = {
    status: level?.tcbStatus ?? 'NoMatchingTcbLevel',
    tcbDate: level?.tcbDate ?? null,
    advisoryIds: level?.advisoryIDs ?? [],
    moduleIdentity: null,
    moduleStatus: null,
    moduleProblem: null,
  };
  if (level && skipModule) {
    const id = `TDX_${tee(1).toString(16).toUpperCase().padStart(2, '0')}`;
    result.moduleIdentity = id;
    const mod = info.tdxModuleIdentities?.find((m) => m.id.toUpperCase() === id);
    if (!mod) result.moduleProblem = `the TCB info has no TDX module identity ${id}`;
    else {
      const ml = mod.tcbLevels.find((x) => x.tcb.isvsvn <= tee(0));
      if (!ml) result.moduleProblem = `no ${id} level covers module SVN ${tee(0)}`;
      else {
        result.moduleStatus = ml.tcbStatus;
        result.advisoryIds = [...new Set([...result.advisoryIds, ...(ml.advisoryIDs ?? [])])];
      }
    }
  }
  return result;
}

export function moduleIdentityMatches(info: TcbInfo, moduleId: string | null, mrSignerSeam: string, seamAttributes: string): boolean {
  const mod = moduleId ? info.tdxModuleIdentities?.find((m) => m.id.toUpperCase() === moduleId) : undefined;
  const ref = mod ?? info.tdxModule;
  return ref.mrsigner.toLowerCase() === mrSignerSeam.toLowerCase() && maskedEqual(seamAttributes, ref.attributesMask, ref.attributes);
}

export interface QeTcb {
  mrSignerOk: boolean;
  isvProdIdOk: boolean;
  miscSelectOk: boolean;
  attributesOk: boolean;
  status: LevelStatus;
  advisoryIds: string[];
}

export function qeTcb(id: QeIdentity, qe: TdxQeReport): QeTcb {
  const misc = Buffer.alloc(4);
  // MISCSELECT is a little-endian u32 in the report; the identity gives it as big-endian hex.
  misc.writeUInt32BE(qe.miscSelect >>> 0);
  const level = id.tcbLevels.find((l) => l.tcb.isvsvn <= qe.isvSvn);
  return {
    mrSignerOk: id.mrsigner.toLowerCase() === qe.mrSigner,
    isvProdIdOk: id.isvprodid === qe.isvProdId,
    miscSelectOk: maskedEqual(misc.toString('hex'), id.miscselectMask, id.miscselect),
    attributesOk: maskedEqual(qe.attributes, id.attributesMask, id.attributes),
    status: level?.tcbStatus ?? 'NoMatchingTcbLevel',
    advisoryIds: level?.advisoryIDs ?? [],
  };
}

/** Intel QVL's convergence of the platform status with a module or QE status. */
export function converge(platform: LevelStatus, other: LevelStatus | null): LevelStatus {
  if (platform === 'NoMatchingTcbLevel' || other === null) return platform;
  if (other === 'NoMatchingTcbLevel') return 'NoMatchingTcbLevel';
  if (other === 'Revoked') return 'Revoked';
  if (other === 'OutOfDate') {
    if (platform === 'UpToDate' || platform === 'SWHardeningNeeded') return 'OutOfDate';
    if (platform === 'ConfigurationNeeded' || platform === 'ConfigurationAndSWHardeningNeeded') return 'OutOfDateConfigurationNeeded';
  }
  return platform;
}
