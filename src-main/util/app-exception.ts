/**
 * The one exception type domain code throws for expected failures. It
 * carries an AppError (closed code set, human message, optional field),
 * which the router sends to the renderer as-is. Anything else thrown is a
 * bug and reaches the renderer only as a generic `internal` error.
 */
import { ERROR_CODES, type AppError, type ErrorCode } from '../../src-preload/contract';

export class AppException extends Error {
  readonly code: ErrorCode;
  readonly field: string | undefined;
  readonly details: Record<string, string | number | boolean> | undefined;

  constructor(code: ErrorCode, message: string, opts: { field?: string; details?: Record<string, string | number | boolean>; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'AppException';
    this.code = code;
    this.field = opts.field;
    this.details = opts.details;
  }

  /**
   * The exception an AppError stands for, as it arrives from another thread or process: a code this build does not
   * know becomes `internal`, never passed through.
   */
  static fromAppError(e: { code: string; message: string; field?: string; details?: Record<string, string | number | boolean> }): AppException {
    const code = ERROR_CODES.find((c) => c === e.code) ?? 'internal';
    return new AppException(code, e.message, { ...(e.field === undefined ? {} : { field: e.field }), ...(e.details === undefined ? {} : { details: e.details }) });
  }

  toAppError(): AppError {
    const e: AppError = { code: this.code, message: this.message };
    if (this.field !== undefined) e.field = this.field;
    if (this.details !== undefined) e.details = this.details;
    return e;
  }
}

export function appError(code: ErrorCode, message: string, field?: string): AppException {
  return new AppException(code, message, field === undefined ? {} : { field });
}
