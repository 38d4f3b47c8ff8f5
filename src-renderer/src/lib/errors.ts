/** Turning whatever a failed call threw into words for the operator. */
import { ApiError } from './api';

export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  if (err instanceof Error) return err.message;
  return String(err);
}

export function errorCode(err: unknown): string | null {
  return err instanceof ApiError ? err.code : null;
}

export function errorField(err: unknown): string | null {
  return err instanceof ApiError && err.field ? err.field : null;
}
