/**
 * An in-memory PVE for the engine's property test and benchmark: guests,
 * snapshots, HA resources and a task list, with every applied write counted
 * so a test can prove nothing was applied twice. Writes can be made to
 * "lose their answer" (applied, then a connection reset thrown), which is
 * the case that forces reconciliation. Tasks finish after `taskPolls`
 * calls to the fake (its notion of time). Not used by production code.
 */
import { PveError, type ClusterResource, type GuestRef, type TaskListEntry, type TaskStatus } from '../pve';
import type { OpsClient } from './steps';

interface FakeGuest {
  vmid: number;
  name: string;
  node: string;
  status: 'running' | 'stopped';
  template: boolean;
  config: Record<string, string | number>;
  snapshots: string[];
  tags: string;
}

interface FakeTask {
  upid: string;
  node: string;
  type: string;
  id: string;
  starttime: number;
  pollsLeft: number;
  apply: () => void;
  done: boolean;
}

const hex = (n: number, w = 8): string => n.toString(16).toUpperCase().padStart(w, '0');

export class FakePve {
  readonly guests = new Map<number, FakeGuest>();
  readonly ha = new Set<string>();
  readonly tasks: FakeTask[] = [];
  /** Applied writes by key (`clone:<newid>`, `start:<vmid>`, `snapshot:<vmid>:<name>`, `config:<vmid>:<k=v,…>`). */
  readonly applied = new Map<string, number>();
  /** Return true to make the next write apply and then fail as a lost connection. */
  loseAnswer: (key: string) => boolean = () => false;
  /** Every call fails as unreachable while set (a site that went away). */
  down = false;
  calls = 0;
  private pid = 1;

  constructor(
    readonly nodes: string[] = ['n1', 'n2', 'n3'],
    private readonly taskPolls = 1,
  ) {}

  addGuest(g: Partial<FakeGuest> & { vmid: number; name: string }): void {
    this.guests.set(g.vmid, { node: this.nodes[0]!, status: 'stopped', template: false, config: { cores: 2, memory: 4096 }, snapshots: [], tags: '', ...g });
  }

  private gate(): void {
    this.calls++;
    for (const t of this.tasks) {
      if (!t.done && t.pollsLeft-- <= 0) {
        t.done = true;
        t.apply();
      }
    }
    if (this.down) throw new PveError('connection_refused', 'Connection refused', { code: 'ECONNREFUSED' });
  }

  private write<T>(key: string, apply: () => T): T {
    this.gate();
    const out = apply();
    this.applied.set(key, (this.applied.get(key) ?? 0) + 1);
    if (this.loseAnswer(key)) throw new PveError('connection_reset', 'Connection reset by peer', { code: 'ECONNRESET' });
    return out;
  }

  private task(node: string, type: string, id: string, key: string, apply: () => void, onStart?: () => void): string {
    return this.write(key, () => {
      onStart?.();
      const upid = `UPID:${node}:${hex(this.pid++)}:${hex(this.pid)}:${hex(Math.floor(Date.now() / 1000))}:${type}:${id}:cairn@pve!console:`;
      const t: FakeTask = { upid, node, type, id, starttime: Math.floor(Date.now() / 1000), pollsLeft: this.taskPolls, apply, done: false };
      this.tasks.push(t);
      return upid;
    });
  }

  private guest(ref: GuestRef): FakeGuest {
    const g = this.guests.get(ref.vmid);
    if (!g) throw new PveError('server', `Configuration file 'nodes/${ref.node}/qemu-server/${ref.vmid}.conf' does not exist`, { status: 500 });
    return g;
  }

  client(): OpsClient {
    const c: Partial<OpsClient> = {
      clusterResources: async () => {
        this.gate();
        const out: ClusterResource[] = this.nodes.map((n) => ({ id: `node/${n}`, type: 'node', node: n, status: 'online', maxcpu: 64, maxmem: 512 * 2 ** 30, mem: 0 }) as ClusterResource);
        for (const g of this.guests.values()) {
          out.push({ id: `qemu/${g.vmid}`, type: 'qemu', vmid: g.vmid, node: g.node, name: g.name, status: g.status, template: g.template, tags: g.tags, maxcpu: Number(g.config.cores), maxmem: Number(g.config.memory) * 2 ** 20, maxdisk: 32 * 2 ** 30, hastate: this.ha.has(`vm:${g.vmid}`) ? 'started' : undefined } as ClusterResource);
        }
        return out;
      },
      guestConfig: async (ref) => {
        this.gate();
        const g = this.guest(ref);
        return { name: g.name, ...g.config, ...(g.tags ? { tags: g.tags } : {}) };
      },
      snapshots: async (ref) => {
        this.gate();
        return [...this.guest(ref).snapshots.map((name) => ({ name })), { name: 'current' }];
      },
      haResources: async () => {
        this.gate();
        return [...this.ha].map((sid) => ({ sid }));
      },
      startGuest: async (ref) => this.task(ref.node, 'qmstart', String(ref.vmid), `start:${ref.vmid}`, () => void (this.guest(ref).status = 'running')),
      stopGuest: async (ref) => this.task(ref.node, 'qmstop', String(ref.vmid), `stop:${ref.vmid}`, () => void (this.guest(ref).status = 'stopped')),
      shutdownGuest: async (ref) => this.task(ref.node, 'qmshutdown', String(ref.vmid), `shutdown:${ref.vmid}`, () => void (this.guest(ref).status = 'stopped')),
      createSnapshot: async (ref, p) => {
        const g = this.guest(ref);
        if (g.snapshots.includes(p.snapname)) throw new PveError('server', `snapshot name '${p.snapname}' already used`, { status: 500 });
        return this.task(ref.node, 'qmsnapshot', String(ref.vmid), `snapshot:${ref.vmid}:${p.snapname}`, () => void g.snapshots.push(p.snapname));
      },
      cloneGuest: async (ref, p) => {
        if (this.guests.has(p.newid)) throw new PveError('server', `unable to create VM ${p.newid}: config file already exists`, { status: 500 });
        const src = this.guest(ref);
        // Like PVE, the target's config exists (locked) as soon as the clone starts.
        return this.task(ref.node, 'qmclone', String(ref.vmid), `clone:${p.newid}`, () => {
          const g = this.guests.get(p.newid);
          if (g) delete g.config.lock;
        }, () => {
          this.guests.set(p.newid, { ...src, vmid: p.newid, name: p.name ?? `Copy-of-${src.name}`, node: p.target ?? src.node, template: false, status: 'stopped', snapshots: [], config: { ...src.config, lock: 'clone' } });
        });
      },
      updateGuestConfig: async (ref, p) => {
        const set = Object.entries(p).filter(([k]) => k !== 'delete' && k !== 'digest');
        return this.write(`config:${ref.vmid}:${set.map(([k, v]) => `${k}=${String(v)}`).join(',')}`, () => {
          const g = this.guest(ref);
          for (const [k, v] of set) {
            if (k === 'tags') g.tags = String(v);
            else g.config[k] = v as string | number;
          }
          return null;
        });
      },
      addHaResource: async (p) => this.write(`ha+:${p.sid}`, () => void this.ha.add(p.sid)),
      removeHaResource: async (sid) => this.write(`ha-:${sid}`, () => void this.ha.delete(sid)),
      nodeTasks: async (node, p) => {
        this.gate();
        const items: TaskListEntry[] = this.tasks
          .filter((t) => t.node === node && (p?.typefilter === undefined || t.type === p.typefilter) && (p?.vmid === undefined || t.id === String(p.vmid)) && (p?.since === undefined || t.starttime >= p.since))
          .map((t) => ({ upid: t.upid, node: t.node, type: t.type, id: t.id, starttime: t.starttime }) as TaskListEntry);
        return { items };
      },
      taskStatus: async (upid) => {
        this.gate();
        const t = this.tasks.find((x) => x.upid === upid);
        if (!t) throw new PveError('server', 'no such task', { status: 500 });
        return (t.done ? { status: 'stopped', exitstatus: 'OK', upid } : { status: 'running', upid }) as TaskStatus;
      },
      taskLog: async () => ({ items: [] }),
    };
    return c as OpsClient;
  }
}
