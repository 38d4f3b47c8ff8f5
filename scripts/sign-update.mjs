#!/usr/bin/env node
/**
 * Signs electron-builder's update metadata for Cairn's updater: writes
 * `<metadata>.sig` beside each metadata file (latest.yml, latest-linux.yml,
 * latest-mac.yml …) after checking that every file it lists sits beside it
 * with the listed SHA-512 and size, so a release engineer never signs a
 * release that does not match its files.
 *
 *   node scripts/sign-update.mjs --key /media/offline/cairn-release.pem dist/latest*.yml
 *   CAIRN_UPDATE_SIGNING_KEY="$(cat key.pem)" node scripts/sign-update.mjs dist/latest-linux.yml
 *   node scripts/sign-update.mjs --generate-key /media/offline/cairn-release.pem
 *
 * The private key (PKCS#8 PEM, Ed25519) comes from --key FILE or from the
 * environment variable named by --key-env (default CAIRN_UPDATE_SIGNING_KEY);
 * it is never written anywhere by signing. The format is the one
 * src-main/updates/signature.ts verifies (a test holds the two equal).
 * Exit codes: 0 signed, 1 a metadata file does not match its files, 2 usage.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign } from 'node:crypto';
import { createReadStream, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';

const FORMAT = 'cairn-update-signature/1';
const USAGE = `usage: node scripts/sign-update.mjs [--key FILE | --key-env VAR] METADATA.yml …
       node scripts/sign-update.mjs --generate-key FILE`;

function fail(code, message) {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

function rawPublicKey(publicKey) {
  return publicKey.export({ type: 'spki', format: 'der' }).subarray(12);
}
function keyId(raw) {
  return createHash('sha256').update(raw).digest('hex').slice(0, 16);
}

async function sha512(path) {
  const h = createHash('sha512');
  let size = 0;
  for await (const chunk of createReadStream(path)) {
    h.update(chunk);
    size += chunk.length;
  }
  return { sha512: h.digest('base64'), size };
}

async function checkFiles(metadataPath, text) {
  // electron-builder writes this file with js-yaml; electron-builder is installed wherever releases are built.
  const yaml = createRequire(import.meta.url)('js-yaml');
  const info = yaml.load(text);
  if (!info || typeof info !== 'object' || typeof info.version !== 'string' || !Array.isArray(info.files) || info.files.length === 0) {
    return 'not update metadata (no version or files)';
  }
  for (const f of info.files) {
    if (typeof f.url !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._+-]*$/.test(f.url) || f.url.includes('..')) return `files: "${f.url}" is not a plain file name`;
    const path = join(dirname(metadataPath), f.url);
    if (!existsSync(path)) return `${f.url} is listed but not beside the metadata`;
    const d = await sha512(path);
    if (d.sha512 !== f.sha512 || d.size !== f.size) return `${f.url} does not match its listed sha512/size`;
  }
  return null;
}

async function main(argv) {
  let keyFile = null;
  let keyEnv = 'CAIRN_UPDATE_SIGNING_KEY';
  let generate = null;
  const files = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--key') keyFile = argv[++i] ?? fail(2, USAGE);
    else if (a === '--key-env') keyEnv = argv[++i] ?? fail(2, USAGE);
    else if (a === '--generate-key') generate = argv[++i] ?? fail(2, USAGE);
    else if (a === '--help' || a === '-h') fail(0, USAGE);
    else if (a.startsWith('--')) fail(2, `unknown option ${a}\n${USAGE}`);
    else files.push(a);
  }

  if (generate) {
    if (existsSync(generate)) fail(2, `${generate} exists; refusing to overwrite a key`);
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    writeFileSync(generate, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
    const raw = rawPublicKey(publicKey);
    process.stdout.write(`private key written to ${generate} (keep it offline)\npin in src-main/updates/release-key.ts:\n`);
    process.stdout.write(`  { keyId: '${keyId(raw)}', name: 'Cairn release key', publicKey: '${raw.toString('base64')}' },\n`);
    return;
  }
  if (files.length === 0) fail(2, USAGE);

  let pem;
  if (keyFile) {
    try {
      pem = readFileSync(keyFile, 'utf8');
    } catch {
      fail(2, `cannot read the key file ${keyFile}`);
    }
  } else {
    pem = process.env[keyEnv];
    if (!pem) fail(2, `no signing key: pass --key FILE or set ${keyEnv}`);
  }
  let priv;
  try {
    priv = createPrivateKey(pem);
  } catch {
    fail(2, 'the signing key is not a readable PEM private key');
  }
  if (priv.asymmetricKeyType !== 'ed25519') fail(2, 'the signing key is not an Ed25519 key');
  const id = keyId(rawPublicKey(createPublicKey(priv)));

  let failed = false;
  for (const file of files) {
    let bytes;
    try {
      bytes = readFileSync(file);
    } catch {
      fail(2, `cannot read ${file}`);
    }
    const problem = await checkFiles(file, bytes.toString('utf8'));
    if (problem) {
      process.stderr.write(`${file}: NOT signed: ${problem}\n`);
      failed = true;
      continue;
    }
    const name = basename(file);
    const message = Buffer.concat([Buffer.from(`${FORMAT}\n${name}\n`, 'utf8'), bytes]);
    const signature = sign(null, message, priv).toString('base64');
    writeFileSync(`${file}.sig`, `${JSON.stringify({ format: FORMAT, keyId: id, signature })}\n`);
    process.stdout.write(`${file}.sig  key ${id}\n`);
  }
  if (failed) process.exit(1);
}

await main(process.argv.slice(2));
