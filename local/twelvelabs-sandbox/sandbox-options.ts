/**
 * Options of the TwelveLabs sandbox, their defaults, and their validation. Every default mirrors
 * the real API (limits from `functions/core/config/limits.ts`); tests lower the ones that cost time.
 */

import { S3_LIMITS, TWELVELABS_LIMITS } from "../../functions/core/config/limits.js";
import { InvalidInputError } from "../../functions/core/errors.js";
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

/** Id of the one index a sandbox has unless its `indexes` option says otherwise. */
export const DEFAULT_INDEX_ID = "relay-local-index";

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
  indexes: [DEFAULT_INDEX_ID],
  indexingSteps: 2,
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
  /**
   * Ids of the indexes that exist: indexing into any other answers 404, as the real API does
   * for an unknown index. Each id must be non-empty, and no id may repeat.
   * @default [DEFAULT_INDEX_ID] ("relay-local-index")
   */
  readonly indexes?: readonly string[];
  /**
   * How many reads (`GET .../indexed-assets/{id}`) of an indexed asset answer a status that is
   * not final before it is `ready` (or `failed`, see the `failIndexing` fault): the first such
   * read answers `pending`, the others `indexing`. Counted in reads, not time, so a test's
   * polling loop sees the same statuses whatever its speed; 0 answers `ready` at the first read.
   * @default 2
   */
  readonly indexingSteps?: number;
}

/** {@link TwelveLabsSandboxOptions} with every default applied. */
export type ResolvedSandboxOptions = ResolvedOptions<TwelveLabsSandboxOptions>;

/** Applies the defaults and refuses values the sandbox cannot honour, naming the option. */
export function resolveSandboxOptions(options: TwelveLabsSandboxOptions): ResolvedSandboxOptions {
  const d = SANDBOX_DEFAULTS;
  const indexes = options.indexes ?? d.indexes;
  checkIndexes(indexes);
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
      indexes: [...indexes],
      indexingSteps: options.indexingSteps ?? d.indexingSteps,
    },
    [
      ["chunkSize", 1, Number.MAX_SAFE_INTEGER],
      ["minChunkSize", 1, Number.MAX_SAFE_INTEGER],
      ["maxTotalSize", 1, Number.MAX_SAFE_INTEGER],
      ["initialUrls", 0, Number.MAX_SAFE_INTEGER],
      ["urlLifetimeSeconds", 1, MAX_PRESIGN_SECONDS],
      ["sessionLifetimeSeconds", 1, Number.MAX_SAFE_INTEGER],
      ["indexingSteps", 0, Number.MAX_SAFE_INTEGER],
    ],
  );
}

/** Refuses an `indexes` option that is not a list of distinct, non-empty ids. */
function checkIndexes(indexes: readonly string[]): void {
  const problems: string[] = [];
  if (!Array.isArray(indexes)) problems.push("indexes must be a list of index ids");
  else {
    if (indexes.some((id) => typeof id !== "string" || id.length === 0)) {
      problems.push("every id in indexes must be a non-empty string");
    }
    if (new Set(indexes).size !== indexes.length) problems.push("indexes must not repeat an id");
  }
  if (problems.length > 0) {
    throw new InvalidInputError(`TwelveLabs sandbox options: ${problems.join("; ")}`);
  }
}
