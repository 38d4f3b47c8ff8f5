/**
 * Structured, line-oriented logging for the main process. Log lines go
 * through a redactor that knows every secret value the process has seen,
 * so a secret that slips into a message is masked before it is written.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(scope: string): Logger;
}

/** Values registered here are masked in every log line. */
export class Redactor {
  private readonly secrets = new Set<string>();
  add(secret: string): void {
    if (secret.length >= 4) this.secrets.add(secret);
  }
  redact(text: string): string {
    let out = text;
    for (const s of this.secrets) if (out.includes(s)) out = out.split(s).join('[redacted]');
    return out;
  }
}

export interface LogSink {
  write(line: string): void;
}

export class FileLogSink implements LogSink {
  constructor(private readonly file: string) {
    mkdirSync(dirname(file), { recursive: true });
  }
  write(line: string): void {
    appendFileSync(this.file, line + '\n');
  }
}

export class MemoryLogSink implements LogSink {
  readonly lines: string[] = [];
  write(line: string): void {
    this.lines.push(line);
  }
}

export function createLogger(opts: { sinks: LogSink[]; redactor: Redactor; level?: LogLevel; scope?: string }): Logger {
  const min = ORDER[opts.level ?? 'info'];
  const emit = (level: LogLevel, scope: string, msg: string, fields?: Record<string, unknown>) => {
    if (ORDER[level] < min) return;
    const record = { t: new Date().toISOString(), level, scope, msg, ...(fields ?? {}) };
    let line: string;
    try {
      line = JSON.stringify(record, (_k, v: unknown) => (v instanceof Error ? { name: v.name, message: v.message } : v));
    } catch {
      line = JSON.stringify({ t: record.t, level, scope, msg });
    }
    line = opts.redactor.redact(line);
    for (const s of opts.sinks) s.write(line);
  };
  const make = (scope: string): Logger => ({
    debug: (m, f) => emit('debug', scope, m, f),
    info: (m, f) => emit('info', scope, m, f),
    warn: (m, f) => emit('warn', scope, m, f),
    error: (m, f) => emit('error', scope, m, f),
    child: (s) => make(`${scope}.${s}`),
  });
  return make(opts.scope ?? 'cairn');
}
