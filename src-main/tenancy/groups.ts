/**
 * Directory groups: the SCMP may bind a role to a group (an LDAP/AD DN such
 * as `CN=NOC,OU=Groups,DC=cairn,DC=eu`, or a plain group name) rather than
 * to a person. Cairn's identity is the OS user running it, and on a managed
 * laptop the OS resolves that user's groups from the directory (NSS: sssd,
 * winbind, nslcd), so `id -Gn USER` lists the local and directory groups
 * alike; a binding applies when one of them is the group it names.
 */
import { execFileSync } from 'node:child_process';

export interface GroupSource {
  /** The groups a user belongs to (names as the OS reports them); [] when unknown. */
  groupsOf(user: string): readonly string[];
}

export const NO_GROUPS: GroupSource = { groupsOf: () => [] };

/** A group's short name: the first RDN's value of a DN (`CN=NOC,OU=…` → `noc`), the name of `name@domain`, lower-cased. */
export function groupKey(group: string): string {
  const g = group.trim();
  const rdn = /^\s*(?:cn|ou)\s*=\s*((?:\\.|[^,\\])+)/i.exec(g);
  const name = rdn?.[1] ? rdn[1].replace(/\\(.)/g, '$1') : g.includes('@') ? g.slice(0, g.indexOf('@')) : g.includes('\\') ? g.slice(g.lastIndexOf('\\') + 1) : g;
  return name.trim().toLowerCase();
}

/** Whether a binding to `bound` applies to a member of `groups` (DN, `name@domain`, `DOMAIN\name` or plain names; case-insensitive). */
export function groupMatches(bound: string, groups: readonly string[]): boolean {
  const key = groupKey(bound);
  return key.length > 0 && groups.some((g) => groupKey(g) === key);
}

/** `id -Gn USER`, cached per user for `ttlMs`; a failure (no such user, no `id`, Windows) is no groups. */
export class OsGroupSource implements GroupSource {
  private readonly cache = new Map<string, { at: number; groups: readonly string[] }>();

  constructor(
    private readonly ttlMs = 5 * 60_000,
    private readonly now: () => number = Date.now,
    private readonly run: (user: string) => string = (user) => execFileSync('id', ['-Gn', '--', user], { encoding: 'utf8', timeout: 2000, stdio: ['ignore', 'pipe', 'ignore'] }),
  ) {}

  groupsOf(user: string): readonly string[] {
    const hit = this.cache.get(user);
    if (hit && this.now() - hit.at < this.ttlMs) return hit.groups;
    let groups: readonly string[] = [];
    if (process.platform !== 'win32') {
      try {
        groups = this.run(user).split(/\s+/).filter(Boolean);
      } catch {
        groups = [];
      }
    }
    this.cache.set(user, { at: this.now(), groups });
    return groups;
  }
}
