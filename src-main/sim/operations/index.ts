// State-changing guest and node operations: power actions, create/restore, clone, migrate,
// snapshots, destroy, config edits and vzdump. Each applies PVE's synchronous checks (which fail
// the HTTP call with 500) and starts a worker task whose own checks and effects happen in the
// task (which fails the task, not the call) — the same split qemu-server and pve-container make.
// Effects land when the task ends; locks are held while it runs.

export { assertQuorate, kindOf, onlineNodes, type OpContext } from './context';
export { power, type PowerAction, type PowerOptions } from './power';
export { migrate, type MigrateOptions } from './migrate';
export { clone, type CloneOptions } from './clone';
export { create } from './create';
export { snapshotCreate, snapshotDelete, snapshotRollback } from './snapshots';
export { destroy } from './destroy';
export { updateConfig, updateConfigAsync } from './config';
export { vzdump } from './vzdump';
