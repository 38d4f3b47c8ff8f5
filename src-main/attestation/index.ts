/**
 * Attestation: offline verification of AMD SEV-SNP reports and Intel TDX
 * quotes against pinned vendor roots, with a relying-party policy, giving a
 * plain JSON-able verdict. This is the module's public surface; other domains
 * and the CLI import from here only.
 */
export { ChainCache, type ChainCacheStats } from './chain-cache';
export { ATTEST_HELP, formatVerdict, parseMinTcb, runAttestCli, type AttestCliOptions, type AttestIo } from './cli';
export { AMD_PINS, DEFAULT_PINS, INTEL_SGX_ROOT_PIN, identifyAmdCert, type AmdPins, type AmdRole, type TrustPins } from './pins';
export { SNP_REPORT_SIZE, SNP_SIGNED_SIZE, decodeSnpReport, decodeTcb, productFromCpuid } from './snp-report';
export { verifySnpReport, type SnpEvidence, type SnpVerifyOptions } from './snp-verify';
export { decodeTdxQuote, verifyTdxQuote, type TdxCollateral, type TdxVerifyOptions } from './tdx-verify';
export { EMPTY_TRUST, loadTrustDir, trustFromBytes, type TrustStore } from './trust-store';
export * from './types';
export { AttestationRepo, DEFAULT_POLICY } from './attestation-repo';
export { AttestationService, STALE_AFTER_SECONDS, type AttestationServiceOptions } from './attestation-service';
export { PRODUCTION_COLLECTORS, SNPGUEST_COLLECT } from './collect-commands';
export { decodeBundle, encodeBundle, parseCollectorOutput, type SnpEvidenceFiles } from './evidence-bundle';
export { FleetAttestedHosts, formatAge } from './attested-hosts';
export { SshTargetRepo } from './ssh-target-repo';
export { TDX_TSM_COLLECT, TSM_REPORT_ROOT, tdxCollector, tsmQuoteStep } from './collect-commands';
export { tdxCollateralFromDir, TDX_COLLATERAL_SUBDIR } from './tdx-collateral-dir';
