/**
 * Test and benchmark scaffolding (never imported by production code): synthetic AMD and Intel
 * chains with keys we hold, so tests can mint correctly signed reports, quotes,
 * certificates, CRLs and collateral with any field value — revoked
 * intermediates, expired VCEKs, masked chip IDs, OutOfDate platforms — that no
 * public sample shows. The verifier is pointed at them through its `pins` /
 * `intelRootPin` options; production code never sees these anchors.
 *
 * Certificates are assembled with a minimal DER writer and signed by
 * node:crypto (RSASSA-PSS SHA-384 like AMD, ECDSA P-256 like Intel).
 */
import { constants, createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { sha256Hex } from './bytes';
import { AMD_PINS, type AmdPins } from './pins';
import { OFF, SNP_REPORT_SIZE, SNP_SIGNED_SIZE } from './snp-report';
import type { SnpProduct } from './types';

// ---- DER writer --------------------------------------------------------------------

function len(n: number): Uint8Array {
  if (n < 0x80) return Uint8Array.of(n);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Uint8Array.of(0x80 | bytes.length, ...bytes);
}
const cat = (...parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));
export const tlv = (tag: number, content: Uint8Array) => cat(Uint8Array.of(tag), len(content.length), content);
export const seq = (...p: Uint8Array[]) => tlv(0x30, cat(...p));
export const set = (...p: Uint8Array[]) => tlv(0x31, cat(...p));
export const octet = (b: Uint8Array) => tlv(0x04, b);
export const ia5 = (s: string) => tlv(0x16, new Uint8Array(Buffer.from(s, 'latin1')));
export const utf8 = (s: string) => tlv(0x0c, new Uint8Array(Buffer.from(s, 'utf8')));
export const bool = (v: boolean) => tlv(0x01, Uint8Array.of(v ? 0xff : 0));
export const ctx = (n: number, content: Uint8Array, constructed = true) => tlv((constructed ? 0xa0 : 0x80) | n, content);
export const bitString = (b: Uint8Array) => tlv(0x03, cat(Uint8Array.of(0), b));
export function int(v: bigint | number, tag = 0x02): Uint8Array {
  let n = BigInt(v);
  const bytes: number[] = [];
  do {
    bytes.unshift(Number(n & 0xffn));
    n >>= 8n;
  } while (n > 0n);
  if ((bytes[0] as number) & 0x80) bytes.unshift(0);
  return tlv(tag, Uint8Array.from(bytes));
}
export function oid(s: string): Uint8Array {
  const arcs = s.split('.').map(Number);
  const out: number[] = [40 * (arcs[0] as number) + (arcs[1] as number)];
  for (const a of arcs.slice(2)) {
    const enc: number[] = [];
    let v = a;
    do {
      enc.unshift(v & 0x7f);
      v = Math.floor(v / 128);
    } while (v > 0);
    for (let i = 0; i < enc.length - 1; i++) enc[i] = (enc[i] as number) | 0x80;
    out.push(...enc);
  }
  return tlv(0x06, Uint8Array.from(out));
}
function time(d: Date): Uint8Array {
  const p = (n: number) => String(n).padStart(2, '0');
  const body = `${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}Z`;
  const y = d.getUTCFullYear();
  return y >= 1950 && y < 2050 ? tlv(0x17, Buffer.from(`${p(y % 100)}${body}`)) : tlv(0x18, Buffer.from(`${y}${body}`));
}

export function name(cn: string, org: 'amd' | 'intel' = 'amd'): Uint8Array {
  const atv = (o: string, v: Uint8Array) => set(seq(oid(o), v));
  if (org === 'intel') {
    return seq(atv('2.5.4.3', utf8(cn)), atv('2.5.4.10', utf8('Intel Corporation')), atv('2.5.4.7', utf8('Santa Clara')), atv('2.5.4.8', utf8('CA')), atv('2.5.4.6', tlv(0x13, Buffer.from('US'))));
  }
  return seq(
    atv('2.5.4.11', utf8('Engineering')),
    atv('2.5.4.6', tlv(0x13, Buffer.from('US'))),
    atv('2.5.4.7', utf8('Santa Clara')),
    atv('2.5.4.8', utf8('CA')),
    atv('2.5.4.10', utf8('Advanced Micro Devices')),
    atv('2.5.4.3', utf8(cn)),
  );
}

type SigAlg = 'pss384' | 'ecdsa256';
const PSS_ALG = seq(
  oid('1.2.840.113549.1.1.10'),
  seq(ctx(0, seq(oid('2.16.840.1.101.3.4.2.2'))), ctx(1, seq(oid('1.2.840.113549.1.1.8'), seq(oid('2.16.840.1.101.3.4.2.2')))), ctx(2, int(48))),
);
const ECDSA256_ALG = seq(oid('1.2.840.10045.4.3.2'));

function signWith(alg: SigAlg, key: KeyObject, data: Uint8Array): Uint8Array {
  return alg === 'pss384'
    ? sign('sha384', data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 48 })
    : sign('sha256', data, key);
}

export interface Ext {
  oid: string;
  value: Uint8Array;
  critical?: boolean;
}

export interface CertSpec {
  subject: Uint8Array;
  issuer: Uint8Array;
  serial: bigint | number;
  notBefore: Date;
  notAfter: Date;
  publicKey: KeyObject;
  signKey: KeyObject;
  alg: SigAlg;
  extensions?: Ext[];
  ca?: boolean;
}

export function makeCert(s: CertSpec): Uint8Array {
  const exts: Ext[] = [...(s.extensions ?? [])];
  if (s.ca !== undefined) exts.unshift({ oid: '2.5.29.19', critical: true, value: seq(...(s.ca ? [bool(true)] : [])) });
  const algId = s.alg === 'pss384' ? PSS_ALG : ECDSA256_ALG;
  const tbs = seq(
    ctx(0, int(2)),
    int(s.serial),
    algId,
    s.issuer,
    seq(time(s.notBefore), time(s.notAfter)),
    s.subject,
    new Uint8Array(s.publicKey.export({ type: 'spki', format: 'der' })),
    ...(exts.length ? [ctx(3, seq(...exts.map((e) => seq(oid(e.oid), ...(e.critical ? [bool(true)] : []), octet(e.value)))))] : []),
  );
  return seq(tbs, algId, bitString(signWith(s.alg, s.signKey, tbs)));
}

export function makeCrl(opts: { issuer: Uint8Array; signKey: KeyObject; alg: SigAlg; thisUpdate: Date; nextUpdate: Date; revoked: (bigint | number)[] }): Uint8Array {
  const algId = opts.alg === 'pss384' ? PSS_ALG : ECDSA256_ALG;
  const entries = opts.revoked.map((r) => seq(int(r), time(opts.thisUpdate)));
  const tbs = seq(int(1), algId, opts.issuer, time(opts.thisUpdate), time(opts.nextUpdate), ...(entries.length ? [seq(...entries)] : []));
  return seq(tbs, algId, bitString(signWith(opts.alg, opts.signKey, tbs)));
}

export function toPem(der: Uint8Array, label = 'CERTIFICATE'): string {
  const b64 = Buffer.from(der).toString('base64').replace(/(.{64})/g, '$1\n');
  return `-----BEGIN ${label}-----\n${b64.trimEnd()}\n-----END ${label}-----\n`;
}

const rsa = () => generateKeyPairSync('rsa', { modulusLength: 2048 });
const p384 = () => generateKeyPairSync('ec', { namedCurve: 'P-384' });
const p256 = () => generateKeyPairSync('ec', { namedCurve: 'P-256' });

// ---- AMD ------------------------------------------------------------------------------

const VEK = '1.3.6.1.4.1.3704.1';

export interface SyntheticTcb {
  bootloader: number;
  tee: number;
  snp: number;
  microcode: number;
  fmc?: number;
}

export interface AmdChain {
  product: SnpProduct;
  ark: Uint8Array;
  ask: Uint8Array;
  asvk: Uint8Array;
  arkKey: KeyObject;
  askKey: KeyObject;
  asvkKey: KeyObject;
  pins: AmdPins;
  /** Mints a VCEK (or VLEK) for `tcb`, signed by the ASK (ASVK). */
  vek(opts: { kind?: 'VCEK' | 'VLEK'; tcb: SyntheticTcb; hwId?: Uint8Array; notBefore?: Date; notAfter?: Date; productName?: string }): { der: Uint8Array; key: KeyObject };
  crl(opts: { revoked: (bigint | number)[]; thisUpdate?: Date; nextUpdate?: Date; signKey?: KeyObject }): Uint8Array;
}

export const T0 = new Date('2024-01-01T00:00:00Z');
const YEAR = 365 * 86_400_000;

export function makeAmdChain(product: SnpProduct = 'Milan'): AmdChain {
  const arkK = rsa();
  const askK = rsa();
  const asvkK = rsa();
  const arkName = name(`ARK-${product}`);
  const long = { notBefore: new Date(T0.getTime() - YEAR), notAfter: new Date(T0.getTime() + 20 * YEAR) };
  const ark = makeCert({ subject: arkName, issuer: arkName, serial: 0x10000, ...long, publicKey: arkK.publicKey, signKey: arkK.privateKey, alg: 'pss384', ca: true });
  const ask = makeCert({ subject: name(`SEV-${product}`), issuer: arkName, serial: 0x10001, ...long, publicKey: askK.publicKey, signKey: arkK.privateKey, alg: 'pss384', ca: true });
  const asvk = makeCert({ subject: name(`SEV-VLEK-${product}`), issuer: arkName, serial: 0x10101, ...long, publicKey: asvkK.publicKey, signKey: arkK.privateKey, alg: 'pss384', ca: true });
  const pins: AmdPins = { ...AMD_PINS, [product]: { ark: sha256Hex(ark), ask: sha256Hex(ask), asvk: sha256Hex(asvk) } };
  return {
    product,
    ark,
    ask,
    asvk,
    arkKey: arkK.privateKey,
    askKey: askK.privateKey,
    asvkKey: asvkK.privateKey,
    pins,
    vek({ kind = 'VCEK', tcb, hwId, notBefore, notAfter, productName }) {
      const k = p384();
      const exts: Ext[] = [
        { oid: `${VEK}.1`, value: int(product === 'Turin' ? 1 : 0) },
        { oid: `${VEK}.2`, value: ia5(productName ?? (kind === 'VLEK' || product !== 'Milan' ? product : 'Milan-B0')) },
        { oid: `${VEK}.3.1`, value: int(tcb.bootloader) },
        { oid: `${VEK}.3.2`, value: int(tcb.tee) },
        { oid: `${VEK}.3.3`, value: int(tcb.snp) },
        { oid: `${VEK}.3.8`, value: int(tcb.microcode) },
      ];
      if (product === 'Turin') exts.push({ oid: `${VEK}.3.9`, value: int(tcb.fmc ?? 0) });
      if (kind === 'VCEK') exts.push({ oid: `${VEK}.4`, value: hwId ?? new Uint8Array(product === 'Turin' ? 8 : 64).fill(0xab) });
      else exts.push({ oid: `${VEK}.5`, value: ia5('CN=test-cloud.example') });
      const der = makeCert({
        subject: name(kind === 'VCEK' ? 'SEV-VCEK' : 'SEV-VLEK'),
        issuer: name(kind === 'VCEK' ? `SEV-${product}` : `SEV-VLEK-${product}`),
        serial: 0,
        notBefore: notBefore ?? new Date(T0.getTime() - YEAR),
        notAfter: notAfter ?? new Date(T0.getTime() + 7 * YEAR),
        publicKey: k.publicKey,
        signKey: kind === 'VCEK' ? askK.privateKey : asvkK.privateKey,
        alg: 'pss384',
        extensions: exts,
      });
      return { der, key: k.privateKey };
    },
    crl({ revoked, thisUpdate, nextUpdate, signKey }) {
      return makeCrl({
        issuer: arkName,
        signKey: signKey ?? arkK.privateKey,
        alg: 'pss384',
        thisUpdate: thisUpdate ?? new Date(T0.getTime() - 86_400_000),
        nextUpdate: nextUpdate ?? new Date(T0.getTime() + 30 * 86_400_000),
        revoked,
      });
    },
  };
}

export function tcbBytes(product: SnpProduct, t: SyntheticTcb): Uint8Array {
  const b = new Uint8Array(8);
  if (product === 'Turin') b.set([t.fmc ?? 0, t.bootloader, t.tee, t.snp, 0, 0, 0, t.microcode]);
  else b.set([t.bootloader, t.tee, 0, 0, 0, 0, t.snp, t.microcode]);
  return b;
}

const CPUID: Record<SnpProduct, [number, number, number]> = { Milan: [0x19, 0x01, 0x01], Genoa: [0x19, 0x11, 0x01], Turin: [0x1a, 0x02, 0x01] };

export interface ReportSpec {
  product: SnpProduct;
  tcb: SyntheticTcb;
  version?: number;
  policy?: bigint;
  vmpl?: number;
  keyInfo?: number;
  reportData?: Uint8Array;
  measurement?: Uint8Array;
  hostData?: Uint8Array;
  idKeyDigest?: Uint8Array;
  authorKeyDigest?: Uint8Array;
  chipId?: Uint8Array;
  platformInfo?: bigint;
  guestSvn?: number;
  committedTcb?: SyntheticTcb;
}

/** A correctly signed report (r and s little-endian, zero-padded to 72 bytes). */
export function makeReport(spec: ReportSpec, key: KeyObject): Uint8Array {
  const r = new Uint8Array(SNP_REPORT_SIZE);
  const dv = new DataView(r.buffer);
  const version = spec.version ?? 3;
  dv.setUint32(OFF.version, version, true);
  dv.setUint32(OFF.guestSvn, spec.guestSvn ?? 0, true);
  dv.setBigUint64(OFF.policy, spec.policy ?? 0x30000n, true);
  dv.setUint32(OFF.vmpl, spec.vmpl ?? 0, true);
  dv.setUint32(OFF.signatureAlgo, 1, true);
  dv.setBigUint64(OFF.platformInfo, spec.platformInfo ?? 0x25n, true);
  dv.setUint32(OFF.keyInfo, spec.keyInfo ?? 0, true);
  const tcb = tcbBytes(spec.product, spec.tcb);
  for (const off of [OFF.currentTcb, OFF.reportedTcb, OFF.launchTcb]) r.set(tcb, off);
  r.set(tcbBytes(spec.product, spec.committedTcb ?? spec.tcb), OFF.committedTcb);
  r.set(spec.reportData ?? new Uint8Array(64), OFF.reportData);
  r.set(spec.measurement ?? new Uint8Array(48).fill(0x11), OFF.measurement);
  r.set(spec.hostData ?? new Uint8Array(32), OFF.hostData);
  r.set(spec.idKeyDigest ?? new Uint8Array(48), OFF.idKeyDigest);
  r.set(spec.authorKeyDigest ?? new Uint8Array(48), OFF.authorKeyDigest);
  r.set(new Uint8Array(32).fill(0x5a), OFF.reportId);
  r.set(new Uint8Array(32).fill(0xff), OFF.reportIdMa);
  if (version >= 3) r.set(CPUID[spec.product], OFF.cpuidFamId);
  const chip = spec.chipId ?? new Uint8Array(64);
  r.set(chip, OFF.chipId);
  r.set([1, 55, 1], OFF.currentBuild);
  r.set([1, 55, 1], OFF.committedBuild);
  const sig = sign('sha384', r.subarray(0, SNP_SIGNED_SIZE), { key, dsaEncoding: 'ieee-p1363' });
  r.set(Uint8Array.from(sig.subarray(0, 48)).reverse(), OFF.sigR);
  r.set(Uint8Array.from(sig.subarray(48)).reverse(), OFF.sigS);
  return r;
}

/** A VCEK's hwID placed in CHIP_ID the way the firmware does (Turin: 8 bytes, rest zero). */
export function chipIdFor(product: SnpProduct, hwId: Uint8Array): Uint8Array {
  const c = new Uint8Array(64);
  c.set(hwId.subarray(0, product === 'Turin' ? 8 : 64));
  return c;
}

// ---- Intel ---------------------------------------------------------------------------

const SGX = '1.2.840.113741.1.13.1';

export interface IntelChain {
  root: Uint8Array;
  pckCa: Uint8Array;
  pck: Uint8Array;
  tcbSigning: Uint8Array;
  rootPin: string;
  pckKey: KeyObject;
  tcbSigningKey: KeyObject;
  rootKey: KeyObject;
  pckCaKey: KeyObject;
  pckSerial: bigint;
  pckCaSerial: bigint;
  fmspc: string;
}

export interface PckTcb {
  comps: number[];
  pcesvn: number;
}

export function makeIntelChain(pckTcb: PckTcb = { comps: [3, 3, 2, 2, 4, 1, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0], pcesvn: 11 }, fmspc = 'b0c06f000000'): IntelChain {
  const rootK = p256();
  const caK = p256();
  const pckK = p256();
  const tsK = p256();
  const rootName = name('Intel SGX Root CA', 'intel');
  const caName = name('Intel SGX PCK Platform CA', 'intel');
  const long = { notBefore: new Date(T0.getTime() - YEAR), notAfter: new Date(T0.getTime() + 20 * YEAR) };
  const root = makeCert({ subject: rootName, issuer: rootName, serial: 1n, ...long, publicKey: rootK.publicKey, signKey: rootK.privateKey, alg: 'ecdsa256', ca: true });
  const pckCaSerial = 0x2an;
  const pckCa = makeCert({ subject: caName, issuer: rootName, serial: pckCaSerial, ...long, publicKey: caK.publicKey, signKey: rootK.privateKey, alg: 'ecdsa256', ca: true });
  const tcbSigning = makeCert({ subject: name('Intel SGX TCB Signing', 'intel'), issuer: rootName, serial: 0x77n, ...long, publicKey: tsK.publicKey, signKey: rootK.privateKey, alg: 'ecdsa256', ca: false });
  const comp = (i: number, v: number) => seq(oid(`${SGX}.2.${i}`), int(v));
  const sgxExt = seq(
    seq(oid(`${SGX}.1`), octet(new Uint8Array(16).fill(7))),
    seq(oid(`${SGX}.2`), seq(...pckTcb.comps.map((v, i) => comp(i + 1, v)), comp(17, pckTcb.pcesvn), seq(oid(`${SGX}.2.18`), octet(Uint8Array.from(pckTcb.comps))))),
    seq(oid(`${SGX}.3`), octet(Uint8Array.of(0, 0))),
    seq(oid(`${SGX}.4`), octet(new Uint8Array(Buffer.from(fmspc, 'hex')))),
    seq(oid(`${SGX}.5`), int(0, 0x0a)),
  );
  const pckSerial = 0x1234567n;
  const pck = makeCert({
    subject: name('Intel SGX PCK Certificate', 'intel'),
    issuer: caName,
    serial: pckSerial,
    ...long,
    publicKey: pckK.publicKey,
    signKey: caK.privateKey,
    alg: 'ecdsa256',
    ca: false,
    extensions: [{ oid: SGX, value: sgxExt }],
  });
  return { root, pckCa, pck, tcbSigning, rootPin: sha256Hex(root), pckKey: pckK.privateKey, tcbSigningKey: tsK.privateKey, rootKey: rootK.privateKey, pckCaKey: caK.privateKey, pckSerial, pckCaSerial, fmspc };
}

export interface QuoteSpec {
  version?: 4 | 5;
  teeTcbSvn?: Uint8Array;
  tdAttributes?: Uint8Array;
  mrTd?: Uint8Array;
  reportData?: Uint8Array;
  qeIsvSvn?: number;
  /** Break the QE binding on purpose. */
  qeReportData?: Uint8Array;
  /** Embed only PCK and PCK CA, as some quoting setups do. */
  omitRoot?: boolean;
}

export const QE_MRSIGNER = 'dc9e2a7c6f948f17474e34a7fc43ed030f7c1563f1babddf6340c82e0e54a8c5';

export function makeQuote(chain: IntelChain, spec: QuoteSpec = {}): Uint8Array {
  const version = spec.version ?? 4;
  const header = new Uint8Array(48);
  const hv = new DataView(header.buffer);
  hv.setUint16(0, version, true);
  hv.setUint16(2, 2, true);
  hv.setUint32(4, 0x81, true);
  header.set(Buffer.from('939a7233f79c4ca9940a0db3957f0607', 'hex'), 12);
  const bodySize = version === 5 ? 648 : 584;
  const body = new Uint8Array(bodySize);
  body.set(spec.teeTcbSvn ?? Uint8Array.of(6, 1, 3), 0);
  body.set(spec.tdAttributes ?? Uint8Array.of(0, 0, 0, 0x10, 0, 0, 0, 0), 120);
  body.set(spec.mrTd ?? new Uint8Array(48).fill(0x42), 136);
  body.set(spec.reportData ?? new Uint8Array(64), 520);
  const prefix = version === 5 ? cat(Uint8Array.of(3, 0), new Uint8Array(new Uint32Array([648]).buffer)) : new Uint8Array(0);
  const signed = cat(header, prefix, body);
  const att = p256();
  const jwk = att.publicKey.export({ format: 'jwk' });
  const attXY = cat(Buffer.from(jwk.x as string, 'base64url'), Buffer.from(jwk.y as string, 'base64url'));
  const quoteSig = sign('sha256', signed, { key: att.privateKey, dsaEncoding: 'ieee-p1363' });
  const auth = new Uint8Array(32).map((_, i) => i);
  const qe = new Uint8Array(384);
  const qv = new DataView(qe.buffer);
  qe.set(Buffer.from('1500000000000000e700000000000000', 'hex'), 48);
  qe.set(Buffer.from(QE_MRSIGNER, 'hex'), 128);
  qv.setUint16(256, 2, true);
  qv.setUint16(258, spec.qeIsvSvn ?? 7, true);
  qe.set(spec.qeReportData ?? createHash('sha256').update(attXY).update(auth).digest(), 320);
  const qeSig = sign('sha256', qe, { key: chain.pckKey, dsaEncoding: 'ieee-p1363' });
  const pem = Buffer.from(`${toPem(chain.pck)}${toPem(chain.pckCa)}${spec.omitRoot ? '' : toPem(chain.root)}\0`, 'latin1');
  const u16 = (n: number) => new Uint8Array(new Uint16Array([n]).buffer);
  const u32 = (n: number) => new Uint8Array(new Uint32Array([n]).buffer);
  const certData = cat(qe, qeSig, u16(auth.length), auth, u16(5), u32(pem.length), pem);
  const sigData = cat(quoteSig, attXY, u16(6), u32(certData.length), certData);
  return cat(signed, u32(sigData.length), sigData);
}

export interface CollateralSpec {
  issueDate?: string;
  nextUpdate?: string;
  levels?: { sgx: number[]; pcesvn: number; tdx: number[]; status: string; advisoryIDs?: string[] }[];
  moduleLevels?: { isvsvn: number; status: string }[];
  qeLevels?: { isvsvn: number; status: string }[];
  fmspc?: string;
  revokedPck?: boolean;
  revokedPckCa?: boolean;
}

function signedJson(key: 'tcbInfo' | 'enclaveIdentity', obj: unknown, signKey: KeyObject): string {
  const raw = JSON.stringify(obj);
  const sig = sign('sha256', Buffer.from(raw), { key: signKey, dsaEncoding: 'ieee-p1363' });
  return `{"${key}":${raw},"signature":"${sig.toString('hex')}"}`;
}

export function makeCollateral(chain: IntelChain, spec: CollateralSpec = {}) {
  const issueDate = spec.issueDate ?? '2023-12-20T00:00:00Z';
  const nextUpdate = spec.nextUpdate ?? '2024-01-20T00:00:00Z';
  const comps = (a: number[]) => a.map((svn) => ({ svn }));
  const levels = spec.levels ?? [
    { sgx: [2, 2, 2, 2, 3, 1, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0], pcesvn: 11, tdx: [5, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], status: 'UpToDate' },
    { sgx: [2, 2, 2, 2, 3, 1, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0], pcesvn: 5, tdx: [5, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], status: 'OutOfDate', advisoryIDs: ['INTEL-SA-00837'] },
  ];
  const zero48 = '0'.repeat(96);
  const tcbInfo = {
    id: 'TDX',
    version: 3,
    issueDate,
    nextUpdate,
    fmspc: (spec.fmspc ?? chain.fmspc).toUpperCase(),
    pceId: '0000',
    tcbType: 0,
    tcbEvaluationDataNumber: 17,
    tdxModule: { mrsigner: zero48, attributes: '0000000000000000', attributesMask: 'FFFFFFFFFFFFFFFF' },
    tdxModuleIdentities: [
      {
        id: 'TDX_01',
        mrsigner: zero48,
        attributes: '0000000000000000',
        attributesMask: 'FFFFFFFFFFFFFFFF',
        tcbLevels: (spec.moduleLevels ?? [{ isvsvn: 4, status: 'UpToDate' }, { isvsvn: 2, status: 'OutOfDate' }]).map((l) => ({ tcb: { isvsvn: l.isvsvn }, tcbDate: '2024-03-13T00:00:00Z', tcbStatus: l.status })),
      },
    ],
    tcbLevels: levels.map((l) => ({
      tcb: { sgxtcbcomponents: comps(l.sgx), pcesvn: l.pcesvn, tdxtcbcomponents: comps(l.tdx) },
      tcbDate: '2024-03-13T00:00:00Z',
      tcbStatus: l.status,
      ...(l.advisoryIDs ? { advisoryIDs: l.advisoryIDs } : {}),
    })),
  };
  const qeIdentity = {
    id: 'TD_QE',
    version: 2,
    issueDate,
    nextUpdate,
    tcbEvaluationDataNumber: 17,
    miscselect: '00000000',
    miscselectMask: 'FFFFFFFF',
    attributes: '11000000000000000000000000000000',
    attributesMask: 'FBFFFFFFFFFFFFFF0000000000000000',
    mrsigner: QE_MRSIGNER.toUpperCase(),
    isvprodid: 2,
    tcbLevels: (spec.qeLevels ?? [{ isvsvn: 4, status: 'UpToDate' }]).map((l) => ({ tcb: { isvsvn: l.isvsvn }, tcbDate: '2024-03-13T00:00:00Z', tcbStatus: l.status })),
  };
  const crlTimes = { thisUpdate: new Date(Date.parse(issueDate)), nextUpdate: new Date(Date.parse(nextUpdate)) };
  return {
    tcbInfo: signedJson('tcbInfo', tcbInfo, chain.tcbSigningKey),
    qeIdentity: signedJson('enclaveIdentity', qeIdentity, chain.tcbSigningKey),
    tcbSigningChain: `${toPem(chain.tcbSigning)}${toPem(chain.root)}`,
    pckCrl: makeCrl({ issuer: name('Intel SGX PCK Platform CA', 'intel'), signKey: chain.pckCaKey, alg: 'ecdsa256', ...crlTimes, revoked: spec.revokedPck ? [chain.pckSerial] : [99n] }),
    rootCaCrl: makeCrl({ issuer: name('Intel SGX Root CA', 'intel'), signKey: chain.rootKey, alg: 'ecdsa256', ...crlTimes, revoked: spec.revokedPckCa ? [chain.pckCaSerial] : [] }),
    pckCrlIssuerChain: `${toPem(chain.pckCa)}${toPem(chain.root)}`,
  };
}
