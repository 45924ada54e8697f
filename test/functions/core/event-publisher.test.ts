/**
 * The relay's outcome events, published through the real `EventBridgeClient` to the local
 * EventBridge (`local/aws/local-eventbridge.ts`): what a consumer's rule on the bus receives,
 * and how a refused event fails the step.
 */

import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EventPublishError } from "../../../functions/core/errors.js";
import {
  EVENT_SOURCE,
  EventBridgePublisher,
  type UploadCompletedDetail,
  type UploadFailedDetail,
} from "../../../functions/core/event-publisher.js";
import {
  type EventBridgeEvent,
  type LocalEventBridge,
  startLocalEventBridge,
} from "../../../local/aws/local-eventbridge.js";

const REGION = "us-east-1";
const ACCOUNT = "123456789012";
const BUS = "relay-events";

const completed: UploadCompletedDetail = {
  schemaVersion: 1,
  uploadKey: "0123456789abcdef0123456789abcdef",
  bucket: "drop",
  key: "videos/clip.mp4",
  versionId: null,
  size: 5_000_000,
  provider: "twelvelabs",
  uploadId: "upload-1",
  assetId: "asset-1",
  durationMs: 1234,
};

const failed: UploadFailedDetail = {
  schemaVersion: 1,
  uploadKey: null,
  bucket: null,
  key: null,
  versionId: null,
  size: null,
  provider: "twelvelabs",
  status: "failed",
  code: "RELAY_UNKNOWN",
  reason: "the execution ended in an unexpected state",
  sessionCancelled: null,
};

describe("Class: EventBridgePublisher", () => {
  let bridge: LocalEventBridge;
  let client: EventBridgeClient;

  beforeAll(async () => {
    bridge = await startLocalEventBridge({ region: REGION, account: ACCOUNT });
    client = new EventBridgeClient({
      region: REGION,
      endpoint: bridge.endpoint,
      credentials: { accessKeyId: "LOCAL", secretAccessKey: "LOCAL" },
    });
  });
  afterAll(async () => {
    client?.destroy();
    await bridge?.stop();
  });

  it("puts Upload Completed on the named bus as source relay, its detail intact, and a consumer's rule receives it", async () => {
    const received: EventBridgeEvent[] = [];
    bridge.addRule({
      name: "on-completed",
      eventBusName: BUS,
      eventPattern: { source: ["relay"], "detail-type": ["Upload Completed"] },
      target: async (event) => {
        received.push(event);
      },
    });
    const before = bridge.events.length;

    await new EventBridgePublisher(client, BUS).publish("Upload Completed", completed);

    expect(EVENT_SOURCE).toBe("relay");
    expect(bridge.events.slice(before)).toEqual([
      expect.objectContaining({
        busName: BUS,
        source: "relay",
        detailType: "Upload Completed",
        detail: completed,
      }),
    ]);
    await bridge.settled();
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({
      source: "relay",
      "detail-type": "Upload Completed",
      account: ACCOUNT,
      region: REGION,
      detail: completed,
    });
  });

  it("keeps the nulls of an Upload Failed detail, so a consumer can tell an unknown field from a missing one", async () => {
    const before = bridge.events.length;
    await new EventBridgePublisher(client, BUS).publish("Upload Failed", failed);
    const [event] = bridge.events.slice(before);
    expect(event).toMatchObject({ busName: BUS, source: "relay", detailType: "Upload Failed" });
    expect(event?.detail).toEqual(failed);
    expect(Object.keys(event?.detail as object).sort()).toEqual(Object.keys(failed).sort());
  });

  it("publishes to a bus named by its ARN", async () => {
    const before = bridge.events.length;
    const arn = `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/${BUS}`;
    await new EventBridgePublisher(client, arn).publish("Upload Completed", completed);
    expect(bridge.events.slice(before).map((e) => e.busName)).toEqual([BUS]);
  });

  it("throws EventPublishError, naming the event and EventBridge's error code, when the entry is refused", async () => {
    const before = bridge.events.length;
    // A bus of another account: EventBridge answers 200 and fails the entry on its own.
    const foreign = `arn:aws:events:${REGION}:999999999999:event-bus/${BUS}`;
    const error = await new EventBridgePublisher(client, foreign)
      .publish("Upload Failed", failed)
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(EventPublishError);
    // The name is what the state machine's Retry and Catch match; the code what fail records.
    expect(error).toMatchObject({
      name: "EventPublishError",
      code: "RELAY_EVENT_PUBLISH",
      retryable: true,
    });
    expect((error as Error).message).toMatch(/^could not publish Upload Failed: InvalidArgument /);
    expect(bridge.events.length).toBe(before);
  });

  it("fails (never resolves silently) when the bus cannot be reached at all", async () => {
    const gone = await startLocalEventBridge({ region: REGION, account: ACCOUNT });
    await gone.stop();
    const unreachable = new EventBridgeClient({
      region: REGION,
      endpoint: gone.endpoint,
      credentials: { accessKeyId: "LOCAL", secretAccessKey: "LOCAL" },
      maxAttempts: 1,
    });
    try {
      await expect(
        new EventBridgePublisher(unreachable, BUS).publish("Upload Completed", completed),
      ).rejects.toThrow();
    } finally {
      unreachable.destroy();
    }
  });
});
