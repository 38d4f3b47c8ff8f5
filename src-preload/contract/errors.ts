/**
 * The closed set of error codes that cross the contract. Every failure a
 * renderer can see is one of these, with a human message and, where it
 * helps, the request field at fault. Nothing else (stack traces, upstream
 * bodies, secrets) crosses.
 */
import { z } from 'zod';

export const ERROR_CODES = [
  'invalid_request', // payload failed the channel's schema
  'unknown_channel', // channel is not in the contract
  'not_found',
  'conflict', // e.g. duplicate connection name
  'forbidden', // role or sender not allowed
  'unauthenticated', // upstream rejected credentials
  'secret_store_unavailable', // no OS keychain reachable
  'tls_unpinned', // first contact: fingerprint must be confirmed
  'tls_pin_mismatch', // pinned fingerprint differs from the presented one
  'unreachable', // DNS, refused, reset, node down
  'timeout',
  'upstream', // remote API answered with an error
  'internal', // a bug in Cairn; details are in the main-process log
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export const AppErrorSchema = z.strictObject({
  code: z.enum(ERROR_CODES),
  message: z.string(),
  field: z.string().optional(),
  details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
});

export type AppError = z.infer<typeof AppErrorSchema>;

export type Result<T> = { ok: true; value: T } | { ok: false; error: AppError };

export function isAppError(value: unknown): value is AppError {
  return AppErrorSchema.safeParse(value).success;
}
