/**
 * Options of the SpatialGen sandbox, their defaults, and their validation. Every default mirrors
 * the real API (limits from `functions/core/config/limits.ts`); tests lower the ones that cost time.
 */

import { S3_LIMITS, SPATIALGEN_LIMITS } from "../../functions/core/config/limits.js";
import { MiB } from "../cli/text.js";
import {
  COMMON_DEFAULTS,
  type CommonSandboxOptions,
  MAX_PRESIGN_SECONDS,
  type ResolvedOptions,
  resolveOptions,
} from "../sandbox-kit/sandbox-options.js";
import {
  type SpatialGenAnswerRewriter,
  type SpatialGenFaultEndpoint,
  type SpatialGenSandboxFaults,
  validateSpatialGenFaults,
} from "./sandbox-faults.js";

/** Defaults of {@link SpatialGenSandboxOptions}. */
export const SPATIALGEN_SANDBOX_DEFAULTS = {
  bucket: "spatialgen-sandbox-library",
  ...COMMON_DEFAULTS,
  /** The docs' example answer's `partSizeBytes` (104857600). */
  partSize: 100 * MiB,
  minPartSize: S3_LIMITS.minPartSize,
  urlLifetimeSeconds: SPATIALGEN_LIMITS.urlLifetimeSeconds,
  groupLifetimeSeconds: SPATIALGEN_LIMITS.groupLifetimeSeconds,
} as const;

/**
 * Options of `startSpatialGenSandbox` (bucket default: "spatialgen-sandbox-library"; the key is
 * sent in `X-SPATIALGEN-APPKEY`).
 */
export interface SpatialGenSandboxOptions
  extends CommonSandboxOptions<
    SpatialGenFaultEndpoint,
    SpatialGenSandboxFaults,
    SpatialGenAnswerRewriter
  > {
  /** Part size the sandbox prefers; a file no larger is `single_put`. @default 100 MiB */
  readonly partSize?: number;
  /** Smallest part size handed out (S3's part minimum); tests may lower it. @default 5 MiB */
  readonly minPartSize?: number;
  /** Lifetime of one upload group, in seconds. @default 432000 (5 days) */
  readonly groupLifetimeSeconds?: number;
}

/** {@link SpatialGenSandboxOptions} with every default applied. */
export type ResolvedSpatialGenOptions = ResolvedOptions<SpatialGenSandboxOptions>;

/** Applies the defaults and refuses values the sandbox cannot honour, naming the option. */
export function resolveSpatialGenOptions(
  options: SpatialGenSandboxOptions,
): ResolvedSpatialGenOptions {
  const d = SPATIALGEN_SANDBOX_DEFAULTS;
  return resolveOptions(
    options,
    {
      label: "SpatialGen sandbox",
      defaults: d,
      apiKeyPrefix: "sg_sandbox_",
      validateFaults: validateSpatialGenFaults,
    },
    {
      partSize: options.partSize ?? d.partSize,
      minPartSize: options.minPartSize ?? d.minPartSize,
      groupLifetimeSeconds: options.groupLifetimeSeconds ?? d.groupLifetimeSeconds,
    },
    [
      ["partSize", 1, Number.MAX_SAFE_INTEGER],
      ["minPartSize", 1, Number.MAX_SAFE_INTEGER],
      ["urlLifetimeSeconds", 1, MAX_PRESIGN_SECONDS],
      ["groupLifetimeSeconds", 1, Number.MAX_SAFE_INTEGER],
    ],
  );
}
