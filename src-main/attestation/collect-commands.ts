/**
 * The allowlisted commands that collect fresh evidence inside a
 * confidential guest. SEV-SNP: the operator's 64-byte nonce becomes
 * REPORT_DATA (snpguest reads it from a request file, so it is not `--random`), then
 * the report and the certificates the host supplied are printed as
 * `<name> <base64>` lines. TDX: the same nonce goes to the kernel's
 * configfs-tsm report interface and the quote comes back as one line. The
 * nonce is the only parameter and is hex checked by the allowlist before it is spliced in as printf octal escapes.
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

/** Where the Linux configfs-tsm report interface lives (Linux 6.7+). */
export const TSM_REPORT_ROOT = '/sys/kernel/config/tsm/report';

/**
 * The shell step that turns `$d/inblob` (the nonce, 64 bytes) into a TDX
 * quote at `$d/quote.bin`, through the kernel's configfs-tsm interface: no
 * guest tool to install, only the tdx_guest driver and a reachable quoting
 * service on the host (QGS), which every TDX-enabled distribution kernel has.
 * The generation counter is read around the read of outblob: another writer
 * in between would hand us a quote for someone else's REPORT_DATA.
 */
export function tsmQuoteStep(root = TSM_REPORT_ROOT): string[] {
  return [
    `[ -d '${root}' ] || { echo 'configfs-tsm is not available (${root}): needs Linux 6.7+ with the tdx_guest driver and configfs mounted' >&2; exit 3; }`,
    `r='${root}'/cairn-$$`,
    'mkdir "$r"',
    `trap 'rmdir "$r" 2>/dev/null || true; rm -rf "$d"' EXIT`,
    'p=$(cat "$r/provider")',
    `[ "$p" = tdx_guest ] || { echo "configfs-tsm provider is $p, not tdx_guest: is this a TDX guest?" >&2; exit 3; }`,
    'cat "$d/inblob" > "$r/inblob"',
    'g=$(cat "$r/generation")',
    'cat "$r/outblob" > "$d/quote.bin"',
    `[ "$(cat "$r/generation")" = "$g" ] || { echo 'another process wrote this configfs-tsm report while Cairn read it; try again' >&2; exit 3; }`,
  ];
}

/**
 * A TDX collector: the nonce is written as 64 raw bytes to `$d/inblob`, the
 * quote step fills `$d/quote.bin`, and the quote is printed as
 * `quote <base64>`. Tests swap only the quote step (a fake tool on the test
 * sshd); prologue and epilogue are the production text.
 */
export function tdxCollector(id: string, description: string, quoteStep: string[]): CommandTemplate {
  return {
    id,
    description,
    build: ({ nonceHex }) =>
      [
        'set -eu',
        'd=$(mktemp -d)',
        `trap 'rm -rf "$d"' EXIT`,
        `printf '${printfBytes(nonceHex)}' > "$d/inblob"`,
        ...quoteStep,
        `printf 'quote '; base64 -w0 "$d/quote.bin"; echo`,
      ].join('; '),
  };
}

export const TDX_TSM_COLLECT: CommandTemplate = tdxCollector(
  'tdx-tsm-report',
  'TDX quote from configfs-tsm (/sys/kernel/config/tsm/report) with the operator nonce as REPORT_DATA',
  tsmQuoteStep(),
);

export const PRODUCTION_COLLECTORS: readonly CommandTemplate[] = [SNPGUEST_COLLECT, TDX_TSM_COLLECT];
