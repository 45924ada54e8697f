/**
 * End to end on the embedded local stack, with small chunks so that many cases stay fast:
 * rejections, duplicate events, overwrites, awkward keys, provider faults and chunks the
 * provider marks failed. The state machine is the CDK-synthesized one throughout.
 */

import { randomBytes } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type LocalRelay, startLocalRelay } from "../../local/local-relay.js";
import type { FaultEndpoint, FaultRoll } from "../../local/twelvelabs-sandbox/index.js";
import {
  captureOutput,
  drop,
  expectDelivered,
  expectNoSecrets,
  historiesOf,
  logsSince,
} from "./relay-harness.js";

const MiB = 1024 * 1024;
const CHUNK = MiB;
const MAX_FILE_SIZE = 8 * MiB;

/** A fault roll that never hits (every rate in these tests is below it). */
const NO_FAULT = 0.999;
/**
 * The one fault each endpoint's next roll for it meets, then none: the sandbox names every
 * roll's endpoint and fault, so a test scripts which call fails whatever order calls come in.
 */
const planned: Partial<Record<FaultEndpoint, FaultRoll["kind"]>> = {};

let relay: LocalRelay;
let output: ReturnType<typeof captureOutput>;

beforeAll(async () => {
  output = captureOutput();
  relay = await startLocalRelay({
    maxFileSize: MAX_FILE_SIZE,
    // 1 MiB chunks (below S3's real 5 MiB minimum, which the sandbox allows for fast tests).
    sandbox: {
      chunkSize: CHUNK,
      minChunkSize: CHUNK,
      initialUrls: 3,
      random: ({ endpoint, kind }) => {
        if (planned[endpoint] !== kind) return NO_FAULT;
        delete planned[endpoint];
        return 0;
      },
    },
    // Two chunks per Map item, so a few MiB make several batches.
    settings: { chunksPerBatch: 2 },
  });
});

afterEach(() => {
  relay.sandbox?.setFaults({});
  for (const endpoint of Object.keys(planned) as FaultEndpoint[]) delete planned[endpoint];
});

afterAll(async () => {
  output?.stop();
  await relay?.stop();
});

/** Sessions the provider has opened so far. */
const sessionCount = (): number => relay.sandbox?.sessions().length ?? 0;

describe("the relay, end to end: what is refused", () => {
  it.each([
    ["an empty object", 0, /empty \(0 bytes\)/],
    ["an object over the provider's limit", MAX_FILE_SIZE + 1, /accepts at most 8388608 bytes/],
  ])("rejects %s with a recorded reason and opens no session", async (_name, size, reason) => {
    const sessionsBefore = sessionCount();
    const key = `rejected/${size}.mp4`;
    const relayed = await drop(relay, key, randomBytes(size));

    expect(relayed.execution.status).toBe("FAILED");
    expect(relayed.execution.error).toBe("RelayFailed");
    expect(relayed.record.status).toBe("rejected");
    expect(relayed.record.error?.message).toMatch(reason);
    expect(relayed.record.uploadId).toBeUndefined();
    expect(sessionCount()).toBe(sessionsBefore);
    const failed = relay.events.list.find(
      (e) => e.detailType === "Upload Failed" && e.detail.uploadKey === relayed.record.uploadKey,
    );
    expect(failed?.detail).toMatchObject({
      key,
      status: "rejected",
      code: "RELAY_OBJECT_REJECTED",
      size,
      reason,
    });
  });
});

describe("the relay, end to end: events and keys", () => {
  it("starts no second execution for a duplicate Object Created event", async () => {
    const body = randomBytes(3 * CHUNK);
    const relayed = await drop(relay, "dup/clip.mp4", body);
    await expectDelivered(relay, relayed, body);
    const executions = relay.machine.list().length;
    const sessions = sessionCount();

    // S3 and EventBridge deliver at least once: the very same event again.
    await relay.onObjectEvent(relayed.s3Event);
    await relay.machine.waitForIdle();

    expect(relay.machine.list()).toHaveLength(executions);
    expect(sessionCount()).toBe(sessions);
  });

  it("relays an overwrite of the same key as a new upload with the new bytes", async () => {
    const first = randomBytes(2 * CHUNK + 5);
    const second = randomBytes(3 * CHUNK + 7);
    const a = await drop(relay, "overwrite/clip.mp4", first);
    const b = await drop(relay, "overwrite/clip.mp4", second);

    await expectDelivered(relay, a, first);
    await expectDelivered(relay, b, second);
    expect(b.execution.name).not.toBe(a.execution.name);
    expect(b.record.uploadKey).not.toBe(a.record.uploadKey);
    expect(b.record.assetId).not.toBe(a.record.assetId);
  });

  it.each([
    "with spaces/and more spaces.mp4",
    "plus+signs/a+b+c.mp4",
    "unicode/vidéo 日本語 🎬.mov",
    "deep/a/b/c/d/e/f/g/h/i/j/clip (final) [v2].mp4",
  ])("delivers the key %j", async (key) => {
    const body = randomBytes(CHUNK + 123);
    const relayed = await drop(relay, key, body);
    await expectDelivered(relay, relayed, body);
    expect(relayed.record.source.key).toBe(key);
  });
});

describe("the relay, end to end: faults", () => {
  it("sends again a chunk the provider marks failed, and completes", async () => {
    relay.sandbox?.setFaults({ failChunksOnFirstReport: [2] });
    const putsBefore = relay.sandbox?.calls().partPut ?? 0;
    const body = randomBytes(4 * CHUNK);
    const relayed = await drop(relay, "faults/failed-chunk.mp4", body);

    await expectDelivered(relay, relayed, body);
    // Four chunks, and chunk 2 once more.
    expect((relay.sandbox?.calls().partPut ?? 0) - putsBefore).toBe(5);
    const polls = relayed.execution.history.filter(
      (e) => e.type === "StateExited" && "state" in e && e.state.name === "PollStatus",
    );
    expect(polls.map((e) => ("state" in e ? e.state.output : undefined))).toContainEqual(
      expect.objectContaining({ state: "resend", batches: [{ first: 2, last: 2 }] }),
    );
  });

  it("rides out 429s and 500s from every endpoint and from chunk PUTs", async () => {
    // One fault on each endpoint's first call, whatever order the concurrent calls come in,
    // so no call fails twice and none can exhaust its retries.
    Object.assign(planned, {
      create: "500",
      presignedUrls: "429",
      report: "500",
      status: "429",
      partPut: "500",
    } satisfies Partial<Record<FaultEndpoint, FaultRoll["kind"]>>);
    const flaky = { error500Rate: 0.2, error429Rate: 0.2, retryAfterSeconds: 0 };
    relay.sandbox?.setFaults({
      create: flaky,
      presignedUrls: flaky,
      report: flaky,
      status: flaky,
      partPut: { error500Rate: 0.3 },
    });
    const before = relay.sandbox?.faultsInjected() ?? {};
    const body = randomBytes(7 * CHUNK + 1);
    const relayed = await drop(relay, "faults/flaky.mp4", body);
    await expectDelivered(relay, relayed, body);
    // Every scripted fault was really hit: one per endpoint, and no other.
    expect(planned).toEqual({});
    const after = relay.sandbox?.faultsInjected() ?? {};
    const hits = Object.entries(after).reduce(
      (sum, [endpoint, n]) => sum + n - (before[endpoint as keyof typeof before] ?? 0),
      0,
    );
    expect(hits).toBe(5);
  });

  it("leaves no presigned URL or API key in any execution history or log line", async () => {
    // An upload of its own that fetches URLs past the create call's three and resends a
    // chunk the provider marks failed, so presigned URLs pass through every step.
    relay.sandbox?.setFaults({ failChunksOnFirstReport: [2] });
    const logsBefore = relay.logs.length;
    const body = randomBytes(5 * CHUNK + 1);
    const relayed = await drop(relay, "faults/secrets.mp4", body);
    await expectDelivered(relay, relayed, body);

    // The functions' log lines, as CloudWatch Logs would hold them.
    const logs = logsSince(relay, logsBefore);
    expect(logs).toContain('"message":"transfer done"');
    expectNoSecrets(relay, logs);
    expectNoSecrets(relay, historiesOf([relayed.execution]));
  });
});
