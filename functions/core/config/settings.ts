/** The tunables the steps run with, derived from a function's environment and the defaults. */

/** Tunables of the steps. */
export interface RelaySettings {
  /** Chunks per Map item. */
  readonly chunksPerBatch: number;
  /** Chunks moving at once inside one transfer invocation. */
  readonly transferConcurrency: number;
  /** Polls before a session that stays active is given up. */
  readonly maxPolls: number;
  /** URLs expiring sooner than this are refreshed before use, in milliseconds. */
  readonly urlRefreshMarginMs: number;
  /**
   * Compare a chunk's MD5-looking ETag with the MD5 of the bytes sent. Off only for a receiver
   * whose ETags look like MD5s but are not (S3 with SSE-KMS or SSE-C). @default true
   */
  readonly verifyEtag?: boolean;
}
