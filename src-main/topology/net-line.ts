/**
 * Parser of a guest's `netN` config line, the property string PVE stores
 * for each virtual NIC:
 *   qemu  `virtio=BC:24:11:12:34:56,bridge=vmbr1,firewall=1,tag=110,trunks=20;30`
 *   lxc   `name=eth0,bridge=vmbr1,hwaddr=BC:24:11:12:34:56,ip=dhcp,tag=110,type=veth`
 * The text comes from a remote API, so the parser answers every input with a
 * value or a typed error and never throws.
 */

export const QEMU_NIC_MODELS = [
  'e1000', 'e1000-82540em', 'e1000-82544gc', 'e1000-82545em', 'e1000e', 'i82551', 'i82557b', 'i82559er',
  'ne2k_isa', 'ne2k_pci', 'pcnet', 'rtl8139', 'virtio', 'vmxnet3',
] as const;
const MODELS: ReadonlySet<string> = new Set(QEMU_NIC_MODELS);

export interface GuestNic {
  /** `net0` … */
  key: string;
  /** qemu NIC model; 'veth' for containers. */
  model: string;
  mac: string | null;
  /** null: no bridge (user-mode networking). */
  bridge: string | null;
  /** Access VLAN tag (1–4094). */
  tag: number | null;
  /** VLANs passed through on a trunk. */
  trunks: number[];
  firewall: boolean;
  linkDown: boolean;
  /** Container interface name (eth0). */
  ifname: string | null;
}

export type NetLineErrorCode = 'not_a_nic_key' | 'empty' | 'malformed' | 'no_model' | 'bad_mac' | 'bad_vlan' | 'bad_bridge';
export interface NetLineError {
  code: NetLineErrorCode;
  message: string;
}
export type NetLineResult = { ok: true; nic: GuestNic } | { ok: false; error: NetLineError };

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;
/** Linux interface names: up to 15 characters, no whitespace, '/' or ':'. PVE bridges and vnets fit. */
const IFACE = /^[A-Za-z0-9_.-]{1,15}$/;
const NIC_KEY = /^net([0-9]|[12][0-9]|3[01])$/;

const fail = (code: NetLineErrorCode, message: string): NetLineResult => ({ ok: false, error: { code, message } });

function vlan(text: string): number | null {
  if (!/^\d{1,4}$/.test(text)) return null;
  const n = Number(text);
  return n >= 1 && n <= 4094 ? n : null;
}

export function isNicKey(key: string): boolean {
  return NIC_KEY.test(key);
}

/** Parses one `netN` value of a qemu or lxc guest. */
export function parseNetLine(key: string, value: unknown, type: 'qemu' | 'lxc'): NetLineResult {
  if (typeof key !== 'string' || !NIC_KEY.test(key)) return fail('not_a_nic_key', `${String(key).slice(0, 40)} is not a netN key`);
  if (typeof value !== 'string') return fail('malformed', `${key}: expected a property string`);
  const text = value.trim();
  if (!text) return fail('empty', `${key} is empty`);
  const nic: GuestNic = { key, model: type === 'lxc' ? 'veth' : '', mac: null, bridge: null, tag: null, trunks: [], firewall: false, linkDown: false, ifname: null };
  const seen = new Set<string>();
  for (const part of text.split(',')) {
    const eq = part.indexOf('=');
    const k = (eq < 0 ? part : part.slice(0, eq)).trim();
    const v = eq < 0 ? '' : part.slice(eq + 1).trim();
    if (!k) return fail('malformed', `${key}: empty property in "${text.slice(0, 80)}"`);
    if (seen.has(k)) return fail('malformed', `${key}: ${k} given twice`);
    seen.add(k);
    if (type === 'qemu' && MODELS.has(k)) {
      if (nic.model) return fail('malformed', `${key}: two NIC models`);
      nic.model = k;
      if (v) {
        if (!MAC.test(v)) return fail('bad_mac', `${key}: ${v.slice(0, 40)} is not a MAC address`);
        nic.mac = v.toUpperCase();
      }
      continue;
    }
    switch (k) {
      case 'model':
        if (type !== 'qemu' || !MODELS.has(v)) return fail('no_model', `${key}: unknown NIC model ${v.slice(0, 40)}`);
        if (nic.model) return fail('malformed', `${key}: two NIC models`);
        nic.model = v;
        break;
      case 'macaddr':
      case 'hwaddr':
        if (!MAC.test(v)) return fail('bad_mac', `${key}: ${v.slice(0, 40)} is not a MAC address`);
        nic.mac = v.toUpperCase();
        break;
      case 'bridge':
        if (!IFACE.test(v)) return fail('bad_bridge', `${key}: ${v.slice(0, 40)} is not a bridge name`);
        nic.bridge = v;
        break;
      case 'tag': {
        const t = vlan(v);
        if (t === null) return fail('bad_vlan', `${key}: VLAN tag ${v.slice(0, 40)} is not 1–4094`);
        nic.tag = t;
        break;
      }
      case 'trunks': {
        const ids = v.split(';').filter(Boolean);
        const parsed = ids.map(vlan);
        if (ids.length === 0 || parsed.some((x) => x === null)) return fail('bad_vlan', `${key}: trunks ${v.slice(0, 40)} are not VLAN ids`);
        nic.trunks = parsed as number[];
        break;
      }
      case 'firewall':
        nic.firewall = v === '1';
        break;
      case 'link_down':
        nic.linkDown = v === '1';
        break;
      case 'name':
        if (type === 'lxc') {
          if (!IFACE.test(v)) return fail('malformed', `${key}: ${v.slice(0, 40)} is not an interface name`);
          nic.ifname = v;
        }
        break;
      case 'type':
        if (type === 'lxc' && v) nic.model = v;
        break;
      default:
        // ip, gw, mtu, queues, rate … do not change where the NIC attaches.
        if (eq < 0) return fail('malformed', `${key}: "${k.slice(0, 40)}" has no value`);
    }
  }
  if (!nic.model) return fail('no_model', `${key}: no NIC model`);
  return { ok: true, nic };
}
