/** The `netN` parser: PVE's own formats, typed errors, and no throw whatever the input. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isNicKey, parseNetLine, QEMU_NIC_MODELS } from './net-line';

describe('parseNetLine', () => {
  it('reads a qemu NIC as PVE writes it', () => {
    expect(parseNetLine('net0', 'virtio=bc:24:11:aa:bb:cc,bridge=vmbr1,firewall=1,tag=110', 'qemu')).toEqual({
      ok: true,
      nic: { key: 'net0', model: 'virtio', mac: 'BC:24:11:AA:BB:CC', bridge: 'vmbr1', tag: 110, trunks: [], firewall: true, linkDown: false, ifname: null },
    });
    expect(parseNetLine('net3', 'model=e1000,macaddr=BC:24:11:AA:BB:CC,bridge=vmbr0,link_down=1,trunks=20;30', 'qemu')).toMatchObject({
      ok: true,
      nic: { model: 'e1000', bridge: 'vmbr0', linkDown: true, trunks: [20, 30], tag: null },
    });
    // No MAC (PVE generates one) and no bridge (user-mode networking) are both valid.
    expect(parseNetLine('net1', 'vmxnet3', 'qemu')).toMatchObject({ ok: true, nic: { model: 'vmxnet3', mac: null, bridge: null } });
  });

  it('reads a container NIC', () => {
    expect(parseNetLine('net0', 'name=eth0,bridge=vmbr1,firewall=1,hwaddr=BC:24:11:00:00:02,ip=dhcp,tag=110,type=veth', 'lxc')).toEqual({
      ok: true,
      nic: { key: 'net0', model: 'veth', mac: 'BC:24:11:00:00:02', bridge: 'vmbr1', tag: 110, trunks: [], firewall: true, linkDown: false, ifname: 'eth0' },
    });
  });

  it.each([
    ['net0', '', 'empty'],
    ['net0', '   ', 'empty'],
    ['scsi0', 'virtio,bridge=vmbr0', 'not_a_nic_key'],
    ['net32', 'virtio,bridge=vmbr0', 'not_a_nic_key'],
    ['net0', 'bridge=vmbr0', 'no_model'],
    ['net0', 'model=tulip,bridge=vmbr0', 'no_model'],
    ['net0', 'virtio=zz:24:11:aa:bb:cc', 'bad_mac'],
    ['net0', 'virtio,tag=0', 'bad_vlan'],
    ['net0', 'virtio,tag=4095', 'bad_vlan'],
    ['net0', 'virtio,tag=1e2', 'bad_vlan'],
    ['net0', 'virtio,trunks=', 'bad_vlan'],
    ['net0', 'virtio,bridge=vm br0', 'bad_bridge'],
    ['net0', 'virtio,bridge=averyveryverylongbridge', 'bad_bridge'],
    ['net0', 'virtio,virtio', 'malformed'],
    ['net0', 'virtio,,bridge=vmbr0', 'malformed'],
    ['net0', 'virtio,e1000', 'malformed'],
    ['net0', 'virtio,nonsense', 'malformed'],
  ] as const)('%s=%j is refused as %s', (key, value, code) => {
    const r = parseNetLine(key, value, 'qemu');
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe(code);
      expect(r.error.message.length).toBeGreaterThan(0);
    }
  });

  it('knows which keys are NICs', () => {
    expect(['net0', 'net9', 'net31'].every(isNicKey)).toBe(true);
    expect(['net', 'net-1', 'net32', 'net01x', 'ipconfig0'].some(isNicKey)).toBe(false);
  });

  it('property: any input yields a NIC or a typed error, never a throw', () => {
    const part = fc.oneof(
      fc.string({ maxLength: 12 }),
      fc.constantFrom(...QEMU_NIC_MODELS, 'bridge', 'tag', 'trunks', 'firewall', 'macaddr', 'hwaddr', 'name', 'type', 'model', 'link_down', '='),
    );
    const value = fc.oneof(
      fc.string({ maxLength: 80 }),
      fc.array(fc.tuple(part, fc.option(fc.oneof(fc.string({ maxLength: 20 }), fc.integer().map(String), fc.constant('BC:24:11:AA:BB:CC'))))).map((kv) =>
        kv.map(([k, v]) => (v === null ? k : `${k}=${v}`)).join(','),
      ),
      fc.anything(),
    );
    fc.assert(
      fc.property(fc.oneof(fc.constantFrom('net0', 'net31'), fc.string({ maxLength: 8 })), value, fc.constantFrom('qemu' as const, 'lxc' as const), (key, v, type) => {
        const r = parseNetLine(key, v, type);
        if (r.ok) {
          expect(isNicKey(key)).toBe(true);
          expect(r.nic.model.length).toBeGreaterThan(0);
          if (r.nic.tag !== null) expect(r.nic.tag >= 1 && r.nic.tag <= 4094).toBe(true);
          for (const t of r.nic.trunks) expect(t >= 1 && t <= 4094).toBe(true);
          if (r.nic.mac !== null) expect(r.nic.mac).toMatch(/^([0-9A-F]{2}:){5}[0-9A-F]{2}$/);
        } else {
          expect(['not_a_nic_key', 'empty', 'malformed', 'no_model', 'bad_mac', 'bad_vlan', 'bad_bridge']).toContain(r.error.code);
          expect(typeof r.error.message).toBe('string');
        }
      }),
      { numRuns: 3000 },
    );
  });
});
