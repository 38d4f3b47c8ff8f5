/**
 * TenancyService: tenants, quotas, operator identities and their history
 * in SQLite (migration 12). Authorisation decisions are `authorize` (roles)
 * and `checkQuotas` (arithmetic); this class feeds them from the database
 * and the inventory and keeps two invariants: the first operator of a
 * fresh install is an Administrator, and no change ever leaves the
 * installation without one.
 */
import {
  OperatorInputSchema,
  ROLE_IDS,
  RoleIdSchema,
  TenantInputSchema,
  type HistoryEntry,
  type OperatorDto,
  type QuotaDto,
  type QuotaLimits,
  type QuotaScope,
  type RecordSource,
  type ResourceAmounts,
  type RoleId,
  type TenantDto,
  type Usage,
  type WhoAmI,
} from '../../src-preload/contract';
import type { Db } from '../store/database';
import { AppException } from '../util/app-exception';
import { RESOURCES, type ScopeUsage } from './quota';
import { groupMatches, NO_GROUPS, type GroupSource } from './groups';
import { roleActions, type Identity } from './roles';
import { USAGE_BASIS, UsageReader } from './usage';

export interface TenancyServiceOptions {
  db: Db;
  /** The OS user running Cairn (currentOperator()); they are bootstrapped as Administrator on a fresh install. */
  operator: string;
  /** Demo installs give newly discovered tenants plausible fleet quotas, recorded with source 'demo'. */
  demoQuotas?: boolean;
  /** Whether every cluster has synced once: demo quotas wait for it, or a half-synced tenant would get a quota below its real usage. */
  inventoryComplete?: () => boolean;
  now?: () => Date;
  /** Resolves a user's directory groups for central group bindings (default: none). */
  groups?: GroupSource;
}

interface TenantRow { id: string; name: string; description: string; source: RecordSource; created_at: string; updated_at: string }
interface QuotaRow { tenant_id: string; scope_kind: QuotaScope['kind']; scope_id: string; vcpu: number | null; mem_bytes: number | null; storage_bytes: number | null; guests: number | null; source: RecordSource; updated_at: string; updated_by: string }
interface OperatorRow { name: string; roles: string; tenants: string | null; source: RecordSource; created_at: string; updated_at: string }

/** What the SCMP connector hands over: central tenants, identities and quotas, upserted with source 'central'. */
export interface CentralSnapshot {
  tenants: { id: string; name: string; description?: string }[];
  operators: { name: string; roles: RoleId[]; tenants: string[] | null }[];
  quotas?: { tenantId: string; scope: QuotaScope; limits: QuotaLimits }[];
  /** Roles bound to directory groups; when present they replace the previous central group bindings. */
  groupBindings?: { group: string; role: RoleId; tenant: string | null }[];
}

const scopeId = (s: QuotaScope): string => (s.kind === 'fleet' ? '' : s.id);
const scopeOf = (kind: QuotaScope['kind'], id: string): QuotaScope => (kind === 'fleet' ? { kind } : { kind, id });
const noLimits = (l: QuotaLimits): boolean => RESOURCES.every((r) => l[r] === null);

export class TenancyService {
  readonly usageReader: UsageReader;
  private readonly db: Db;
  private readonly now: () => Date;
  readonly operatorName: string;
  private readonly demoQuotas: boolean;
  private readonly inventoryComplete: () => boolean;
  private readonly groups: GroupSource;

  constructor(o: TenancyServiceOptions) {
    this.db = o.db;
    this.now = o.now ?? (() => new Date());
    this.operatorName = o.operator;
    this.demoQuotas = o.demoQuotas ?? false;
    this.inventoryComplete = o.inventoryComplete ?? (() => true);
    this.groups = o.groups ?? NO_GROUPS;
    this.usageReader = new UsageReader(o.db);
    this.bootstrap();
  }

  /** A fresh install has no operators: whoever runs it first is its Administrator (there is nobody else to ask). */
  private bootstrap(): void {
    this.db.transaction(() => {
      const n = this.db.prepare('SELECT COUNT(*) FROM tenancy_operators').pluck().get() as number;
      if (n > 0) return;
      const at = this.now().toISOString();
      const row: OperatorRow = { name: this.operatorName, roles: JSON.stringify(['administrator']), tenants: null, source: 'local', created_at: at, updated_at: at };
      this.insertOperator(row);
      this.record('bootstrap', 'operator', row.name, null, this.operatorDto(row));
    })();
  }

  // ---- identities -----------------------------------------------------------------------

  /**
   * The identity of a user name: their own operator record plus the central bindings of the
   * directory groups they belong to (roles add up; one fleet-wide grant makes the scope
   * fleet-wide). Someone with neither is a Viewer of everything until an administrator adds them.
   */
  identity(name: string = this.operatorName): Identity & { known: boolean } {
    const row = this.db.prepare('SELECT * FROM tenancy_operators WHERE name = ?').get(name) as OperatorRow | undefined;
    const grants = this.groupGrants(name);
    if (!row && grants.length === 0) return { name, roles: ['viewer'], tenants: null, known: false };
    const own = row ? this.operatorDto(row) : null;
    const roles = new Set<RoleId>([...(own?.roles ?? []), ...grants.map((g) => g.role)]);
    const fleetWide = (own !== null && own.tenants === null) || grants.some((g) => g.tenant === null);
    const tenants = fleetWide ? null : [...new Set([...(own?.tenants ?? []), ...grants.map((g) => g.tenant as string)])].sort();
    return { name, roles: ROLE_IDS.filter((r) => roles.has(r)), tenants, known: true };
  }

  /** Central bindings of the groups `name` belongs to. */
  private groupGrants(name: string): { group: string; role: RoleId; tenant: string | null }[] {
    const bindings = this.db.prepare('SELECT grp AS "group", role, tenant FROM tenancy_group_bindings').all() as { group: string; role: RoleId; tenant: string | null }[];
    if (bindings.length === 0) return [];
    const mine = this.groups.groupsOf(name);
    return bindings.filter((b) => ROLE_IDS.includes(b.role) && groupMatches(b.group, mine));
  }

  /** The central role bindings to directory groups. */
  groupBindings(): { group: string; role: RoleId; tenant: string | null }[] {
    return this.db.prepare('SELECT grp AS "group", role, tenant FROM tenancy_group_bindings ORDER BY grp, role').all() as { group: string; role: RoleId; tenant: string | null }[];
  }

  whoami(): WhoAmI {
    const id = this.identity();
    const actions = new Set(id.roles.flatMap((r) => roleActions(r)));
    return { name: id.name, roles: [...id.roles], tenants: id.tenants ? [...id.tenants] : null, known: id.known, actions: [...actions] };
  }

  operators(): OperatorDto[] {
    return (this.db.prepare('SELECT * FROM tenancy_operators ORDER BY name').all() as OperatorRow[]).map((r) => this.operatorDto(r));
  }

  saveOperator(actor: string, input: unknown, source: RecordSource = 'local'): OperatorDto {
    const parsed = OperatorInputSchema.safeParse(input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new AppException('invalid_request', `Operator: ${issue?.message ?? 'invalid'}`, { field: issue?.path.join('.') || 'name' });
    }
    const { name, tenants } = parsed.data;
    const roles = ROLE_IDS.filter((r) => parsed.data.roles.includes(r));
    if (roles.includes('tenant_admin') && (tenants === null || tenants.length === 0))
      throw new AppException('invalid_request', 'A Tenant admin needs at least one tenant to administer', { field: 'tenants' });
    if (tenants) for (const t of tenants) if (!this.tenantRow(t)) throw new AppException('not_found', `No tenant ${t}`, { field: 'tenants' });
    return this.db.transaction(() => {
      const before = this.db.prepare('SELECT * FROM tenancy_operators WHERE name = ?').get(name) as OperatorRow | undefined;
      const at = this.now().toISOString();
      const row: OperatorRow = {
        name,
        roles: JSON.stringify(roles),
        tenants: tenants === null ? null : JSON.stringify([...new Set(tenants)].sort()),
        source,
        created_at: before?.created_at ?? at,
        updated_at: at,
      };
      if (before) this.db.prepare('UPDATE tenancy_operators SET roles = @roles, tenants = @tenants, source = @source, updated_at = @updated_at WHERE name = @name').run(row);
      else this.insertOperator(row);
      this.assertAnAdministrator(`${name} is the last Administrator: make someone else Administrator first`);
      const after = this.operatorDto(row);
      this.record(actor, 'operator', name, before ? this.operatorDto(before) : null, after);
      return after;
    })();
  }

  removeOperator(actor: string, name: string): void {
    this.db.transaction(() => {
      const before = this.db.prepare('SELECT * FROM tenancy_operators WHERE name = ?').get(name) as OperatorRow | undefined;
      if (!before) throw new AppException('not_found', `No operator ${name}`, { field: 'name' });
      this.db.prepare('DELETE FROM tenancy_operators WHERE name = ?').run(name);
      this.assertAnAdministrator(`${name} is the last Administrator: removing them would lock everyone out of roles and quotas`);
      this.record(actor, 'operator', name, this.operatorDto(before), null);
    })();
  }

  private assertAnAdministrator(message: string): void {
    const admins = (this.db.prepare('SELECT roles FROM tenancy_operators').pluck().all() as string[]).filter((r) => this.parseRoles(r).includes('administrator')).length;
    // Throwing inside the transaction rolls the change back.
    if (admins === 0) throw new AppException('conflict', message, { field: 'roles' });
  }

  private insertOperator(row: OperatorRow): void {
    this.db.prepare('INSERT INTO tenancy_operators (name, roles, tenants, source, created_at, updated_at) VALUES (@name, @roles, @tenants, @source, @created_at, @updated_at)').run(row);
  }

  private parseRoles(json: string): RoleId[] {
    try {
      const v = JSON.parse(json) as unknown;
      // A damaged row grants nothing rather than something.
      return Array.isArray(v) ? v.filter((r): r is RoleId => RoleIdSchema.safeParse(r).success) : [];
    } catch {
      return [];
    }
  }

  private operatorDto(r: OperatorRow): OperatorDto {
    let tenants: string[] | null = null;
    if (r.tenants !== null) {
      try {
        const v = JSON.parse(r.tenants) as unknown;
        tenants = Array.isArray(v) ? v.filter((t): t is string => typeof t === 'string') : [];
      } catch {
        tenants = [];
      }
    }
    return { name: r.name, roles: this.parseRoles(r.roles), tenants, source: r.source, createdAt: r.created_at, updatedAt: r.updated_at };
  }

  // ---- tenants ---------------------------------------------------------------------------

  /**
   * Tenants seen in the inventory (`tenant-<id>` tags) get a record the first
   * time they are seen. Cheap (one DISTINCT over an indexed cache), so it runs
   * on read: the inventory fills after start-up, in the background.
   */
  discover(): number {
    const ids = this.usageReader.tenantsInInventory().filter((t) => /^[a-z0-9][a-z0-9_-]{0,63}$/.test(t));
    let added = 0;
    this.db.transaction(() => {
      for (const id of ids) {
        if (this.tenantRow(id)) continue;
        const at = this.now().toISOString();
        const row: TenantRow = { id, name: id, description: 'Discovered from the inventory (PVE tag tenant-' + id + ')', source: 'inventory', created_at: at, updated_at: at };
        this.db.prepare('INSERT INTO tenancy_tenants (id, name, description, source, created_at, updated_at) VALUES (@id, @name, @description, @source, @created_at, @updated_at)').run(row);
        this.record('inventory', 'tenant', id, null, this.tenantDto(row));
        added++;
      }
      if (this.demoQuotas && this.inventoryComplete()) this.seedDemoQuotas();
    })();
    return added;
  }

  /**
   * A demo tenant gets a fleet quota with some headroom over what it has
   * (×1.25, rounded up to whole units), so the meters show something real;
   * recorded with source 'demo' and shown as such.
   */
  private seedDemoQuotas(): void {
    // Once per tenant ever: a tenant whose quota history is empty. A quota an operator removed stays removed.
    const pending = this.db
      .prepare(
        `SELECT t.id FROM tenancy_tenants t WHERE t.source = 'inventory'
           AND NOT EXISTS (SELECT 1 FROM tenancy_history h WHERE h.kind = 'quota' AND h.subject LIKE t.id || '@%')`,
      )
      .pluck()
      .all() as string[];
    for (const id of pending) this.seedDemoQuota(id);
  }

  private seedDemoQuota(tenant: string): void {
    const u = this.usageReader.at(tenant, { kind: 'fleet' });
    const up = (n: number, step: number) => Math.max(step, Math.ceil((n * 1.25) / step) * step);
    const limits: QuotaLimits = { vcpu: up(u.vcpu, 8), memBytes: up(u.memBytes, 64 * 1024 ** 3), storageBytes: up(u.storageBytes, 1024 ** 4), guests: up(u.guests, 5) };
    this.writeQuota('demo seeding', tenant, { kind: 'fleet' }, limits, 'demo');
  }

  tenants(): TenantDto[] {
    this.discover();
    return (this.db.prepare('SELECT * FROM tenancy_tenants ORDER BY name, id').all() as TenantRow[]).map((r) => this.tenantDto(r));
  }

  saveTenant(actor: string, raw: { id: string; name: string; description?: string }, source: RecordSource = 'local'): TenantDto {
    // Central snapshots arrive here without passing the IPC schema: the same rules apply.
    const parsed = TenantInputSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new AppException('invalid_request', `Tenant: ${issue?.message ?? 'invalid'}`, { field: issue?.path.join('.') || 'id' });
    }
    const input = parsed.data;
    return this.db.transaction(() => {
      const before = this.tenantRow(input.id);
      const at = this.now().toISOString();
      const row: TenantRow = { id: input.id, name: input.name, description: input.description, source, created_at: before?.created_at ?? at, updated_at: at };
      this.db
        .prepare(
          `INSERT INTO tenancy_tenants (id, name, description, source, created_at, updated_at) VALUES (@id, @name, @description, @source, @created_at, @updated_at)
           ON CONFLICT(id) DO UPDATE SET name = excluded.name, description = excluded.description, source = excluded.source, updated_at = excluded.updated_at`,
        )
        .run(row);
      const after = this.tenantDto(row);
      this.record(actor, 'tenant', input.id, before ? this.tenantDto(before) : null, after);
      return after;
    })();
  }

  private tenantRow(id: string): TenantRow | undefined {
    return this.db.prepare('SELECT * FROM tenancy_tenants WHERE id = ?').get(id) as TenantRow | undefined;
  }

  private tenantDto(r: TenantRow): TenantDto {
    return { id: r.id, name: r.name, description: r.description, source: r.source, createdAt: r.created_at, updatedAt: r.updated_at };
  }

  // ---- quotas ----------------------------------------------------------------------------

  quotas(tenantId?: string): QuotaDto[] {
    const rows = this.db.prepare('SELECT * FROM tenancy_quotas WHERE (? IS NULL OR tenant_id = ?) ORDER BY tenant_id, scope_kind, scope_id').all(tenantId ?? null, tenantId ?? null) as QuotaRow[];
    return rows.map((r) => this.quotaDto(r));
  }

  quota(tenantId: string, scope: QuotaScope): QuotaDto | null {
    const r = this.db.prepare('SELECT * FROM tenancy_quotas WHERE tenant_id = ? AND scope_kind = ? AND scope_id = ?').get(tenantId, scope.kind, scopeId(scope)) as QuotaRow | undefined;
    return r ? this.quotaDto(r) : null;
  }

  /** Sets (or, with every limit null, removes) a tenant's quota at one scope. */
  setQuota(actor: string, tenantId: string, scope: QuotaScope, limits: QuotaLimits, source: RecordSource = 'local'): QuotaDto | null {
    this.discover();
    if (!this.tenantRow(tenantId)) throw new AppException('not_found', `No tenant ${tenantId}`, { field: 'tenantId' });
    if (scope.kind === 'site' && this.usageReader.siteName(scope.id) === null) throw new AppException('not_found', `No site ${scope.id} in the inventory`, { field: 'scope.id' });
    if (scope.kind === 'pool' && this.usageReader.pool(scope.id) === null) throw new AppException('not_found', `No pool ${scope.id} in the inventory`, { field: 'scope.id' });
    return this.db.transaction(() => this.writeQuota(actor, tenantId, scope, limits, source))();
  }

  private writeQuota(actor: string, tenantId: string, scope: QuotaScope, limits: QuotaLimits, source: RecordSource): QuotaDto | null {
    const before = this.quota(tenantId, scope);
    const subject = `${tenantId}@${scope.kind}${scope.kind === 'fleet' ? '' : `:${scope.id}`}`;
    if (noLimits(limits)) {
      if (!before) return null;
      this.db.prepare('DELETE FROM tenancy_quotas WHERE tenant_id = ? AND scope_kind = ? AND scope_id = ?').run(tenantId, scope.kind, scopeId(scope));
      this.record(actor, 'quota', subject, before, null);
      return null;
    }
    const row: QuotaRow = {
      tenant_id: tenantId,
      scope_kind: scope.kind,
      scope_id: scopeId(scope),
      vcpu: limits.vcpu,
      mem_bytes: limits.memBytes,
      storage_bytes: limits.storageBytes,
      guests: limits.guests,
      source,
      updated_at: this.now().toISOString(),
      updated_by: actor,
    };
    this.db
      .prepare(
        `INSERT INTO tenancy_quotas (tenant_id, scope_kind, scope_id, vcpu, mem_bytes, storage_bytes, guests, source, updated_at, updated_by)
         VALUES (@tenant_id, @scope_kind, @scope_id, @vcpu, @mem_bytes, @storage_bytes, @guests, @source, @updated_at, @updated_by)
         ON CONFLICT(tenant_id, scope_kind, scope_id) DO UPDATE SET vcpu = excluded.vcpu, mem_bytes = excluded.mem_bytes, storage_bytes = excluded.storage_bytes,
           guests = excluded.guests, source = excluded.source, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
      )
      .run(row);
    const after = this.quotaDto(row);
    this.record(actor, 'quota', subject, before, after);
    return after;
  }

  private quotaDto(r: QuotaRow): QuotaDto {
    const scope = scopeOf(r.scope_kind, r.scope_id);
    return {
      tenantId: r.tenant_id,
      scope,
      scopeLabel: this.usageReader.scopeLabel(scope),
      limits: { vcpu: r.vcpu, memBytes: r.mem_bytes, storageBytes: r.storage_bytes, guests: r.guests },
      source: r.source,
      updatedAt: r.updated_at,
      updatedBy: r.updated_by,
    };
  }

  // ---- usage -----------------------------------------------------------------------------

  /** Usage per tenant and scope, with the quota there; scopes with a quota but no guests are listed too. */
  usage(tenantId?: string): Usage {
    this.discover();
    // One read of the quotas, not one per row: a tenant spread over hundreds of edge pools has hundreds of rows.
    const key = (tenant: string, s: QuotaScope) => `${tenant}|${s.kind}|${scopeId(s)}`;
    const quotas = new Map(this.quotas(tenantId).map((q) => [key(q.tenantId, q.scope), q]));
    const rows = this.usageReader.scopes(tenantId).map((s) => ({ tenantId: s.tenant, scope: s.scope, scopeLabel: s.scopeLabel, usage: s.usage, quota: quotas.get(key(s.tenant, s.scope)) ?? null }));
    const seen = new Set(rows.map((r) => key(r.tenantId, r.scope)));
    for (const q of quotas.values()) {
      if (seen.has(key(q.tenantId, q.scope))) continue;
      rows.push({ tenantId: q.tenantId, scope: q.scope, scopeLabel: q.scopeLabel, usage: { vcpu: 0, memBytes: 0, storageBytes: 0, guests: 0 }, quota: q });
    }
    const order = { fleet: 0, site: 1, pool: 2 } as const;
    rows.sort((a, b) => a.tenantId.localeCompare(b.tenantId) || order[a.scope.kind] - order[b.scope.kind] || a.scopeLabel.localeCompare(b.scopeLabel));
    return { basis: USAGE_BASIS, rows };
  }

  /**
   * The scopes a change lands in, innermost last: the fleet always; for a
   * site, that site; for a pool, its site and the pool. Each with the
   * tenant's usage and quota there.
   */
  applicableScopes(tenantId: string, scope: QuotaScope): ScopeUsage[] {
    const chain: QuotaScope[] = [{ kind: 'fleet' }];
    if (scope.kind === 'site') chain.push(scope);
    if (scope.kind === 'pool') {
      const p = this.usageReader.pool(scope.id);
      if (!p) throw new AppException('not_found', `No pool ${scope.id} in the inventory`, { field: 'scope.id' });
      chain.push({ kind: 'site', id: p.siteId }, scope);
    }
    return chain.map((s) => ({ scopeLabel: this.usageReader.scopeLabel(s), usage: this.usageReader.at(tenantId, s), limits: this.quota(tenantId, s)?.limits ?? null }));
  }

  fleetUsage(tenantId: string): ResourceAmounts {
    return this.usageReader.at(tenantId, { kind: 'fleet' });
  }

  // ---- history ---------------------------------------------------------------------------

  history(limit = 100): HistoryEntry[] {
    return this.db.prepare('SELECT seq, at, actor, kind, subject, before, after FROM tenancy_history ORDER BY seq DESC LIMIT ?').all(limit) as HistoryEntry[];
  }

  private record(actor: string, kind: HistoryEntry['kind'], subject: string, before: unknown, after: unknown): void {
    this.db
      .prepare('INSERT INTO tenancy_history (at, actor, kind, subject, before, after) VALUES (?, ?, ?, ?, ?, ?)')
      .run(this.now().toISOString(), actor, kind, subject, before === null ? null : JSON.stringify(before), after === null ? null : JSON.stringify(after));
  }

  // ---- SCMP ------------------------------------------------------------------------------

  /**
   * Upserts central tenants, identities and quotas with source 'central', in
   * one transaction (all or nothing). Local records that the snapshot does
   * not name are kept: removing them is a decision, not a sync side effect.
   * Refused whole if it would leave no Administrator.
   */
  importFromCentral(snapshot: CentralSnapshot, actor = 'scmp'): { tenants: number; operators: number; quotas: number } {
    return this.db.transaction(() => {
      for (const t of snapshot.tenants) this.saveTenant(actor, { id: t.id, name: t.name, description: t.description ?? '' }, 'central');
      for (const o of snapshot.operators) this.saveOperator(actor, o, 'central');
      for (const q of snapshot.quotas ?? []) {
        if (!this.tenantRow(q.tenantId)) throw new AppException('not_found', `Central quota for unknown tenant ${q.tenantId}`, { field: 'quotas' });
        this.writeQuota(actor, q.tenantId, q.scope, q.limits, 'central');
      }
      if (snapshot.groupBindings) {
        const before = this.groupBindings();
        const at = this.now().toISOString();
        this.db.prepare('DELETE FROM tenancy_group_bindings').run();
        const insert = this.db.prepare("INSERT INTO tenancy_group_bindings (grp, role, tenant, source, updated_at) VALUES (?, ?, ?, 'central', ?)");
        for (const b of snapshot.groupBindings) insert.run(b.group, b.role, b.tenant, at);
        const after = this.groupBindings();
        if (JSON.stringify(before) !== JSON.stringify(after)) // Identity grants, recorded with the operators' history.
          this.record(actor, 'operator', 'directory groups', before, after);
      }
      return { tenants: snapshot.tenants.length, operators: snapshot.operators.length, quotas: snapshot.quotas?.length ?? 0 };
    })();
  }
}
