/**
 * End to end on the embedded local stack with faults of the AWS side: the IAM gate answers the
 * functions' ranged S3 GETs with `503 SlowDown` and their DynamoDB calls with throttling, and
 * the upload still arrives byte for byte: the SDK's retries ride out most faults, the state
 * machine's Retry the rest.
 */

import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type LocalRelay,
  type LocalRelayOptions,
  startLocalRelay,
} from "../../local/local-relay.js";
import { captureOutput, drop, expectDelivered } from "./relay-harness.js";

const MiB = 1024 * 1024;
const CHUNK = 5 * MiB;

/** Starts a relay for one describe block and stops it after. */
function relayWith(awsFaults: LocalRelayOptions["awsFaults"]): () => LocalRelay {
  let relay: LocalRelay | undefined;
  let output: ReturnType<typeof captureOutput> | undefined;
  beforeAll(async () => {
    output = captureOutput();
    relay = await startLocalRelay({
      sandbox: { chunkSize: CHUNK, initialUrls: 2 },
      ...(awsFaults ? { awsFaults } : {}),
    });
    // The first start after the functions change bundles them all.
  }, 180_000);
  afterAll(async () => {
    output?.stop();
    await relay?.stop();
  });
  return () => {
    if (!relay) throw new Error("the relay did not start");
    return relay;
  };
}

/** Rolls `values` in order, then never faults again (at any rate below 1). */
function scripted(...values: number[]): () => number {
  return () => values.shift() ?? 0.999;
}

describe("the relay, end to end: AWS-side faults at a seeded rate", () => {
  // Each kind rolls its own seeded stream, so the counts repeat from run to run.
  const relay = relayWith({ s3GetSlowDown: 0.2, dynamoThrottle: 0.2, seed: 8 });

  it("delivers identical bytes through S3 SlowDown and DynamoDB throttling", async () => {
    const body = randomBytes(CHUNK * 4.5);
    const relayed = await drop(relay(), "aws-faults/clip.mp4", body);
    // The harness reads the record and the asset with its own clients, which are never faulted.
    await expectDelivered(relay(), relayed, body);
    const counts = relay().awsFaults.counts();
    expect(counts.s3GetSlowDown).toBeGreaterThan(0);
    expect(counts.dynamoThrottle).toBeGreaterThan(0);
  });

  it("stops faulting once the rates are set to 0", async () => {
    relay().awsFaults.set({});
    const before = relay().awsFaults.counts();
    const body = randomBytes(CHUNK + 1);
    const relayed = await drop(relay(), "aws-faults/calm.mp4", body);
    await expectDelivered(relay(), relayed, body);
    expect(relay().awsFaults.counts()).toEqual(before);
  });
});

describe("the relay, end to end: AWS-side faults beyond the SDK's retries", () => {
  // The SDK makes 3 attempts: three SlowDowns in a row exhaust them for the first GET.
  const relay = relayWith({ s3GetSlowDown: 0.5, random: scripted(0, 0, 0) });

  it("carries on with the state machine's Retry once the SDK gives up", async () => {
    const body = randomBytes(1);
    const relayed = await drop(relay(), "aws-faults/exhausted.mp4", body);
    await expectDelivered(relay(), relayed, body);
    expect(relay().awsFaults.counts()).toEqual({
      s3GetSlowDown: 3,
      s3PutSlowDown: 0,
      dynamoThrottle: 0,
    });
    const retries = relayed.execution.history.filter(
      (e) => e.type === "StateRetried" && "state" in e && e.state.name === "TransferBatch",
    );
    expect(retries).toHaveLength(1);
  });
});
