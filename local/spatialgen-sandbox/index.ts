/** The SpatialGen sandbox: a local emulator of the direct-upload API. */

export type { FileStatus, GroupStatus } from "./group-store.js";
export {
  type SpatialGenAnswerRewriter,
  type SpatialGenApiEndpoint,
  type SpatialGenFaultEndpoint,
  type SpatialGenFaultRandom,
  type SpatialGenFaultRoll,
  type SpatialGenSandboxFaults,
  validateSpatialGenFaults,
} from "./sandbox-faults.js";
export {
  SPATIALGEN_SANDBOX_DEFAULTS,
  type SpatialGenSandboxOptions,
} from "./sandbox-options.js";
export {
  type SandboxFileSummary,
  type SandboxGroupSummary,
  type SpatialGenSandbox,
  startSpatialGenSandbox,
} from "./spatialgen-sandbox.js";
