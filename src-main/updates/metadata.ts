/**
 * The update metadata electron-builder publishes beside each release
 * (`latest.yml`, `latest-linux.yml`, `latest-mac.yml` …), parsed by a small
 * strict reader of exactly the YAML that electron-builder writes (js-yaml's
 * `dump`: block mappings, one block sequence of mappings under `files`,
 * plain or quoted scalars, literal blocks for release notes). Anything else
 * is refused, not guessed at: this text arrives from a feed or a USB stick.
 * Returns a value or a typed problem; never throws.
 */

export interface UpdateFile {
  /** A plain file name inside the feed (never a path or an absolute URL). */
  url: string;
  /** Base64 SHA-512 of the file, as electron-updater checks it. */
  sha512: string;
  size: number;
}

export interface UpdateMetadata {
  version: string;
  files: UpdateFile[];
  releaseDate: string | null;
}

export type MetadataProblem = { code: 'metadata-malformed' | 'path-escape'; message: string };
export type MetadataResult = { ok: true; value: UpdateMetadata } | { ok: false; problem: MetadataProblem };

export const MAX_METADATA_BYTES = 64 * 1024;
const MAX_FILES = 32;
const MAX_SIZE = Number.MAX_SAFE_INTEGER;

type Scalar = string;
type Item = Record<string, Scalar>;
type Doc = Record<string, Scalar | Item[]>;

class YamlError extends Error {}

/** YAML 1.2 double-quoted escapes js-yaml writes. */
const DQ_ESCAPES: Record<string, string> = {
  '0': '\0', a: '\x07', b: '\b', t: '\t', n: '\n', v: '\v', f: '\f', r: '\r', e: '\x1b', ' ': ' ', '"': '"', '/': '/', '\\': '\\',
  N: '\x85', _: '\xa0', L: '\u2028', P: '\u2029',
};

const KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Semantic versions as electron-builder stamps them (package.json's version). */
export const VERSION = /^(0|[1-9]\d{0,8})\.(0|[1-9]\d{0,8})\.(0|[1-9]\d{0,8})(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/;
/** A file name inside the feed: no separators, no leading dot, no `..`, no scheme, no percent-escapes. */
const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,199}$/;
const SHA512_B64 = /^[A-Za-z0-9+/]{86}==$/;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

export function isSafeFeedName(name: string): boolean {
  return FILE_NAME.test(name) && !name.includes('..');
}

function scalar(raw: string, line: number): Scalar {
  const s = raw.trim();
  if (s === '') throw new YamlError(`line ${line}: empty value`);
  if (s.startsWith("'")) {
    if (s.length < 2 || !s.endsWith("'")) throw new YamlError(`line ${line}: unterminated single-quoted string`);
    const body = s.slice(1, -1);
    if (/'(?!')/.test(body.replace(/''/g, ''))) throw new YamlError(`line ${line}: stray quote in single-quoted string`);
    return body.replace(/''/g, "'");
  }
  if (s.startsWith('"')) {
    if (s.length < 2 || !s.endsWith('"')) throw new YamlError(`line ${line}: unterminated double-quoted string`);
    const body = s.slice(1, -1);
    let out = '';
    for (let i = 0; i < body.length; i++) {
      const c = body[i] as string;
      if (c === '"') throw new YamlError(`line ${line}: stray quote in double-quoted string`);
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = body[++i] ?? '';
      const simple = DQ_ESCAPES[e];
      const hex = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0;
      if (simple !== undefined) out += simple;
      else if (hex && new RegExp(`^[0-9A-Fa-f]{${hex}}$`).test(body.slice(i + 1, i + 1 + hex))) {
        const cp = parseInt(body.slice(i + 1, i + 1 + hex), 16);
        if (cp > 0x10ffff) throw new YamlError(`line ${line}: escape out of range`);
        out += String.fromCodePoint(cp);
        i += hex;
      } else throw new YamlError(`line ${line}: unsupported escape in double-quoted string`);
    }
    return out;
  }
  // Plain scalars: refuse every indicator that would make this more than a string (anchors, tags, flow collections, comments).
  if (/^[&*!|>%@`{[\]},#?-](?:\s|$)|^[&*!%@`{[\]},#|>]/.test(s) || s.includes(': ') || s.includes(' #') || s.endsWith(':')) {
    throw new YamlError(`line ${line}: unsupported YAML construct`);
  }
  return s;
}

/** Split `key: rest` (rest may be empty); the key must be a plain identifier. */
function keyValue(text: string, line: number): [string, string] {
  const m = /^([^:\s]+):(?:\s+(.*))?$/.exec(text);
  if (!m || !KEY.test(m[1] as string)) throw new YamlError(`line ${line}: expected "key: value"`);
  return [m[1] as string, m[2] ?? ''];
}

function indentOf(l: string): number {
  return (/^ */.exec(l) as RegExpExecArray)[0].length;
}

/** The subset of YAML electron-builder writes for update info. */
export function parseYamlSubset(text: string): Doc {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  const doc: Doc = {};
  const set = (obj: Record<string, unknown>, k: string, v: Scalar | Item[], line: number): void => {
    if (Object.prototype.hasOwnProperty.call(obj, k)) throw new YamlError(`line ${line}: duplicate key "${k}"`);
    obj[k] = v;
  };
  let i = 0;
  const skippable = (l: string): boolean => l.trim() === '' || l.trimStart().startsWith('#');
  while (i < lines.length) {
    const l = lines[i] as string;
    const n = i + 1;
    if (skippable(l)) {
      i++;
      continue;
    }
    if (/^ *\t/.test(l)) throw new YamlError(`line ${n}: tabs are not allowed for indentation`);
    if (indentOf(l) !== 0) throw new YamlError(`line ${n}: unexpected indentation`);
    if (l === '---' && Object.keys(doc).length === 0) {
      i++;
      continue;
    }
    const [key, rest] = keyValue(l, n);
    i++;
    const block = /^\|([1-9])?([+-])?$|^\|([+-])([1-9])$/.exec(rest);
    if (block) {
      // A literal block (release notes): every following line indented, or blank.
      const body: string[] = [];
      while (i < lines.length && ((lines[i] as string).trim() === '' || indentOf(lines[i] as string) > 0)) body.push(lines[i++] as string);
      // Trailing blank lines belong to the chomping rule, not the text.
      let trailing = 0;
      while (body.length && (body.at(-1) as string).trim() === '') {
        body.pop();
        trailing++;
      }
      const explicit = block[1] ?? block[4];
      const chomp = block[2] ?? block[3];
      const first = body.find((b) => b.trim() !== '');
      const ind = explicit ? Number(explicit) : first ? indentOf(first) : 1;
      if (body.some((b) => b.trim() !== '' && indentOf(b) < ind)) throw new YamlError(`line ${n}: inconsistent indentation in a block`);
      const joined = body.map((b) => b.slice(Math.min(ind, b.length))).join('\n');
      const end = body.length === 0 ? '' : chomp === '-' ? '' : chomp === '+' ? '\n'.repeat(1 + trailing) : '\n';
      set(doc, key, joined + end, n);
      continue;
    }
    if (rest !== '') {
      set(doc, key, scalar(rest, n), n);
      continue;
    }
    // A block sequence of mappings.
    const items: Item[] = [];
    let itemIndent = -1;
    let fieldIndent = -1;
    let current: Item | null = null;
    while (i < lines.length) {
      const s = lines[i] as string;
      const sn = i + 1;
      if (skippable(s)) {
        i++;
        continue;
      }
      if (/^ *\t/.test(s)) throw new YamlError(`line ${sn}: tabs are not allowed for indentation`);
      const ind = indentOf(s);
      if (ind === 0) break;
      const t = s.trimStart();
      if (t.startsWith('- ')) {
        if (itemIndent === -1) itemIndent = ind;
        if (ind !== itemIndent) throw new YamlError(`line ${sn}: inconsistent indentation`);
        if (items.length >= MAX_FILES) throw new YamlError(`line ${sn}: too many entries`);
        current = {};
        items.push(current);
        fieldIndent = ind + 2 + (t.slice(2).length - t.slice(2).trimStart().length);
        const [k, v] = keyValue(t.slice(2).trimStart(), sn);
        set(current, k, scalar(v, sn), sn);
      } else {
        if (!current || ind !== fieldIndent) throw new YamlError(`line ${sn}: unexpected indentation`);
        const [k, v] = keyValue(t, sn);
        set(current, k, scalar(v, sn), sn);
      }
      i++;
    }
    if (items.length === 0) throw new YamlError(`line ${n}: "${key}" has no value`);
    set(doc, key, items, n);
  }
  return doc;
}

function fail(code: MetadataProblem['code'], message: string): MetadataResult {
  return { ok: false, problem: { code, message } };
}

function sizeOf(v: string | undefined): number | null {
  if (v === undefined || !/^(0|[1-9]\d{0,15})$/.test(v)) return null;
  const n = Number(v);
  return n <= MAX_SIZE ? n : null;
}

/** Parse and validate update metadata bytes (UTF-8). */
export function parseUpdateMetadata(bytes: Uint8Array): MetadataResult {
  if (bytes.length === 0) return fail('metadata-malformed', 'the metadata file is empty');
  if (bytes.length > MAX_METADATA_BYTES) return fail('metadata-malformed', `the metadata file is larger than ${MAX_METADATA_BYTES} bytes`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return fail('metadata-malformed', 'the metadata file is not UTF-8 text');
  }
  let doc: Doc;
  try {
    doc = parseYamlSubset(text);
  } catch (err) {
    return fail('metadata-malformed', `the metadata file is not update metadata as electron-builder writes it (${err instanceof YamlError ? err.message : 'unreadable'})`);
  }
  const version = doc.version;
  if (typeof version !== 'string' || !VERSION.test(version)) return fail('metadata-malformed', 'the metadata has no valid "version" (expected a semantic version like 1.4.2)');
  const rawFiles = doc.files;
  if (!Array.isArray(rawFiles)) return fail('metadata-malformed', 'the metadata lists no "files"');
  const files: UpdateFile[] = [];
  for (const [idx, f] of rawFiles.entries()) {
    const url = f.url;
    if (url === undefined) return fail('metadata-malformed', `files[${idx}] has no "url"`);
    if (!isSafeFeedName(url)) return fail('path-escape', `files[${idx}].url "${url.slice(0, 80)}" is not a plain file name inside the feed`);
    if (f.sha512 === undefined || !SHA512_B64.test(f.sha512)) return fail('metadata-malformed', `files[${idx}].sha512 is not a base64 SHA-512`);
    const size = sizeOf(f.size);
    if (size === null || size === 0) return fail('metadata-malformed', `files[${idx}].size is not a positive whole number of bytes`);
    if (f.blockMapSize !== undefined && sizeOf(f.blockMapSize) === null) return fail('metadata-malformed', `files[${idx}].blockMapSize is not a whole number`);
    if (files.some((g) => g.url === url)) return fail('metadata-malformed', `files[${idx}].url "${url}" is listed twice`);
    files.push({ url, sha512: f.sha512, size });
  }
  // The legacy single-file fields must agree with the list (electron-updater falls back to them).
  const path = doc.path;
  if (path !== undefined) {
    if (typeof path !== 'string') return fail('metadata-malformed', '"path" is not a file name');
    if (!isSafeFeedName(path)) return fail('path-escape', `"path" "${path.slice(0, 80)}" is not a plain file name inside the feed`);
    const match = files.find((f) => f.url === path);
    if (!match) return fail('metadata-malformed', `"path" ${path} is not one of the listed files`);
    if (doc.sha512 !== undefined && doc.sha512 !== match.sha512) return fail('metadata-malformed', `"sha512" differs from the listed file ${path}`);
  } else if (doc.sha512 !== undefined) {
    return fail('metadata-malformed', '"sha512" without "path"');
  }
  const releaseDate = doc.releaseDate;
  if (releaseDate !== undefined && (typeof releaseDate !== 'string' || !ISO_TIME.test(releaseDate) || Number.isNaN(Date.parse(releaseDate)))) {
    return fail('metadata-malformed', '"releaseDate" is not an ISO-8601 time');
  }
  return { ok: true, value: { version, files, releaseDate: releaseDate ?? null } };
}

/** Compare two semantic versions (build metadata ignored; a pre-release sorts before its release). */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string): { core: number[]; pre: string[] } => {
    const m = VERSION.exec(v);
    if (!m) return { core: [0, 0, 0], pre: ['invalid'] };
    return { core: [Number(m[1]), Number(m[2]), Number(m[3])], pre: m[4] ? m[4].split('.') : [] };
  };
  const x = parse(a);
  const y = parse(b);
  for (let i = 0; i < 3; i++) if ((x.core[i] as number) !== (y.core[i] as number)) return (x.core[i] as number) < (y.core[i] as number) ? -1 : 1;
  if (!x.pre.length || !y.pre.length) return x.pre.length === y.pre.length ? 0 : x.pre.length ? -1 : 1;
  for (let i = 0; i < Math.max(x.pre.length, y.pre.length); i++) {
    const p = x.pre[i];
    const q = y.pre[i];
    if (p === undefined) return -1;
    if (q === undefined) return 1;
    if (p === q) continue;
    const pn = /^\d+$/.test(p);
    const qn = /^\d+$/.test(q);
    if (pn && qn) return Number(p) < Number(q) ? -1 : 1;
    if (pn !== qn) return pn ? -1 : 1;
    return p < q ? -1 : 1;
  }
  return 0;
}

/** The metadata file electron-updater reads on this platform (channel "latest"). */
export function metadataFileName(platform: NodeJS.Platform, arch: string): string {
  if (platform === 'win32') return 'latest.yml';
  if (platform === 'darwin') return 'latest-mac.yml';
  return arch === 'x64' ? 'latest-linux.yml' : `latest-linux-${arch}.yml`;
}
