/**
 * The options every sandbox takes, their common resolution, and the one check that gathers
 * every invalid option into one error naming them all.
 */

import { randomBytes } from "node:crypto";
import type { S3Client } from "@aws-sdk/client-s3";
import { InvalidInputError } from "../../functions/core/errors.js";
import type { FaultRandom } from "./faults.js";

/** Longest lifetime a SigV4 presigned URL may have, in seconds (7 days). */
export const MAX_PRESIGN_SECONDS = 7 * 24 * 3600;

/** Defaults every sandbox shares. */
export const COMMON_DEFAULTS = {
  /** A free port. */
  port: 0,
} as const;

/** Highest TCP port. */
const MAX_PORT = 65_535;

/** Options of every sandbox, over its fault endpoints `E`, faults `F` and answer rewriter `W`. */
export interface CommonSandboxOptions<E extends string, F, W> {
  /** S3 client of the local stack (`startLocalStack().s3.client`); must be path-style. */
  readonly s3: S3Client;
  /** Endpoint of the local S3 server (`startLocalStack().s3.endpoint`). */
  readonly s3Endpoint: string;
  /** Bucket that holds the uploads; created if missing. @default - the sandbox's own */
  readonly bucket?: string;
  /** API key the sandbox accepts. @default - a random key */
  readonly apiKey?: string;
  /** Port to listen on, on 127.0.0.1. @default 0 (a free port) */
  readonly port?: number;
  /** Lifetime of one presigned URL, in seconds. @default 3600 */
  readonly urlLifetimeSeconds?: number;
  /** Faults to inject from the start; `setFaults` replaces them later. @default none */
  readonly faults?: F;
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
  readonly random?: FaultRandom<E>;
  /**
   * How `delayMs` and `slowMs` waits are made; tests pass a gate they hold and release instead
   * of a timer. `stop()` releases pending waits either way. @default a timer
   */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Rewrites the JSON body of every successful API answer; `setRewriteAnswer` replaces it. @default none */
  readonly rewriteAnswer?: W;
}

/** {@link CommonSandboxOptions} with every default applied. */
export type ResolvedCommonOptions<E extends string, F, W> = Required<
  Omit<CommonSandboxOptions<E, F, W>, "sleep" | "rewriteAnswer">
> &
  Pick<CommonSandboxOptions<E, F, W>, "sleep" | "rewriteAnswer">;

/** A sandbox's options type with every default applied. */
export type ResolvedOptions<
  O extends { readonly sleep?: unknown; readonly rewriteAnswer?: unknown },
> = Required<Omit<O, "sleep" | "rewriteAnswer">> & Pick<O, "sleep" | "rewriteAnswer">;

/** A sandbox's own defaults of the common options. */
export interface CommonDefaults {
  readonly bucket: string;
  readonly port: number;
  readonly urlLifetimeSeconds: number;
}

/** How a sandbox resolves its options. */
export interface OptionResolution<F> {
  /** Heads the error that names every invalid option, e.g. "TwelveLabs sandbox". */
  readonly label: string;
  readonly defaults: CommonDefaults;
  /** Prefix of a random API key, as the real service's keys look. */
  readonly apiKeyPrefix: string;
  /** The sandbox's fault validation; invalid faults throw at once. */
  readonly validateFaults: (faults: unknown) => F;
}

/** An integer option's name and inclusive range. */
export type IntegerRule<O> = readonly [name: keyof O & string, min: number, max: number];

/**
 * Applies the common defaults (faults are validated at once), adds the sandbox's `own` resolved
 * options, then refuses values the sandbox cannot honour: `port`, each of `integers` in order,
 * then an empty API key or bucket, all named in one `InvalidInputError`.
 */
export function resolveOptions<E extends string, F, W, S extends object>(
  options: CommonSandboxOptions<E, F, W>,
  how: OptionResolution<F>,
  own: S,
  integers: readonly IntegerRule<ResolvedCommonOptions<E, F, W> & S>[],
): ResolvedCommonOptions<E, F, W> & S {
  const resolved: ResolvedCommonOptions<E, F, W> & S = {
    s3: options.s3,
    s3Endpoint: options.s3Endpoint,
    bucket: options.bucket ?? how.defaults.bucket,
    apiKey: options.apiKey ?? `${how.apiKeyPrefix}${randomBytes(24).toString("hex")}`,
    port: options.port ?? how.defaults.port,
    urlLifetimeSeconds: options.urlLifetimeSeconds ?? how.defaults.urlLifetimeSeconds,
    faults: how.validateFaults(options.faults ?? {}),
    now: options.now ?? Date.now,
    random: options.random ?? Math.random,
    sleep: options.sleep,
    rewriteAnswer: options.rewriteAnswer,
    ...own,
  };
  const problems: string[] = [];
  for (const [name, min, max] of [["port", 0, MAX_PORT] as const, ...integers]) {
    const value = resolved[name];
    if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min || value > max) {
      problems.push(`${name} must be an integer from ${min} to ${max}`);
    }
  }
  if (resolved.apiKey.length === 0) problems.push("apiKey must not be empty");
  if (resolved.bucket.length === 0) problems.push("bucket must not be empty");
  if (problems.length > 0) {
    throw new InvalidInputError(`${how.label} options: ${problems.join("; ")}`);
  }
  return resolved;
}
