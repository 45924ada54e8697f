/** The local EventBridge against the real AWS SDK v3 client. */

import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type EventBridgeEvent,
  type LocalEventBridge,
  startLocalEventBridge,
} from "../../../local/aws/local-eventbridge.js";

const REGION = "us-east-1";
const ACCOUNT = "123456789012";
const CREDENTIALS = { accessKeyId: "LOCAL", secretAccessKey: "LOCAL" } as const;

describe("local EventBridge", () => {
  let bridge: LocalEventBridge;
  let client: EventBridgeClient;

  beforeAll(async () => {
    bridge = await startLocalEventBridge({ region: REGION, account: ACCOUNT });
    client = new EventBridgeClient({
      region: REGION,
      endpoint: bridge.endpoint,
      credentials: CREDENTIALS,
    });
  });
  afterAll(async () => {
    client?.destroy();
    await bridge?.stop();
  });

  it("records a PutEvents entry and delivers it to the matching rule only", async () => {
    const matched: EventBridgeEvent[] = [];
    const unmatched: EventBridgeEvent[] = [];
    bridge.addRule({
      name: "completed",
      eventBusName: "relay-bus",
      eventPattern: { source: ["the-relay"], "detail-type": ["Upload Completed"] },
      target: async (event) => {
        matched.push(event);
      },
    });
    bridge.addRule({
      name: "failed",
      eventBusName: "relay-bus",
      eventPattern: { source: ["the-relay"], "detail-type": ["Upload Failed"] },
      target: async (event) => {
        unmatched.push(event);
      },
    });
    const time = new Date("2025-01-02T03:04:05.678Z");
    const answer = await client.send(
      new PutEventsCommand({
        Entries: [
          {
            Source: "the-relay",
            DetailType: "Upload Completed",
            Detail: JSON.stringify({ assetId: "asset-1", size: 42 }),
            EventBusName: `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/relay-bus`,
            Resources: ["arn:aws:s3:::drop/incoming/a.mp4"],
            Time: time,
          },
        ],
      }),
    );
    expect(answer.FailedEntryCount).toBe(0);
    const eventId = answer.Entries?.[0]?.EventId;
    expect(eventId).toMatch(/^[0-9a-f-]{36}$/);

    const recorded = bridge.events.find((event) => event.id === eventId);
    expect(recorded).toMatchObject({
      busName: "relay-bus",
      source: "the-relay",
      detailType: "Upload Completed",
      detail: { assetId: "asset-1", size: 42 },
      time: "2025-01-02T03:04:05Z",
    });

    await bridge.settled();
    expect(unmatched).toEqual([]);
    expect(matched).toEqual([
      {
        version: "0",
        id: eventId,
        "detail-type": "Upload Completed",
        source: "the-relay",
        account: ACCOUNT,
        time: "2025-01-02T03:04:05Z",
        region: REGION,
        resources: ["arn:aws:s3:::drop/incoming/a.mp4"],
        detail: { assetId: "asset-1", size: 42 },
      },
    ]);
  });

  it("reports bad entries one by one, delivering the good ones", async () => {
    const before = bridge.events.length;
    const answer = await client.send(
      new PutEventsCommand({
        Entries: [
          { Source: "the-relay", DetailType: "Upload Failed", Detail: "{not json" },
          { Source: "the-relay", DetailType: "Upload Failed", Detail: JSON.stringify({ ok: 1 }) },
        ],
      }),
    );
    expect(answer.FailedEntryCount).toBe(1);
    expect(answer.Entries?.[0]).toEqual({
      ErrorCode: "MalformedDetail",
      ErrorMessage: "Detail is malformed.",
    });
    expect(answer.Entries?.[1]?.EventId).toBeDefined();
    expect(bridge.events.length).toBe(before + 1);
    expect(bridge.events.at(-1)?.busName).toBe("default");
  });

  it("validates entries like EventBridge", async () => {
    const answer = await client.send(
      new PutEventsCommand({
        Entries: [
          { DetailType: "x", Detail: "{}" },
          { Source: "the-relay", Detail: "{}" },
          { Source: "the-relay", DetailType: "x", Detail: "[1, 2]" },
          { Source: "aws.s3", DetailType: "Object Created", Detail: "{}" },
        ],
      }),
    );
    expect(answer.FailedEntryCount).toBe(4);
    expect(answer.Entries?.map((entry) => entry.ErrorCode)).toEqual([
      "InvalidArgument",
      "InvalidArgument",
      "MalformedDetail",
      "NotAuthorizedForSourceException",
    ]);
    const tooMany = Array.from({ length: 11 }, () => ({
      Source: "the-relay",
      DetailType: "x",
      Detail: "{}",
    }));
    await expect(client.send(new PutEventsCommand({ Entries: tooMany }))).rejects.toMatchObject({
      name: "ValidationException",
    });
  });

  it("delivers service events, emits every event and collects target failures", async () => {
    const seen: string[] = [];
    const listener = (event: { detailType: string }) => seen.push(event.detailType);
    bridge.emitter.on("event", listener);
    bridge.addRule({
      name: "s3-videos",
      eventPattern: {
        source: ["aws.s3"],
        "detail-type": ["Object Created"],
        detail: {
          bucket: { name: ["my-bucket"] },
          object: { key: [{ wildcard: "incoming/*.mp4" }, { wildcard: "incoming/*.mov" }] },
        },
      },
      target: async () => {
        throw new Error("target failed");
      },
    });
    const event = bridge.putEvent({
      source: "aws.s3",
      detailType: "Object Created",
      detail: { bucket: { name: "my-bucket" }, object: { key: "incoming/a.mp4", size: 1 } },
      resources: ["arn:aws:s3:::my-bucket"],
    });
    expect(event).toMatchObject({ source: "aws.s3", account: ACCOUNT, region: REGION });
    expect(bridge.events.at(-1)?.event).toBe(event);
    await bridge.settled();
    expect(seen).toEqual(["Object Created"]);
    expect(bridge.targetErrors).toHaveLength(1);
    expect(String(bridge.targetErrors[0])).toContain("target failed");
    bridge.emitter.off("event", listener);
  });

  it("refuses an invalid pattern and a duplicate rule", () => {
    const target = async () => {};
    expect(() =>
      bridge.addRule({ name: "bad", eventPattern: { source: [{ contains: "x" }] }, target }),
    ).toThrow(/contains/);
    expect(() =>
      bridge.addRule({ name: "s3-videos", eventPattern: { source: ["x"] }, target }),
    ).toThrow(/already exists/);
  });

  it("answers other operations with UnknownOperationException", async () => {
    const response = await fetch(bridge.endpoint, {
      method: "POST",
      headers: {
        "content-type": "application/x-amz-json-1.1",
        "x-amz-target": "AWSEvents.PutRule",
      },
      body: "{}",
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { __type: string }).__type).toBe(
      "UnknownOperationException",
    );
  });
});
