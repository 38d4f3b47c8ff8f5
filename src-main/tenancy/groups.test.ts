import { userInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import { groupKey, groupMatches, OsGroupSource } from './groups';

describe('directory group names', () => {
  it('reduces DNs, user principal and down-level names to the short name, case-insensitively', () => {
    expect(groupKey('CN=NOC Operators,OU=Groups,DC=cairn,DC=eu')).toBe('noc operators');
    expect(groupKey('cn = noc ,ou=x')).toBe('noc');
    expect(groupKey('CN=R\\,D,OU=Groups')).toBe('r,d');
    expect(groupKey('noc@cairn.eu')).toBe('noc');
    expect(groupKey('CAIRN\\NOC')).toBe('noc');
    expect(groupKey('wheel')).toBe('wheel');
  });

  it('matches a binding against the groups the OS reports, in any of those forms', () => {
    expect(groupMatches('CN=NOC,OU=Groups,DC=cairn,DC=eu', ['users', 'noc'])).toBe(true);
    expect(groupMatches('CN=NOC,OU=Groups,DC=cairn,DC=eu', ['noc@cairn.eu'])).toBe(true);
    expect(groupMatches('noc', ['CAIRN\\NOC'])).toBe(true);
    expect(groupMatches('CN=NOC,OU=Groups,DC=cairn,DC=eu', ['noc-admins', 'nocturnal'])).toBe(false);
    expect(groupMatches('', ['']) || groupMatches('CN=,OU=x', [''])).toBe(false);
  });
});

describe('OsGroupSource', () => {
  it('asks `id -Gn` for the real groups of the user running the tests (their primary group among them)', () => {
    const me = userInfo().username;
    const groups = new OsGroupSource().groupsOf(me);
    expect(groups.length).toBeGreaterThan(0);
    expect(new OsGroupSource().groupsOf('no-such-user-cairn-test')).toEqual([]);
  });

  it('caches per user for its lifetime, then asks again; a failing lookup is no groups', () => {
    let now = 0;
    let calls = 0;
    const src = new OsGroupSource(1000, () => now, () => (calls++, 'noc users'));
    expect(src.groupsOf('dave')).toEqual(['noc', 'users']);
    src.groupsOf('dave');
    expect(calls).toBe(1);
    now = 1001;
    src.groupsOf('dave');
    expect(calls).toBe(2);
    const broken = new OsGroupSource(1000, () => 0, () => {
      throw new Error('id: not found');
    });
    expect(broken.groupsOf('dave')).toEqual([]);
  });
});
