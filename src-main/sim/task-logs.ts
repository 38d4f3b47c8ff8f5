// Log text of simulated worker tasks, modelled on what qemu-server, pve-container and vzdump
// print, and the error texts tasks end with when they fail. Lines carry their position in the
// run (0..1) so a running task's log grows as it progresses.

import { GiB } from './catalogue';
import { diskVolume } from './guest-config';
import type { Guest } from './model';
import type { LogLine } from './tasks';
import { logTime } from './tasks';

export function gib(bytes: number): string {
  const g = bytes / GiB;
  return g >= 1 ? `${g.toFixed(1)} GiB` : `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
}

function hms(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  return [Math.floor(s / 3600), Math.floor((s % 3600) / 60), s % 60].map((n) => String(n).padStart(2, '0')).join(':');
}

function progress(count: number, from: number, to: number, text: (fraction: number) => string): LogLine[] {
  const out: LogLine[] = [];
  for (let i = 0; i <= count; i++) {
    const f = i / count;
    out.push({ at: from + (to - from) * f, text: text(f) });
  }
  return out;
}

export function createLog(g: Guest): LogLine[] {
  if (g.type === 'lxc') {
    const tpl = g.extra?.ostemplate ?? `local:vztmpl/${g.ostype}-standard_amd64.tar.zst`;
    return [
      { at: 0.02, text: `extracting archive '/var/lib/vz/template/cache/${tpl.split('/').pop() ?? tpl}'` },
      { at: 0.7, text: `Total bytes read: ${Math.round(520e6 + (g.profile % 1e8))} (497MiB, 102MiB/s)` },
      { at: 0.75, text: 'Detected container architecture: amd64' },
      { at: 0.8, text: "Creating SSH host key 'ssh_host_ed25519_key' - this may take some time ..." },
      { at: 0.95, text: `done: SHA256:${Buffer.from(String(g.profile)).toString('base64').slice(0, 43)} root@${g.name}` },
    ];
  }
  return [{ at: 0.6, text: `scsi0: successfully created disk '${diskVolume(g)},iothread=1,size=${g.diskGiB}G'` }];
}

export function cloneLog(src: Guest, target: Guest, full: boolean): LogLine[] {
  const drive = src.type === 'qemu' ? 'scsi0' : 'rootfs';
  if (!full) {
    return [
      { at: 0.05, text: `create linked clone of drive ${drive} (${diskVolume(src)})` },
      { at: 0.6, text: `clone ${diskVolume(src).split(':')[1] ?? ''}: ${diskVolume(src).split(':')[1] ?? ''} snapname __base__ to vm-${target.vmid}-disk-0` },
    ];
  }
  const total = src.diskGiB * GiB;
  return [
    { at: 0.01, text: `create full clone of drive ${drive} (${diskVolume(src)})` },
    ...progress(20, 0.03, 0.98, (f) => `transferred ${gib(total * f)} of ${gib(total)} (${(f * 100).toFixed(2)}%)`),
  ];
}

/**
 * `nominalS` is how long the migration takes at real speed; throughput figures derive from it so
 * they stay believable when taskSpeed compresses the timeline.
 */
export function migrateLog(g: Guest, to: string, toIp: string, online: boolean, localDisk: boolean, startMs: number, durationMs: number, nominalS: number): LogLine[] {
  const at = (f: number): string => logTime(startMs + f * durationMs);
  const kind = g.type === 'qemu' ? 'VM' : 'CT';
  const lines: LogLine[] = [];
  const push = (f: number, text: string): void => {
    lines.push({ at: f, text: `${at(f)} ${text}` });
  };
  push(0, `use dedicated network address for sending migration traffic (${toIp})`);
  push(0.01, `starting migration of ${kind} ${g.vmid} to node '${to}' (${toIp})`);
  if (localDisk) push(0.03, `found local disk '${diskVolume(g)}' (attached)`);
  if (g.type === 'lxc') {
    if (online) push(0.05, `shutdown CT ${g.vmid}`);
    push(0.2, `volume '${diskVolume(g)}' is on shared storage '${g.storage}'`);
    push(0.8, 'start final cleanup');
    if (online) push(0.9, `start container on target node`);
    push(0.95, `migration finished successfully (duration ${hms(durationMs / 1000)})`);
    return lines;
  }
  if (!online) {
    if (localDisk) {
      const total = g.diskGiB * GiB;
      lines.push(...progress(10, 0.1, 0.85, (f) => `${at(0.1 + 0.75 * f)} transferred ${gib(total * f)} of ${gib(total)} (${(f * 100).toFixed(2)}%)`));
    }
    push(0.9, `migration finished successfully (duration ${hms(durationMs / 1000)})`);
    return lines;
  }
  push(0.04, `starting VM ${g.vmid} on remote node '${to}'`);
  push(0.1, 'start remote tunnel');
  push(0.12, 'ssh tunnel ver 1');
  if (localDisk) {
    const total = g.diskGiB * GiB;
    push(0.14, `starting storage migration`);
    lines.push(...progress(8, 0.15, 0.5, (f) => `${at(0.15 + 0.35 * f)} drive-scsi0: transferred ${gib(total * f)} of ${gib(total)} (${(f * 100).toFixed(2)}%) in ${Math.round(f * 0.35 * nominalS)}s`));
  }
  const mem = g.memoryMiB * 1024 ** 2;
  const m0 = localDisk ? 0.52 : 0.15;
  push(m0, `starting online/live migration on unix:/run/qemu-server/${g.vmid}.migrate`);
  push(m0 + 0.01, 'set migration capabilities');
  push(m0 + 0.01, 'migration downtime limit: 100 ms');
  push(m0 + 0.01, `migration cachesize: ${gib(Math.min(mem / 8, 1024 ** 3))}`);
  push(m0 + 0.02, 'set migration parameters');
  push(m0 + 0.02, `start migrate command to unix:/run/qemu-server/${g.vmid}.migrate`);
  const speed = gib(mem / Math.max(1, nominalS * 0.6));
  lines.push(...progress(6, m0 + 0.05, 0.85, (f) => `${at(m0 + 0.05 + (0.8 - m0) * f)} migration active, transferred ${gib(mem * f)} of ${gib(mem)} VM-state, ${speed}/s`));
  push(0.86, `average migration speed: ${speed}/s - downtime ${40 + (g.profile % 60)} ms`);
  push(0.87, 'migration status: completed');
  push(0.95, `migration finished successfully (duration ${hms(durationMs / 1000)})`);
  return lines;
}

export function snapshotLog(g: Guest, vmstate: boolean): LogLine[] {
  const lines: LogLine[] = [];
  if (vmstate && g.type === 'qemu' && g.status === 'running') {
    lines.push({ at: 0.05, text: `saving VM state and RAM using storage '${g.storage}'` });
    lines.push(...progress(4, 0.1, 0.7, (f) => `${gib(g.memoryMiB * 1024 ** 2 * f)} in ${Math.round(f * 6)}s`));
    lines.push({ at: 0.72, text: 'completed saving the VM state in 6s, saved 1.8 GiB' });
  }
  if (g.storage === 'ceph-vm') {
    lines.push({ at: 0.8, text: `snapshotting '${g.type === 'qemu' ? 'drive-scsi0' : 'rootfs'}' (${diskVolume(g)})` });
    lines.push({ at: 0.9, text: 'Creating snap: 10% complete...100% complete...done.' });
  }
  return lines;
}

export function deleteSnapshotLog(g: Guest): LogLine[] {
  return g.storage === 'ceph-vm' ? [{ at: 0.6, text: 'Removing snap: 10% complete...100% complete...done.' }] : [];
}

export function rollbackLog(g: Guest): LogLine[] {
  return g.storage === 'ceph-vm' ? [{ at: 0.7, text: 'Rolling back to snapshot: 10% complete...100% complete...done.' }] : [];
}

export function destroyLog(g: Guest, purge: boolean): LogLine[] {
  const lines: LogLine[] = [];
  if (g.storage === 'ceph-vm') lines.push({ at: 0.5, text: 'Removing image: 1% complete...100% complete...done.' });
  if (purge) lines.push({ at: 0.9, text: `purging VM ${g.vmid} from related configurations..` });
  return lines;
}

export interface VzdumpItem {
  guest: Guest;
  /** seconds this guest takes */
  seconds: number;
  error: string | undefined;
  volid: string;
  bytes: number;
}

export function vzdumpLog(argv: string, items: VzdumpItem[], skipped: number[], startMs: number, durationMs: number): LogLine[] {
  const lines: LogLine[] = [];
  const totalS = Math.max(1, items.reduce((s, i) => s + i.seconds, 0));
  let cursor = 0;
  lines.push({ at: 0, text: `INFO: starting new backup job: vzdump ${argv}` });
  if (skipped.length) lines.push({ at: 0, text: `INFO: skip external VMs: ${skipped.join(', ')}` });
  for (const item of items) {
    const g = item.guest;
    const f0 = cursor / totalS;
    const f1 = (cursor + item.seconds) / totalS;
    const t0 = logTime(startMs + f0 * durationMs);
    const kind = g.type === 'qemu' ? 'qemu' : 'lxc';
    lines.push({ at: f0, text: `INFO: Starting Backup of VM ${g.vmid} (${kind})` });
    lines.push({ at: f0, text: `INFO: Backup started at ${t0}` });
    if (item.error) {
      lines.push({ at: f0, text: `ERROR: Backup of VM ${g.vmid} failed - ${item.error}` });
    } else {
      lines.push({ at: f0, text: `INFO: status = ${g.status}` });
      lines.push({ at: f0, text: `INFO: ${g.type === 'qemu' ? 'VM' : 'CT'} Name: ${g.name}` });
      lines.push({ at: f0, text: `INFO: include disk '${g.type === 'qemu' ? 'scsi0' : 'rootfs'}' '${diskVolume(g)}' ${g.diskGiB}G` });
      lines.push({ at: f0, text: `INFO: backup mode: ${g.status === 'running' ? 'snapshot' : 'stop'}` });
      lines.push({ at: f0, text: 'INFO: ionice priority: 7' });
      lines.push({ at: f0, text: `INFO: creating Proxmox Backup Server archive '${item.volid.split(':backup/')[1] ?? item.volid}'` });
      if (g.type === 'qemu' && g.status === 'running' && g.agent) {
        lines.push({ at: f0, text: "INFO: issuing guest-agent 'fs-freeze' command" });
        lines.push({ at: f0, text: "INFO: issuing guest-agent 'fs-thaw' command" });
      }
      lines.push({ at: (f0 + f1) / 2, text: `INFO: using fast incremental mode (dirty-bitmap), ${gib(item.bytes * 0.05)} dirty of ${gib(g.diskGiB * GiB)} total` });
      lines.push({ at: f1, text: `INFO: 100% (${gib(item.bytes * 0.05)} of ${gib(item.bytes * 0.05)}) in ${Math.round(item.seconds)}s, read: 412.3 MiB/s, write: 406.9 MiB/s` });
      lines.push({ at: f1, text: `INFO: backup was done incrementally, reused ${gib(item.bytes * 0.95)} (95%)` });
      lines.push({ at: f1, text: `INFO: Finished Backup of VM ${g.vmid} (${hms(item.seconds)})` });
      lines.push({ at: f1, text: `INFO: Backup finished at ${logTime(startMs + f1 * durationMs)}` });
    }
    cursor += item.seconds;
  }
  const failed = items.filter((i) => i.error).length;
  lines.push({ at: 1, text: failed ? `INFO: Backup job finished with errors` : 'INFO: Backup job finished successfully' });
  return lines;
}

export function aptUpdateLog(): LogLine[] {
  return [
    { at: 0, text: 'starting apt-get update' },
    { at: 0.3, text: 'Hit:1 http://deb.debian.org/debian trixie InRelease' },
    { at: 0.4, text: 'Hit:2 http://security.debian.org/debian-security trixie-security InRelease' },
    { at: 0.5, text: 'Hit:3 http://download.proxmox.com/debian/pve trixie InRelease' },
    { at: 0.9, text: 'Reading package lists...' },
  ];
}

export function haRequestLog(what: 'start' | 'stop' | 'migrate', g: Guest, target?: string): LogLine[] {
  const kind = g.type === 'qemu' ? 'VM' : 'CT';
  if (what === 'migrate') return [{ at: 0, text: `Requesting HA migration for ${kind} ${g.vmid} to node ${target ?? ''}` }];
  return [{ at: 0, text: `Requesting HA ${what} for ${kind} ${g.vmid}` }];
}

/** What a task of this type ends with when the taskFailure fault is on. */
export function failureText(type: string, vmid: string): string {
  switch (type) {
    case 'qmstart': return 'start failed: QEMU exited with code 1';
    case 'vzstart': return `startup for container '${vmid}' failed`;
    case 'qmstop': return `VM ${vmid} qmp command 'quit' failed - unable to connect to VM ${vmid} qmp socket - timeout after 51 retries`;
    case 'vzstop': return `command 'lxc-stop -n ${vmid} --kill' failed: exit code 1`;
    case 'qmshutdown':
    case 'qmreboot': return 'VM quit/powerdown failed - got timeout';
    case 'vzshutdown':
    case 'vzreboot': return `command 'lxc-stop -n ${vmid} --nokill --timeout 60' failed: exit code 1`;
    case 'qmcreate': return `unable to create VM ${vmid} - rbd error: rbd: create error: (28) No space left on device`;
    case 'vzcreate': return `unable to create CT ${vmid} - command 'lxc-usernsexec -m u:0:100000:65536 -m g:0:100000:65536 -- tar xpf - --zstd' failed: exit code 2`;
    case 'qmclone':
    case 'vzclone': return "clone failed: copy failed: command '/usr/bin/qemu-img convert -p -n -f raw -O raw' failed: exit code 1";
    case 'qmigrate':
    case 'vzmigrate': return 'migration aborted';
    case 'qmsnapshot':
    case 'vzsnapshot': return 'snapshot create failed: starting cleanup';
    case 'qmdelsnapshot':
    case 'vzdelsnapshot': return "error with cfs lock 'storage-ceph-vm': got lock timeout - aborting command";
    case 'qmrollback':
    case 'vzrollback': return 'rollback failed: got timeout';
    case 'qmdestroy':
    case 'vzdestroy': return "error with cfs lock 'storage-ceph-vm': got lock timeout - aborting command";
    case 'vzdump': return 'job errors';
    default: return 'command failed: exit code 1';
  }
}
