/**
 * Outcome events for whatever comes next (indexing, embedding, alerting). On AWS they go to an
 * EventBridge bus; locally the runner collects them.
 */

import { type EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { EventPublishError } from "./errors.js";

/** `source` of every event the relay publishes. */
export const EVENT_SOURCE = "relay";

/** Detail of an `Upload Completed` event. */
export interface UploadCompletedDetail {
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
export interface UploadFailedDetail {
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

/** The events the relay publishes, by detail-type. */
export interface RelayEvents {
  "Upload Completed": UploadCompletedDetail;
  "Upload Failed": UploadFailedDetail;
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
