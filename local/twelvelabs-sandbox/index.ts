/**
 * The TwelveLabs sandbox: a local emulator of the v1.3 multipart-upload API and of the indexing
 * of an uploaded asset.
 */

export type {
  AnswerRewriter,
  ApiEndpoint,
  EndpointFaults,
  FaultEndpoint,
  FaultKind,
  FaultRandom,
  FaultRoll,
  PartPutFaults,
  SandboxFaults,
} from "./faults.js";
export { validateFaults } from "./faults-schema.js";
export type { IndexedAssetStatus } from "./index-store.js";
export {
  DEFAULT_INDEX_ID,
  SANDBOX_DEFAULTS,
  type TwelveLabsSandboxOptions,
} from "./sandbox-options.js";
export type { SessionStatus } from "./session-store.js";
export {
  type SandboxIndexedAssetSummary,
  type SandboxSessionSummary,
  startTwelveLabsSandbox,
  type TwelveLabsSandbox,
} from "./twelvelabs-sandbox.js";
