/**
 * PVE task ids (UPIDs): validation and parsing.
 * Format (PVE::Tools::upid_decode): `UPID:<node>:<pid 8 hex>:<pstart 8-9 hex>:<starttime 8 hex>:<type>:<id>:<user>:`
 * where `id` may be empty and `user` may be a token id (`user@realm!token`).
 */
import { PveError } from './errors';

export interface Upid {
  /** The UPID string exactly as PVE returned it. */
  upid: string;
  /** Node the task runs on: status and log must be queried there. */
  node: string;
  pid: number;
  /** Process start time in clock ticks since boot (disambiguates reused pids). */
  pstart: number;
  starttime: Date;
  type: string;
  id: string;
  user: string;
}

const UPID_RE =
  /^UPID:([a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?):([0-9A-Fa-f]{8}):([0-9A-Fa-f]{8,9}):([0-9A-Fa-f]{8}):([^:\s]+):([^:\s]*):([^:\s]+):$/;

/** Longer strings cannot be UPIDs; the cap keeps the regex cheap on hostile input. */
const MAX_UPID_LENGTH = 512;

export function isUpid(value: unknown): value is string {
  return typeof value === 'string' && value.length <= MAX_UPID_LENGTH && UPID_RE.test(value);
}

export function parseUpid(upid: string): Upid {
  const m = typeof upid === 'string' && upid.length <= MAX_UPID_LENGTH ? UPID_RE.exec(upid) : null;
  if (!m) throw new PveError('malformed', 'Not a valid Proxmox VE task id (UPID)');
  const [, node, pid, pstart, starttime, type, id, user] = m as unknown as [string, string, string, string, string, string, string, string];
  return {
    upid,
    node,
    pid: parseInt(pid, 16),
    pstart: parseInt(pstart, 16),
    starttime: new Date(parseInt(starttime, 16) * 1000),
    type,
    id,
    user,
  };
}
