/** What the steps need, passed in so tests and the local stack hand in their own clients. */

import type { S3Client } from "@aws-sdk/client-s3";
import type { Dispatcher } from "undici";
import type { EventPublisher } from "../event-publisher.js";
import type { Provider } from "../provider.js";
import type { UploadStore } from "../upload-store.js";

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

/** Every client a step may use. Each step takes the subset it needs. */
export interface StepDeps {
  readonly store: UploadStore;
  readonly provider: Provider;
  readonly s3: S3Client;
  readonly events: EventPublisher;
  readonly settings: RelaySettings;
  /** undici dispatcher for chunk PUTs. @default the global dispatcher */
  readonly dispatcher?: Dispatcher;
  /** Clock, for tests. @default Date.now */
  readonly now?: () => number;
}
