/**
 * End to end on the embedded local stack: objects dropped into the local S3 bucket run through
 * the CDK-synthesized state machine into the TwelveLabs sandbox, at S3's real 5 MiB part
 * minimum, and arrive byte for byte.
 */

import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalRelay, startLocalRelay } from "../../local/local-relay.js";
import {
  captureOutput,
  drop,
  expectDelivered,
  expectNoSecrets,
  historiesOf,
  logsSince,
} from "./relay-harness.js";

const MiB = 1024 * 1024;
const CHUNK = 5 * MiB;

let relay: LocalRelay;
let output: ReturnType<typeof captureOutput>;

beforeAll(async () => {
  output = captureOutput();
  relay = await startLocalRelay({
    // Two URLs at creation: every other chunk's URL must be fetched with presigned-urls.
    sandbox: { chunkSize: CHUNK, initialUrls: 2 },
  });
});

afterAll(async () => {
  output?.stop();
  await relay?.stop();
});

describe("the relay, end to end: sizes", () => {
  it.each([
    ["1 byte", 1],
    ["exactly one chunk", CHUNK],
    ["one chunk and 1 byte", CHUNK + 1],
    ["3.5 chunks", CHUNK * 3.5],
  ])("delivers %s with identical bytes", async (name, size) => {
    const body = randomBytes(size);
    const relayed = await drop(relay, `sizes/${name}.mp4`, body);
    await expectDelivered(relay, relayed, body);
    expect(relayed.record.totalChunks).toBe(Math.ceil(size / CHUNK));
  });

  it("delivers 200 MiB in 40 chunks, fetching the URLs the create call did not hand out", async () => {
    const callsBefore = relay.sandbox?.calls().presignedUrls ?? 0;
    const body = randomBytes(200 * MiB);
    const relayed = await drop(relay, "sizes/large.mp4", body);
    await expectDelivered(relay, relayed, body);
    expect(relayed.record.totalChunks).toBe(40);
    // 38 chunks had no URL at creation; windows of at most 50 per call.
    expect((relay.sandbox?.calls().presignedUrls ?? 0) - callsBefore).toBeGreaterThanOrEqual(1);
    // Transitions grow with batches, not chunks: 40 chunks in batches of 8 are 5 Map items.
    const iterations = relayed.execution.history.filter((e) => e.type === "MapIterationStarted");
    expect(iterations).toHaveLength(5);
  });

  it("leaves no presigned URL or API key in any execution history or log line", async () => {
    // An upload of its own, with chunks past the two URLs of the create call, so presigned
    // URLs from both create and presigned-urls pass through the functions.
    const logsBefore = relay.logs.length;
    const callsBefore = relay.sandbox?.calls().presignedUrls ?? 0;
    const body = randomBytes(3 * CHUNK + 1);
    const relayed = await drop(relay, "sizes/secrets.mp4", body);
    await expectDelivered(relay, relayed, body);
    expect((relay.sandbox?.calls().presignedUrls ?? 0) - callsBefore).toBeGreaterThanOrEqual(1);

    // The functions' log lines, as CloudWatch Logs would hold them.
    const logs = logsSince(relay, logsBefore);
    expect(logs).toContain('"message":"transfer done"');
    expectNoSecrets(relay, logs);
    expectNoSecrets(relay, historiesOf([relayed.execution]));
  });
});
