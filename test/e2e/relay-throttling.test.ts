/**
 * End to end on the embedded local stack with an account-wide Lambda concurrency limit far
 * below the burst's demand: objects dropped at once are all delivered byte for byte. Their
 * Tasks are throttled (`Lambda.TooManyRequestsException`) and wait under the state machine's
 * capacity Retry rule, and throttled `start` events wait in Lambda's async queue: throttling
 * queues work, it never fails an upload.
 */

import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalRelay, startLocalRelay } from "../../local/local-relay.js";
import { captureOutput, drop, expectDelivered } from "./relay-harness.js";

const MiB = 1024 * 1024;
const CHUNK = MiB;
/** Invocations the local account runs at once. */
const ACCOUNT_LIMIT = 3;

let relay: LocalRelay;
let output: ReturnType<typeof captureOutput>;

beforeAll(async () => {
  output = captureOutput();
  relay = await startLocalRelay({
    maxFileSize: 8 * MiB,
    // 1 MiB chunks (the sandbox allows them for fast tests), one chunk per Map item: an upload
    // of several chunks asks for several transfer invocations at once.
    sandbox: { chunkSize: CHUNK, minChunkSize: CHUNK, initialUrls: 2 },
    settings: { chunksPerBatch: 1, mapConcurrency: 4 },
    lambdaConcurrencyLimit: ACCOUNT_LIMIT,
  });
});

afterAll(async () => {
  output?.stop();
  await relay?.stop();
});

describe("the relay, end to end: a burst above the account's Lambda concurrency", () => {
  it("delivers every object with identical bytes, throttled but never failed", async () => {
    const sizes = [1, CHUNK, CHUNK + 1, 3.5 * CHUNK, 4 * CHUNK, 2 * CHUNK + 7];
    const bodies = sizes.map((size) => randomBytes(size));
    // Peak demand: six uploads, each up to four transfers at once, against three slots.
    const relayed = await Promise.all(bodies.map((body, i) => drop(relay, `burst/${i}.mp4`, body)));

    for (const [i, one] of relayed.entries()) {
      await expectDelivered(relay, one, bodies[i] as Uint8Array);
    }
    const { throttles, peakInFlight, inFlight } = relay.lambdaConcurrency.stats;
    expect(throttles).toBeGreaterThan(0);
    expect(peakInFlight).toBeLessThanOrEqual(ACCOUNT_LIMIT);
    expect(inFlight).toBe(0);
    // The Tasks met the throttling as Step Functions does, under its own Retry rule.
    const failures = relayed.flatMap(({ execution }) =>
      execution.history.filter((e) => e.type === "StateFailed"),
    );
    expect(failures.length).toBeGreaterThan(0);
    for (const failure of failures) {
      expect(failure).toMatchObject({ Error: "Lambda.TooManyRequestsException" });
    }
    const retried = relayed.flatMap(({ execution }) =>
      execution.history.filter((e) => e.type === "StateRetried"),
    );
    for (const retry of retried) {
      expect("retry" in retry && retry.retry.retrier.ErrorEquals).toContain(
        "Lambda.TooManyRequestsException",
      );
    }
    expect(relay.deadLetters).toEqual([]);
    expect(relay.events.list.filter((e) => e.detailType === "Upload Failed")).toEqual([]);
  });
});
