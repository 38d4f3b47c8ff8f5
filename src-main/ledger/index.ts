/**
 * The ledger: Cairn's tamper-evident, append-only logs (RFC 9162 Merkle
 * trees) with C2SP signed checkpoints and offline tlog-proof bundles. It is
 * generic: the custody chain and the audit trail each keep a MerkleLog of
 * their own event bytes; this module knows nothing of what the bytes mean.
 *
 * Verification functions return a Verdict and never throw; constructors and
 * producers throw AppException('invalid_request') on bad arguments.
 */
export { fromBase64, fromHex, toBase64, toHex } from './encoding';
export {
  consistencyProof,
  EMPTY_ROOT,
  HASH_SIZE,
  inclusionProof,
  leafHash,
  nodeHash,
  treeRoot,
  verifyConsistency,
  verifyInclusion,
  InclusionBatch,
  type ConsistencyClaim,
  type InclusionClaim,
  type SubtreeSource,
  type TreeIndex,
  type Verdict,
  type VerifyFailure,
} from './merkle';
export { MemoryMerkleTree } from './memory-tree';
export {
  LEDGER_LOG_PREFIXES,
  LEDGER_MIGRATION_SQL,
  ledgerMigrationSql,
  MerkleLog,
  type AppendResult,
  type LeafData,
  type LogEntry,
} from './merkle-log';
export {
  ed25519NoteSigner,
  formatVerifierKey,
  generateNoteKey,
  noteKeyId,
  parseCosignerKey,
  parseNote,
  parseSignerKey,
  parseVerifierKey,
  signNote,
  SIG_COSIGNATURE_V1,
  SIG_ECDSA,
  SIG_ED25519,
  verifyNote,
  type NoteSignature,
  type NoteSigner,
  type NoteVerdict,
  type NoteVerifier,
  type VerifiedSignature,
} from './note';
export {
  formatCheckpoint,
  parseCheckpoint,
  policyFromKeys,
  signCheckpoint,
  verifyCheckpoint,
  type Checkpoint,
  type CheckpointPolicy,
  type CheckpointVerdict,
} from './checkpoint';
export {
  createTlogProof,
  formatTlogProof,
  parseTlogProof,
  TLOG_PROOF_HEADER,
  verifyTlogProof,
  type ProofSource,
  type TlogProof,
  type TlogProofVerdict,
} from './tlog-proof';
export { logKeysOf, verifierKeyId, type LogKeys } from './log-keys';
export { BundleChecks, checkBundleHead, MAX_FAILURES_PER_CHECK, type BundleHead, type NamedCheck, type StatementHead } from './bundle-checks';
export { runBundleVerify, type BundleVerdict, type BundleVerifyCommand, type VerifyCliIo } from './verify-cli';
export { LEDGER_HELP, runLedgerCli, type LedgerCliIo } from './cli';
export { defaultVerifyThreads, Ed25519VerifyPool, type Ed25519Check } from './parallel-verify';
export { Ed25519SignThread, sharedSignThread, signEd25519Many, THREAD_SIGN_MIN } from './parallel-sign';
