/** The TwelveLabs sandbox: a local emulator of the v1.3 multipart-upload API. */

export type { EndpointFaults, SandboxFaults } from "./faults.js";
export {
  SANDBOX_DEFAULTS,
  type TwelveLabsSandboxOptions,
} from "./sandbox-options.js";
export type { SessionStatus } from "./session-store.js";
export {
  type SandboxSessionSummary,
  startTwelveLabsSandbox,
  type TwelveLabsSandbox,
} from "./twelvelabs-sandbox.js";
