// /access: ticket login and renewal, realms, effective permissions.

import { hasPrivilege, type AuthService } from '../auth';
import { permissionDenied } from '../errors';
import { defineParams } from '../params';
import type { RequestContext, RouteDef } from '../routes';

/** Every privilege of PVE 9 (the Administrator role). */
export const ALL_PRIVILEGES = [
  'Datastore.Allocate', 'Datastore.AllocateSpace', 'Datastore.AllocateTemplate', 'Datastore.Audit',
  'Group.Allocate', 'Mapping.Audit', 'Mapping.Modify', 'Mapping.Use', 'Permissions.Modify', 'Pool.Allocate', 'Pool.Audit',
  'Realm.Allocate', 'Realm.AllocateUser', 'SDN.Allocate', 'SDN.Audit', 'SDN.Use', 'Sys.AccessNetwork', 'Sys.Audit',
  'Sys.Console', 'Sys.Incoming', 'Sys.Modify', 'Sys.PowerMgmt', 'Sys.Syslog', 'User.Modify', 'VM.Allocate', 'VM.Audit',
  'VM.Backup', 'VM.Clone', 'VM.Config.CDROM', 'VM.Config.CPU', 'VM.Config.Cloudinit', 'VM.Config.Disk',
  'VM.Config.HWType', 'VM.Config.Memory', 'VM.Config.Network', 'VM.Config.Options', 'VM.Console',
  'VM.GuestAgent.Audit', 'VM.GuestAgent.FileRead', 'VM.GuestAgent.FileSystemMgmt', 'VM.GuestAgent.FileWrite',
  'VM.GuestAgent.Unrestricted', 'VM.Migrate', 'VM.PowerMgmt', 'VM.Replicate', 'VM.Snapshot', 'VM.Snapshot.Rollback',
] as const;

/** The `cap` object of the ticket response, grouped as the GUI expects it. */
function capabilities(): Record<string, Record<string, number>> {
  const groups: Record<string, string[]> = {
    vms: ALL_PRIVILEGES.filter((p) => p.startsWith('VM.')).concat(['Permissions.Modify']),
    storage: ['Datastore.Allocate', 'Datastore.AllocateSpace', 'Datastore.AllocateTemplate', 'Datastore.Audit', 'Permissions.Modify'],
    nodes: ['Permissions.Modify', 'Sys.Audit', 'Sys.Console', 'Sys.Incoming', 'Sys.Modify', 'Sys.PowerMgmt', 'Sys.Syslog', 'Sys.AccessNetwork'],
    dc: ['SDN.Allocate', 'SDN.Audit', 'SDN.Use', 'Sys.Audit', 'Sys.Modify', 'Mapping.Audit', 'Mapping.Modify', 'Mapping.Use'],
    access: ['Group.Allocate', 'Permissions.Modify', 'User.Modify'],
    sdn: ['Permissions.Modify', 'SDN.Allocate', 'SDN.Audit', 'SDN.Use'],
    mapping: ['Mapping.Audit', 'Mapping.Modify', 'Mapping.Use', 'Permissions.Modify'],
  };
  const cap: Record<string, Record<string, number>> = {};
  for (const [group, privs] of Object.entries(groups)) cap[group] = Object.fromEntries(privs.map((p) => [p, 1]));
  return cap;
}

export function accessRoutes(auth: AuthService): RouteDef[] {
  return [
    {
      method: 'POST',
      path: '/access/ticket',
      world: true,
      params: defineParams('new-format?:bool otp?:str password:str path?:str(<=64) privs?:str(<=64) realm?:str(<=32) tfa-challenge?:str username:str(<=64)'),
      handler: (ctx: RequestContext) => {
        const res = auth.login(ctx.params.str('username') ?? '', ctx.params.str('password') ?? '', ctx.params.str('realm'));
        return { ...res, clustername: ctx.cluster.info.name, cap: capabilities() };
      },
    },
    {
      method: 'GET',
      path: '/access/domains',
      world: true,
      params: defineParams(''),
      handler: () => [
        { realm: 'pam', type: 'pam', comment: 'Linux PAM standard authentication' },
        { realm: 'pve', type: 'pve', comment: 'Proxmox VE authentication server' },
      ],
    },
    {
      method: 'GET',
      path: '/access/permissions',
      params: defineParams('path?:str userid?:str'),
      handler: (ctx: RequestContext) => {
        const me = ctx.auth;
        if (!me) return {};
        const asked = ctx.params.str('userid');
        const self = me.tokenid ? `${me.userid}!${me.tokenid}` : me.userid;
        if (asked !== undefined && asked !== self && asked !== me.userid && !hasPrivilege(me, 'Sys.Audit')) {
          throw permissionDenied('/access', ['Sys.Audit']);
        }
        const privs = Object.fromEntries(ALL_PRIVILEGES.filter((p) => hasPrivilege(me, p)).map((p) => [p, 1]));
        const path = ctx.params.str('path');
        const paths = path !== undefined ? [path] : ['/', '/access', '/nodes', '/pool', '/sdn', '/storage', '/vms'];
        return Object.fromEntries(paths.map((p) => [p, privs]));
      },
    },
  ];
}
