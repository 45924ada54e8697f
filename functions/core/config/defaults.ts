/**
 * The relay's defaults and the bounds of its tunables: what a deployment gets when its props
 * say nothing, and what the construct and the handlers both refuse.
 */

import type { ProviderName } from "./environment.js";
import {
  S3_LIMITS,
  SPATIALGEN_ENDPOINTS,
  SPATIALGEN_LIMITS,
  TWELVELABS_ENDPOINTS,
  TWELVELABS_LIMITS,
} from "./limits.js";

/** Defaults of the relay pipeline; every one can be overridden by construct props or env. */
export const RELAY_DEFAULTS = {
  /** Chunks moved by one transfer invocation (one Map item). */
  chunksPerBatch: 8,
  /** Chunks moving at once inside one transfer invocation. */
  transferConcurrency: 4,
  /** Transfer invocations running at once (the Map's MaxConcurrency). */
  mapConcurrency: 8,
  /** A stored URL that expires sooner than this is refreshed before use, in seconds. */
  urlRefreshMarginSeconds: 300,
  /** Seconds between two status polls. */
  pollIntervalSeconds: 5,
  /** Polls before the relay gives up on a session that stays active. */
  maxPolls: 720,
  /**
   * Timeout of one attempt of a provider API call, connect to last byte, in milliseconds. An
   * attempt is also cut at the invocation's deadline (`deadline.ts`), whichever comes first.
   */
  apiTimeoutMs: 30_000,
  /**
   * Attempts of one provider API call (first try included). 429, 5xx, transport failures and
   * 2xx answers that are not JSON or exceed {@link API_ANSWER_MAX_BYTES} all spend them.
   */
  apiMaxAttempts: 5,
  /**
   * Least time an attempt of a provider API call needs, in milliseconds: a retry whose wait
   * would leave less than this before the invocation's deadline is not made.
   */
  apiMinAttemptMs: 1_000,
  /** Compare a chunk's MD5-looking ETag with the MD5 of the bytes sent. */
  verifyEtag: true,
  /** Seconds between two reads of an asset's indexing status. */
  indexPollIntervalSeconds: 30,
  /** Status reads before an indexing that stays pending is given up (2 h at 30 s). */
  maxIndexPolls: 240,
} as const;

/**
 * Bounds of the tunables, `[min, max]` inclusive: the construct refuses props outside them and
 * the handlers refuse such env values, so a deployment and its functions agree.
 */
export const RELAY_LIMITS = {
  chunksPerBatch: [1, 50],
  transferConcurrency: [1, 32],
  mapConcurrency: [1, 40],
  maxPolls: [1, 100_000],
  pollIntervalSeconds: [1, 3600],
  maxIndexPolls: [1, 100_000],
  indexPollIntervalSeconds: [1, 3600],
  transferMemorySize: [128, 10_240],
} as const;

/** Provider of a pipeline whose props name none. */
export const DEFAULT_PROVIDER: ProviderName = "twelvelabs";

/** Per-provider defaults; adding a provider means one `PROVIDER_NAMES` member and one entry here. */
export const PROVIDER_DEFAULTS: {
  readonly [P in ProviderName]: {
    /** API base URL. */
    readonly baseUrl: string;
    /** Hosts its presigned URLs may point at (`*.` wildcard allowed). */
    readonly allowedUrlHosts: readonly string[];
    /** Largest file the provider documents, in bytes: the default of `maxFileSize`. */
    readonly maxFileSize: number;
    /** Most chunks one URL or report call may carry: the ceiling of `chunksPerBatch`. */
    readonly maxChunksPerCall: number;
    /** Has a cancel call, so the fail step needs its API key (SpatialGen's group cancel). */
    readonly cancelsSessions: boolean;
  };
} = {
  twelvelabs: {
    baseUrl: TWELVELABS_ENDPOINTS.baseUrl,
    allowedUrlHosts: TWELVELABS_ENDPOINTS.presignedUrlHosts,
    maxFileSize: TWELVELABS_LIMITS.maxFileSize,
    maxChunksPerCall: TWELVELABS_LIMITS.maxUrlsPerCall,
    cancelsSessions: false,
  },
  spatialgen: {
    baseUrl: SPATIALGEN_ENDPOINTS.origin,
    allowedUrlHosts: SPATIALGEN_ENDPOINTS.presignedUrlHosts,
    // SpatialGen publishes no largest file: S3's largest object bounds every relayed file.
    maxFileSize: S3_LIMITS.maxObjectSize,
    maxChunksPerCall: SPATIALGEN_LIMITS.maxUrlsPerCall,
    cancelsSessions: true,
  },
};

/**
 * Default of `maxConcurrentUploads`: 50 uploads × (8 transfers + 1 other step) ≈ 450 Lambda
 * invocations at the peak, under half of a fresh account's concurrency of 1,000.
 */
export const DEFAULT_MAX_CONCURRENT_UPLOADS = 50;
