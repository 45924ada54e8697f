/** What the steps need, passed in so tests and the local stack hand in their own clients. */

import type { S3Client } from "@aws-sdk/client-s3";
import type { Dispatcher } from "undici";
import type { RelaySettings } from "../config/settings.js";
import type { EventPublisher } from "../event-publisher.js";
import type { ProviderRegistry } from "../providers/provider-registry.js";
import type { UploadStore } from "../upload-store.js";

export type { RelaySettings };

/** Every client a step may use. Each step takes the subset it needs. */
export interface StepDeps {
  readonly store: UploadStore;
  /** The deployment's providers; a step uses the one its upload's record names. */
  readonly providers: ProviderRegistry;
  readonly s3: S3Client;
  readonly events: EventPublisher;
  readonly settings: RelaySettings;
  /** undici dispatcher for chunk PUTs. @default the global dispatcher */
  readonly dispatcher?: Dispatcher;
  /** Clock, for tests. @default Date.now */
  readonly now?: () => number;
}
