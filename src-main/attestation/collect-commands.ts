/**
 * The allowlisted command that collects fresh SEV-SNP evidence inside a
 * confidential guest: the operator's 64-byte nonce becomes REPORT_DATA
 * (snpguest reads it from a request file, so it is not `--random`), then
 * the report and the certificates the host supplied are printed as
 * `<name> <base64>` lines. The nonce is the only parameter and is hex
 * checked by the allowlist before it is spliced in as printf octal escapes.
 */
import { printfBytes, type CommandTemplate } from '../ssh';

export const SNPGUEST_COLLECT: CommandTemplate = {
  id: 'snpguest-report',
  description: 'snpguest report with the operator nonce as REPORT_DATA, plus the host-supplied VCEK/ASK/ARK',
  build: ({ nonceHex }) =>
    [
      'set -eu',
      'd=$(mktemp -d)',
      `trap 'rm -rf "$d"' EXIT`,
      `printf '${printfBytes(nonceHex)}' > "$d/request-data.bin"`,
      'snpguest report "$d/report.bin" "$d/request-data.bin" >/dev/null',
      'snpguest certificates der "$d" >/dev/null 2>&1 || true',
      `printf 'report '; base64 -w0 "$d/report.bin"; echo`,
      `for f in vcek vlek ask asvk ark; do if [ -f "$d/$f.der" ]; then printf '%s ' "$f"; base64 -w0 "$d/$f.der"; echo; fi; done`,
    ].join('; '),
};

export const PRODUCTION_COLLECTORS: readonly CommandTemplate[] = [SNPGUEST_COLLECT];
