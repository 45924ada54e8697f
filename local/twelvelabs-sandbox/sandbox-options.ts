/**
 * Options of the TwelveLabs sandbox, their defaults, and their validation. Every default mirrors
 * the real API (limits from `functions/core/config/limits.ts`); tests lower the ones that cost time.
 */

import { randomBytes } from "node:crypto";
import type { S3Client } from "@aws-sdk/client-s3";
import { S3_LIMITS, TWELVELABS_LIMITS } from "../../functions/core/config/limits.js";
import { InvalidInputError } from "../../functions/core/errors.js";
import type { AnswerRewriter, FaultRandom, SandboxFaults } from "./faults.js";
import { validateFaults } from "./faults-schema.js";

const MiB = 1024 * 1024;

/** Longest lifetime a SigV4 presigned URL may have, in seconds (7 days). */
const MAX_PRESIGN_SECONDS = 7 * 24 * 3600;

/** Defaults of {@link TwelveLabsSandboxOptions}. */
export const SANDBOX_DEFAULTS = {
  bucket: "twelvelabs-sandbox-assets",
  port: 0,
  chunkSize: 8 * MiB,
  minChunkSize: S3_LIMITS.minPartSize,
  maxTotalSize: TWELVELABS_LIMITS.maxFileSize,
  initialUrls: 5,
  urlLifetimeSeconds: TWELVELABS_LIMITS.urlLifetimeSeconds,
  sessionLifetimeSeconds: TWELVELABS_LIMITS.sessionLifetimeSeconds,
  strictHeaders: false,
} as const;

/** Options of `startTwelveLabsSandbox`. */
export interface TwelveLabsSandboxOptions {
  /** S3 client of the local stack (`startLocalStack().s3.client`); must be path-style. */
  readonly s3: S3Client;
  /** Endpoint of the local S3 server (`startLocalStack().s3.endpoint`). */
  readonly s3Endpoint: string;
  /** Bucket that holds the assets; created if missing. @default "twelvelabs-sandbox-assets" */
  readonly bucket?: string;
  /** API key the sandbox accepts. @default - a random key */
  readonly apiKey?: string;
  /** Port to listen on, on 127.0.0.1. @default 0 (a free port) */
  readonly port?: number;
  /** Chunk size the sandbox prefers, in bytes. @default 8 MiB */
  readonly chunkSize?: number;
  /** Smallest chunk size handed out (S3's part minimum); tests may lower it. @default 5 MiB */
  readonly minChunkSize?: number;
  /** Largest `total_size` a create accepts. @default TWELVELABS_LIMITS.maxFileSize (4 GB) */
  readonly maxTotalSize?: number;
  /** Presigned URLs in the create answer; the rest come from presigned-urls. @default 5 */
  readonly initialUrls?: number;
  /** Lifetime of one presigned URL, in seconds. @default 3600 */
  readonly urlLifetimeSeconds?: number;
  /** Lifetime of one upload session, in seconds. @default 86400 */
  readonly sessionLifetimeSeconds?: number;
  /**
   * Refuse a part PUT that omits an upload header or sends another value. By default any
   * Content-Type (or none) is taken, as S3 takes it for URLs that sign only `host` and as the
   * real service takes the official SDK's `application/octet-stream`. @default false
   */
  readonly strictHeaders?: boolean;
  /** Faults to inject from the start; `setFaults` replaces them later. @default none */
  readonly faults?: SandboxFaults;
  /**
   * Clock of the sandbox in epoch milliseconds, so tests can expire URLs without sleeping;
   * `advanceClock` jumps it forward, whichever clock it is. @default Date.now
   */
  readonly now?: () => number;
  /**
   * Random source of the fault rolls, in [0, 1); pass a seeded one to repeat a run, or one that
   * reads each roll's endpoint and fault to script which call meets which fault.
   * @default Math.random
   */
  readonly random?: FaultRandom;
  /**
   * How `delayMs` and `slowMs` waits are made; tests pass a gate they hold and release instead
   * of a timer. `stop()` releases pending waits either way. @default a timer
   */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Rewrites the JSON body of every successful API answer; `setRewriteAnswer` replaces it. @default none */
  readonly rewriteAnswer?: AnswerRewriter;
}

/** {@link TwelveLabsSandboxOptions} with every default applied. */
export type ResolvedSandboxOptions = Required<
  Omit<TwelveLabsSandboxOptions, "sleep" | "rewriteAnswer">
> &
  Pick<TwelveLabsSandboxOptions, "sleep" | "rewriteAnswer">;

/** Applies the defaults and refuses values the sandbox cannot honour, naming the option. */
export function resolveSandboxOptions(options: TwelveLabsSandboxOptions): ResolvedSandboxOptions {
  const resolved: ResolvedSandboxOptions = {
    s3: options.s3,
    s3Endpoint: options.s3Endpoint,
    bucket: options.bucket ?? SANDBOX_DEFAULTS.bucket,
    apiKey: options.apiKey ?? `tlk_sandbox_${randomBytes(24).toString("hex")}`,
    port: options.port ?? SANDBOX_DEFAULTS.port,
    chunkSize: options.chunkSize ?? SANDBOX_DEFAULTS.chunkSize,
    minChunkSize: options.minChunkSize ?? SANDBOX_DEFAULTS.minChunkSize,
    maxTotalSize: options.maxTotalSize ?? SANDBOX_DEFAULTS.maxTotalSize,
    initialUrls: options.initialUrls ?? SANDBOX_DEFAULTS.initialUrls,
    urlLifetimeSeconds: options.urlLifetimeSeconds ?? SANDBOX_DEFAULTS.urlLifetimeSeconds,
    sessionLifetimeSeconds:
      options.sessionLifetimeSeconds ?? SANDBOX_DEFAULTS.sessionLifetimeSeconds,
    strictHeaders: options.strictHeaders ?? SANDBOX_DEFAULTS.strictHeaders,
    faults: validateFaults(options.faults ?? {}),
    now: options.now ?? Date.now,
    random: options.random ?? Math.random,
    sleep: options.sleep,
    rewriteAnswer: options.rewriteAnswer,
  };
  const problems: string[] = [];
  const checkInt = (name: keyof ResolvedSandboxOptions, min: number, max: number): void => {
    const value = resolved[name];
    if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min || value > max) {
      problems.push(`${name} must be an integer from ${min} to ${max}`);
    }
  };
  checkInt("port", 0, 65_535);
  checkInt("chunkSize", 1, Number.MAX_SAFE_INTEGER);
  checkInt("minChunkSize", 1, Number.MAX_SAFE_INTEGER);
  checkInt("maxTotalSize", 1, Number.MAX_SAFE_INTEGER);
  checkInt("initialUrls", 0, Number.MAX_SAFE_INTEGER);
  checkInt("urlLifetimeSeconds", 1, MAX_PRESIGN_SECONDS);
  checkInt("sessionLifetimeSeconds", 1, Number.MAX_SAFE_INTEGER);
  if (resolved.apiKey.length === 0) problems.push("apiKey must not be empty");
  if (resolved.bucket.length === 0) problems.push("bucket must not be empty");
  if (problems.length > 0) {
    throw new InvalidInputError(`TwelveLabs sandbox options: ${problems.join("; ")}`);
  }
  return resolved;
}
