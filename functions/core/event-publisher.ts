/**
 * Outcome events for whatever comes next (indexing, embedding, alerting). On AWS they go to an
 * EventBridge bus; locally the runner collects them.
 */

import { type EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { EventPublishError } from "./errors.js";

/** `source` of every event the relay publishes. */
export const EVENT_SOURCE = "relay";

/**
 * Version of the events' detail schemas, in every detail as `schemaVersion`. Fields may be
 * added within a version; a field removed, renamed or changed in meaning makes the next one,
 * so a rule can match the version it was written for.
 */
export const EVENT_SCHEMA_VERSION = 1;

/** What every event's detail carries first. */
export interface VersionedDetail {
  /** {@link EVENT_SCHEMA_VERSION} of the relay that published the event. */
  readonly schemaVersion: typeof EVENT_SCHEMA_VERSION;
}

/** Detail of an `Upload Completed` event. */
export interface UploadCompletedDetail extends VersionedDetail {
  readonly uploadKey: string;
  readonly bucket: string;
  readonly key: string;
  readonly versionId: string | null;
  readonly size: number;
  readonly provider: string;
  readonly uploadId: string;
  readonly assetId: string;
  /** From admission to completion, in milliseconds. */
  readonly durationMs: number;
}

/** Detail of an `Upload Failed` event (rejections included, with `status: "rejected"`). */
export interface UploadFailedDetail extends VersionedDetail {
  readonly uploadKey: string | null;
  readonly bucket: string | null;
  readonly key: string | null;
  readonly versionId: string | null;
  readonly size: number | null;
  /** The provider the upload was routed to; null when the execution failed before it was. */
  readonly provider: string | null;
  readonly status: "failed" | "rejected";
  readonly code: string;
  readonly reason: string;
  /**
   * Whether the provider session was given up (SpatialGen cancels the group): null when the
   * upload had none open, false when the provider could not be told (it then expires).
   */
  readonly sessionCancelled: boolean | null;
}

/** What both indexing events say about the upload and its index. */
export interface IndexingDetail extends VersionedDetail {
  readonly uploadKey: string;
  readonly bucket: string;
  readonly key: string;
  readonly provider: string;
  readonly assetId: string;
  readonly indexId: string;
}

/** Detail of an `Asset Indexed` event: a completed upload's asset is ready in its index. */
export interface AssetIndexedDetail extends IndexingDetail {
  readonly indexedAssetId: string;
  /** From the index request to the ready answer, in milliseconds. */
  readonly durationMs: number;
}

/**
 * Detail of an `Asset Indexing Failed` event: the upload stays completed, its asset unindexed.
 * `indexedAssetId` is null when the index request itself was refused.
 */
export interface AssetIndexingFailedDetail extends IndexingDetail {
  readonly indexedAssetId: string | null;
  readonly code: string;
  readonly reason: string;
}

/** The events the relay publishes, by detail-type. */
export interface RelayEvents {
  "Upload Completed": UploadCompletedDetail;
  "Upload Failed": UploadFailedDetail;
  "Asset Indexed": AssetIndexedDetail;
  "Asset Indexing Failed": AssetIndexingFailedDetail;
}

/** Publishes relay events. */
export interface EventPublisher {
  publish<T extends keyof RelayEvents>(detailType: T, detail: RelayEvents[T]): Promise<void>;
}

/** Publishes to an EventBridge bus. */
export class EventBridgePublisher implements EventPublisher {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly busName: string,
  ) {}

  async publish<T extends keyof RelayEvents>(detailType: T, detail: RelayEvents[T]): Promise<void> {
    const out = await this.client.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: this.busName,
            Source: EVENT_SOURCE,
            DetailType: detailType,
            Detail: JSON.stringify(detail),
          },
        ],
      }),
    );
    if ((out.FailedEntryCount ?? 0) > 0) {
      const entry = out.Entries?.[0];
      throw new EventPublishError(
        `could not publish ${detailType}: ${entry?.ErrorCode ?? "unknown"} ${entry?.ErrorMessage ?? ""}`,
      );
    }
  }
}
