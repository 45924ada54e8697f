/**
 * Options of the TwelveLabs sandbox, their defaults, and their validation. Every default mirrors
 * the real API (limits from `functions/core/config/limits.ts`); tests lower the ones that cost time.
 */

import { S3_LIMITS, TWELVELABS_LIMITS } from "../../functions/core/config/limits.js";
import { MiB } from "../cli/text.js";
import {
  COMMON_DEFAULTS,
  type CommonSandboxOptions,
  MAX_PRESIGN_SECONDS,
  type ResolvedOptions,
  resolveOptions,
} from "../sandbox-kit/sandbox-options.js";
import type { AnswerRewriter, FaultEndpoint, SandboxFaults } from "./faults.js";
import { validateFaults } from "./faults-schema.js";

/** Defaults of {@link TwelveLabsSandboxOptions}. */
export const SANDBOX_DEFAULTS = {
  bucket: "twelvelabs-sandbox-assets",
  ...COMMON_DEFAULTS,
  chunkSize: 8 * MiB,
  minChunkSize: S3_LIMITS.minPartSize,
  maxTotalSize: TWELVELABS_LIMITS.maxFileSize,
  initialUrls: 5,
  urlLifetimeSeconds: TWELVELABS_LIMITS.urlLifetimeSeconds,
  sessionLifetimeSeconds: TWELVELABS_LIMITS.sessionLifetimeSeconds,
  strictHeaders: false,
} as const;

/** Options of `startTwelveLabsSandbox` (bucket default: "twelvelabs-sandbox-assets"). */
export interface TwelveLabsSandboxOptions
  extends CommonSandboxOptions<FaultEndpoint, SandboxFaults, AnswerRewriter> {
  /** Chunk size the sandbox prefers, in bytes. @default 8 MiB */
  readonly chunkSize?: number;
  /** Smallest chunk size handed out (S3's part minimum); tests may lower it. @default 5 MiB */
  readonly minChunkSize?: number;
  /** Largest `total_size` a create accepts. @default TWELVELABS_LIMITS.maxFileSize (4 GB) */
  readonly maxTotalSize?: number;
  /** Presigned URLs in the create answer; the rest come from presigned-urls. @default 5 */
  readonly initialUrls?: number;
  /** Lifetime of one upload session, in seconds. @default 86400 */
  readonly sessionLifetimeSeconds?: number;
  /**
   * Refuse a part PUT that omits an upload header or sends another value. By default any
   * Content-Type (or none) is taken, as S3 takes it for URLs that sign only `host` and as the
   * real service takes the official SDK's `application/octet-stream`. @default false
   */
  readonly strictHeaders?: boolean;
}

/** {@link TwelveLabsSandboxOptions} with every default applied. */
export type ResolvedSandboxOptions = ResolvedOptions<TwelveLabsSandboxOptions>;

/** Applies the defaults and refuses values the sandbox cannot honour, naming the option. */
export function resolveSandboxOptions(options: TwelveLabsSandboxOptions): ResolvedSandboxOptions {
  const d = SANDBOX_DEFAULTS;
  return resolveOptions(
    options,
    { label: "TwelveLabs sandbox", defaults: d, apiKeyPrefix: "tlk_sandbox_", validateFaults },
    {
      chunkSize: options.chunkSize ?? d.chunkSize,
      minChunkSize: options.minChunkSize ?? d.minChunkSize,
      maxTotalSize: options.maxTotalSize ?? d.maxTotalSize,
      initialUrls: options.initialUrls ?? d.initialUrls,
      sessionLifetimeSeconds: options.sessionLifetimeSeconds ?? d.sessionLifetimeSeconds,
      strictHeaders: options.strictHeaders ?? d.strictHeaders,
    },
    [
      ["chunkSize", 1, Number.MAX_SAFE_INTEGER],
      ["minChunkSize", 1, Number.MAX_SAFE_INTEGER],
      ["maxTotalSize", 1, Number.MAX_SAFE_INTEGER],
      ["initialUrls", 0, Number.MAX_SAFE_INTEGER],
      ["urlLifetimeSeconds", 1, MAX_PRESIGN_SECONDS],
      ["sessionLifetimeSeconds", 1, Number.MAX_SAFE_INTEGER],
    ],
  );
}
