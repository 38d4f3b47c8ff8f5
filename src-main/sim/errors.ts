// Errors the simulator answers with, shaped like PVE's: the HTTP reason phrase is the first line
// of the message, JSON-formatted errors carry `{"data":null,"message":"...\n"}` (plus `errors`
// for parameter verification), and errors raised before the API handler runs (authentication,
// node proxying) have an empty body like pveproxy's own error responses.

export class PveError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errors: Record<string, string> | undefined = undefined,
    /** Error produced by the HTTP server layer rather than an API method: no JSON body. */
    readonly bare = false,
  ) {
    super(message);
    this.name = 'PveError';
  }

  /** The reason phrase PVE puts on the status line. */
  get reason(): string {
    return reasonPhrase(this.message);
  }
}

/** A handler dying with `die "...\n"`: HTTP 500 with the text as reason and message. */
export function fail(message: string): PveError {
  return new PveError(500, message.endsWith('\n') ? message : `${message}\n`);
}

/** PVE::Exception::raise_param_exc */
export function paramError(errors: Record<string, string>): PveError {
  return new PveError(400, 'Parameter verification failed.\n', errors);
}

export function permissionDenied(path: string, privs: readonly string[]): PveError {
  return new PveError(403, `Permission check failed (${path}, ${privs.join('|')})\n`);
}

/** pveproxy's own answer for an unknown path or method (reason phrase reproduced verbatim). */
export function notImplemented(method: string, path: string): PveError {
  return new PveError(501, `Method '${method} ${path}' not implemented\n`);
}

export function unauthorized(reason: string): PveError {
  return new PveError(401, reason, undefined, true);
}

/** Node(s) HTTP status lines cannot carry newlines or non-latin1 text. */
export function reasonPhrase(message: string): string {
  const first = message.split('\n', 1)[0] ?? '';
  return first.replace(/[^\x20-\x7e\xa0-\xff]/g, '?').slice(0, 512) || 'Error';
}
