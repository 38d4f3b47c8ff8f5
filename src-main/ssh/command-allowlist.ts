/**
 * The only commands Cairn runs over SSH. A command line is built from a
 * fixed template and validated parameters (the operator nonce as hex), and
 * the allowlist remembers every line it issued: the runner sends a line
 * only when this allowlist issued exactly that object with exactly that
 * text. Anything else — a hand-made string, a look-alike object, a line
 * altered after it was issued — is refused before a connection is opened.
 */
import { AppException } from '../util/app-exception';

export interface CommandParams {
  /** 64 bytes of REPORT_DATA as 128 lower-case hex characters. */
  nonceHex: string;
}

export interface CommandTemplate {
  id: string;
  /** One line for the log and the operator. */
  description: string;
  build(params: CommandParams): string;
}

export interface AllowedCommand {
  readonly id: string;
  readonly line: string;
}

const NONCE = /^[0-9a-f]{128}$/;

export class CommandAllowlist {
  private readonly templates = new Map<string, CommandTemplate>();
  private readonly issued = new WeakMap<object, string>();

  constructor(templates: readonly CommandTemplate[]) {
    for (const t of templates) {
      if (this.templates.has(t.id)) throw new Error(`duplicate command template ${t.id}`);
      this.templates.set(t.id, t);
    }
  }

  ids(): string[] {
    return [...this.templates.keys()];
  }

  has(id: string): boolean {
    return this.templates.has(id);
  }

  build(id: string, params: CommandParams): AllowedCommand {
    const t = this.templates.get(id);
    if (!t) throw refused(`"${id.slice(0, 60)}" is not an allowlisted command`, id);
    if (!NONCE.test(params.nonceHex)) throw new AppException('invalid_request', 'The nonce must be 64 bytes of lower-case hex', { field: 'nonce' });
    const cmd: AllowedCommand = Object.freeze({ id, line: t.build(params) });
    this.issued.set(cmd, cmd.line);
    return cmd;
  }

  /** Throws `forbidden` unless this allowlist issued exactly this command. */
  check(command: unknown): AllowedCommand {
    if (typeof command !== 'object' || command === null) throw refused('a raw command line is never sent; only allowlisted commands run', 'raw');
    const line = this.issued.get(command);
    const c = command as Partial<AllowedCommand>;
    if (line === undefined || c.line !== line || typeof c.id !== 'string' || !this.templates.has(c.id)) {
      throw refused('this command was not issued by the allowlist', typeof c.id === 'string' ? c.id : 'unknown');
    }
    return command as AllowedCommand;
  }
}

function refused(message: string, id: string): AppException {
  return new AppException('forbidden', `Command refused: ${message}. Nothing was sent.`, { details: { reason: 'command-not-allowlisted', command: id.slice(0, 60) } });
}

/** The nonce as octal printf escapes: portable to dash/busybox printf, which lack \x. */
export function printfBytes(hex: string): string {
  if (!/^([0-9a-f]{2})*$/.test(hex)) throw new Error('not hex');
  let out = '';
  for (let i = 0; i < hex.length; i += 2) out += '\\' + parseInt(hex.slice(i, i + 2), 16).toString(8).padStart(3, '0');
  return out;
}
