/**
 * Browser-side file handling for custody evidence, audit exports and survey
 * transfers: reading a chosen file, SHA-256 with WebCrypto (for evidence only
 * the digest ever leaves the page — never a path or the bytes), base64 for
 * bytes that cross the contract, and downloads through a Blob and an object
 * URL.
 */

export async function bytesOf(file: Blob): Promise<Uint8Array<ArrayBuffer>> {
  if (typeof file.arrayBuffer === 'function') return new Uint8Array(await file.arrayBuffer());
  // Older engines (and jsdom) only have FileReader, whose buffer may belong to another realm: copy it into this one.
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(Uint8Array.from(new Uint8Array(r.result as ArrayBuffer)));
    r.onerror = () => reject(r.error ?? new Error('could not read the file'));
    r.readAsArrayBuffer(file);
  });
}

export async function textOf(file: Blob): Promise<string> {
  return new TextDecoder().decode(await bytesOf(file));
}

export async function sha256Hex(data: Blob | Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', ArrayBuffer.isView(data) ? data : await bytesOf(data));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

export function toBase64(bytes: Uint8Array): string {
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

/** Base64 (as PDF reports and survey files cross the contract) to bytes. */
export function fromBase64(b64: string): Uint8Array<ArrayBuffer> {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export function download(fileName: string, data: string | Uint8Array<ArrayBuffer>, type = 'application/json'): void {
  const url = URL.createObjectURL(new Blob([data], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.rel = 'noopener';
  document.body.append(a);
  a.click();
  a.remove();
  // Revoke after the click has been handled.
  setTimeout(() => URL.revokeObjectURL(url), 0);
}
