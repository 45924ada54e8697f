/** The sandbox kit: what the TwelveLabs and SpatialGen sandboxes share, each thing once. */

export {
  type AnswerRewriter,
  type ApiAnswer,
  type ApiListenerDeps,
  type ApiRoute,
  createApiListener,
  decodePathSegment,
} from "./api-listener.js";
export { contentTypeFor } from "./content-type.js";
export {
  apiRefusalAnswer,
  deliverAnswer,
  PROXY_ERROR_PAGE,
  resetMidBody,
  s3RefusalAnswer,
} from "./fault-answers.js";
export {
  type EndpointFaults,
  FaultInjector,
  type FaultKind,
  type FaultPlan,
  type FaultRandom,
  type FaultRefusal,
  type FaultRoll,
  type FaultSource,
  type FaultsByEndpoint,
  PART_PUT,
  type PartPutEndpoint,
  type PartPutFaults,
} from "./faults.js";
export {
  endpointFaultsSchema,
  faultsSchemaOf,
  parseFaults,
  partPutFaultsSchema,
} from "./faults-schema.js";
export {
  drainRequest,
  errorAnswer,
  type JsonBodyRules,
  jsonAnswer,
  type Outgoing,
  readJsonBody,
  SandboxHttpError,
  s3ErrorAnswer,
  writeAnswer,
} from "./http-io.js";
export { parseOrThrow } from "./parse-request.js";
export { PartGate, type PartGateDeps, type PartUploads } from "./part-gate.js";
export {
  canonicalQuery,
  type IssuedPartUrl,
  type PartCommand,
  type PartUrlDetails,
  PartUrlSigner,
  type PartUrlSignerDeps,
} from "./part-url-signer.js";
export { ensureBucket, readObject, streamObject } from "./sandbox-bucket.js";
export { SandboxClock } from "./sandbox-clock.js";
export {
  type SandboxControls,
  type SandboxHost,
  type SandboxHostOptions,
  startSandboxHost,
} from "./sandbox-host.js";
export {
  COMMON_DEFAULTS,
  type CommonDefaults,
  type CommonSandboxOptions,
  type IntegerRule,
  MAX_PRESIGN_SECONDS,
  type OptionResolution,
  type ResolvedCommonOptions,
  type ResolvedOptions,
  resolveOptions,
} from "./sandbox-options.js";
export { normalizeEtag, type StoredPart } from "./stored-part.js";
