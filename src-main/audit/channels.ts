/**
 * Which contract channels change something (and are recorded in the audit
 * trail) and which only read. Every channel is classified here explicitly;
 * a test fails when a channel is added to the contract without a line in
 * this table, and until then an unclassified channel is recorded (the safe
 * default), never silently skipped.
 */
import type { Channel } from '../../src-preload/contract';

export type ChannelClass =
  /** Changes state, signs, exports or runs something: recorded with its outcome. */
  | { audit: true; action: string }
  /** Reads only (or moves bytes of a transfer another, audited channel accounts for). */
  | { audit: false; why: 'read' | 'transfer' | 'check' };

const A = (action: string): ChannelClass => ({ audit: true, action });
const READ: ChannelClass = { audit: false, why: 'read' };
/** Offline checks or probes that change nothing. */
const CHECK: ChannelClass = { audit: false, why: 'check' };
/** Chunks of an upload or download; the import/attach/export that uses them is recorded. */
const TRANSFER: ChannelClass = { audit: false, why: 'transfer' };

export const CHANNEL_AUDIT: Partial<Record<Channel, ChannelClass>> = {
  'app:info': READ,
  'app:status': READ,
  'settings:get': READ,
  'settings:set': A('settings.set'),
  'connections:list': READ,
  'connections:probe': CHECK,
  'connections:add': A('connections.add'),
  'connections:test': CHECK,
  'connections:remove': A('connections.remove'),
  'connections:repin': A('connections.repin'),
  'fleet:summary': READ,
  'fleet:sites': READ,
  'fleet:site': READ,
  'fleet:host': READ,
  'fleet:guests': READ,
  'fleet:search': READ,
  'fleet:rrd': READ,
  'fleet:syncState': READ,
  'fleet:syncNow': A('fleet.syncNow'),
  'ssh:probeHostKey': CHECK,
  'ssh:trustHostKey': A('ssh.trustHostKey'),
  'ssh:keys': READ,
  'ssh:addKey': A('ssh.addKey'),
  'attestation:list': READ,
  'attestation:detail': READ,
  'attestation:policy:get': READ,
  'attestation:policy:set': A('attestation.policySet'),
  'attestation:attestNow': A('attestation.attestNow'),
  'attestation:verifyFiles': A('attestation.verifyFiles'),
  'attestation:target:get': READ,
  'attestation:target:save': A('attestation.targetSave'),
  'attestation:target:forget': A('attestation.targetForget'),
  'custody:appliances': READ,
  'custody:appliance': READ,
  'custody:createJob': A('custody.createJob'),
  'custody:registerAppliance': A('custody.registerAppliance'),
  // Both the check and the signing are recorded; `apply` in the details tells them apart (the CSV itself is not kept).
  'custody:registerManifest': A('custody.registerManifest'),
  'custody:record': A('custody.record'),
  'custody:export': A('custody.export'),
  'custody:exportPdf': A('custody.exportPdf'),
  'custody:verify': CHECK,
  'custody:fieldRecord': A('custody.fieldRecord'),
  'custody:exportFieldLog': A('custody.exportFieldLog'),
  'custody:mergeFieldLog': A('custody.mergeFieldLog'),
  'custody:merges': READ,
  'sites:list': READ,
  'sites:get': READ,
  'sites:save': A('sites.save'),
  'sites:catalogue': READ,
  'sites:applyPreset': A('sites.applyPreset'),
  'survey:list': READ,
  'survey:get': READ,
  'survey:save': A('survey.save'),
  'survey:upload': TRANSFER,
  'survey:attach': A('survey.attach'),
  'survey:detach': A('survey.detach'),
  'survey:sign': A('survey.sign'),
  'survey:linkPlan': A('survey.linkPlan'),
  'survey:export': A('survey.export'),
  'survey:import': A('survey.import'),
  'survey:merge': A('survey.merge'),
  'survey:resolve': A('survey.resolve'),
  'survey:report': A('survey.report'),
  'survey:download': TRANSFER,
  'capacity:overview': READ,
  'capacity:pool': READ,
  'capacity:history': READ,
  'capacity:whatIf': READ,
  'capacity:place': READ,
  'capacity:sizePool': READ,
  'capacity:catalogue': READ,
  'topology:fleet': READ,
  'topology:site': READ,
  'topology:host': READ,
  'topology:network': READ,
  'topology:saveLayout': A('topology.saveLayout'),
  'topology:resetLayout': A('topology.resetLayout'),
  'alerts:list': READ,
  'alerts:acknowledge': A('alerts.acknowledge'),
  'alerts:events': READ,
  'alerts:thresholds': READ,
  'alerts:setThresholds': A('alerts.setThresholds'),
  'scmp:status': READ,
  'scmp:connect': A('scmp.connect'),
  'scmp:disconnect': A('scmp.disconnect'),
  'scmp:syncNow': A('scmp.syncNow'),
  'scmp:outbox': READ,
  'scmp:queue': A('scmp.queue'),
  'operations:plan': A('operations.plan'),
  'operations:bulkPlan': A('operations.bulkPlan'),
  'operations:apply': A('operations.apply'),
  'operations:applyBatch': A('operations.applyBatch'),
  'operations:list': READ,
  'operations:get': READ,
  'operations:batch': READ,
  'operations:cancel': A('operations.cancel'),
  'pve:tasks': READ,
  'pve:fleetTasks': READ,
  'pve:taskLog': READ,
  'tenancy:tenants': READ,
  'tenancy:saveTenant': A('tenancy.saveTenant'),
  'tenancy:quotas': READ,
  'tenancy:setQuota': A('tenancy.setQuota'),
  'tenancy:usage': READ,
  'tenancy:operators': READ,
  'tenancy:saveOperator': A('tenancy.saveOperator'),
  'tenancy:removeOperator': A('tenancy.removeOperator'),
  'tenancy:whoami': READ,
  'tenancy:roles': READ,
  'tenancy:history': READ,
  'audit:list': READ,
  'audit:export': A('audit.export'),
  'audit:verify': CHECK,
  'audit:head': READ,
  'updates:status': READ,
  'updates:check': A('updates.check'),
  'updates:fromFolder': A('updates.fromFolder'),
  'updates:install': A('updates.install'),
};

/** How a channel is treated; an unclassified one is recorded under its own name. */
export function classify(channel: Channel): ChannelClass {
  return CHANNEL_AUDIT[channel] ?? { audit: true, action: channel.replace(/:/g, '.') };
}
