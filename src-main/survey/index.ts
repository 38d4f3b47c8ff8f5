/**
 * Site surveys: the offline survey a field engineer fills in at a site,
 * its photos, the engineer's signature, signed bundles for USB hand-over,
 * the three-way merge of two versions, and the site-readiness report.
 */
export { SURVEY_MIGRATION_SQL } from './schema';
export { SurveyService, parseSurvey, planFromSurvey, SURVEY_PHOTOS_MAX_TOTAL, type SurveyServiceOptions, type RevisionInfo } from './service';
export { AttachmentStore, photoProblem, sniffPhotoType } from './attachments';
export { evaluateSurvey, feedBudget, MIN_CLEARANCE_FRONT_MM, MIN_CLEARANCE_REAR_MM, type SurveyEvaluation } from './evaluate';
export { ABSENT, threeWayMerge, type Choice, type MergeResult } from './merge';
export { BUNDLE_PROBLEMS, bundleRefusal, readBundle, writeBundle, SURVEY_BUNDLE_FORMAT, SURVEY_BUNDLE_MAX_BYTES, type BundleProblem, type BundleProblemCode, type ReadBundle } from './bundle';
export { ENGINEER_KEY_ACCOUNT, EngineerKeys, engineerFromSkey, newEngineerKey, signRevision, signatureProblem, type EngineerKey } from './signing';
export { canonicalJson, contentSha256, revisionId, sha256Hex } from './canonical';
export { Transfers, DOWNLOAD_CHUNK_BYTES } from './transfers';
export { buildReadinessReport, overallOf, READINESS_SCHEMA_ID, type ReadinessReport } from './report';
export { renderReadinessPdf, type ReadinessPdf } from './report-pdf';
export { runSurveyCli, SURVEY_HELP, type SurveyCliIo } from './cli';
