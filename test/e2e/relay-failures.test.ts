/**
 * End to end on the embedded local stack: the ways an upload can fail for good. Each one must
 * end the execution through the fail step, with the reason recorded and announced, and no
 * secret in what is recorded.
 */

import { randomBytes } from "node:crypto";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { type LocalRelay, startLocalRelay } from "../../local/local-relay.js";
import { allHistories, drop, expectDelivered, expectNoSecrets } from "./relay-harness.js";

const CHUNK = 256 * 1024;

let relay: LocalRelay;

beforeAll(async () => {
  relay = await startLocalRelay({
    sandbox: { chunkSize: CHUNK, minChunkSize: CHUNK, initialUrls: 1 },
    settings: { chunksPerBatch: 2 },
  });
});

afterEach(() => {
  relay.sandbox?.setFaults({});
});

afterAll(async () => {
  await relay?.stop();
});

/** The `Upload Failed` event of an upload. */
function failureEventOf(uploadKey: string) {
  const event = relay.events.list.find(
    (e) => e.detailType === "Upload Failed" && e.detail.uploadKey === uploadKey,
  );
  return event?.detailType === "Upload Failed" ? event.detail : undefined;
}

describe("the relay, end to end: failures", () => {
  it("fails with the chunk error recorded when every chunk PUT is refused", async () => {
    relay.sandbox?.setFaults({ partPut: { error500Rate: 1 } });
    const relayed = await drop(relay, "fail/refused.mp4", randomBytes(3 * CHUNK));

    expect(relayed.execution.status).toBe("FAILED");
    expect(relayed.execution.error).toBe("RelayFailed");
    expect(relayed.record.status).toBe("failed");
    expect(relayed.record.error).toMatchObject({ code: "RELAY_CHUNK_TRANSFER" });
    expect(relayed.record.error?.message).toMatch(/PUT answered HTTP 500/);
    // Retried by the state machine (States.ALL: 4 retries) before it gave up on a batch.
    const retries = relayed.execution.history.filter(
      (e) => e.type === "StateRetried" && "state" in e && e.state.name === "TransferBatch",
    );
    expect(retries.length).toBeGreaterThanOrEqual(4);
    expect(failureEventOf(relayed.record.uploadKey)).toMatchObject({
      status: "failed",
      code: "RELAY_CHUNK_TRANSFER",
      key: "fail/refused.mp4",
    });
  });

  it("fails with RELAY_SOURCE_CHANGED when the object is overwritten mid-upload, and relays the new version", async () => {
    // Hold the create call, so the overwrite lands between admit and the first chunk.
    relay.sandbox?.setFaults({ create: { delayMs: 1000 } });
    const key = "fail/overwritten.mp4";
    const first = randomBytes(4 * CHUNK);
    const second = randomBytes(2 * CHUNK + 3);
    const before = relay.machine.list().length;
    const put = (body: Uint8Array) =>
      relay.stack.s3.client.send(
        new PutObjectCommand({ Bucket: relay.bucket, Key: key, Body: body }),
      );

    await put(first);
    const original = await vi.waitFor(
      () => {
        const execution = relay.machine.list()[before];
        const creating = execution?.history.some(
          (e) => e.type === "StateEntered" && "state" in e && e.state.name === "CreateSession",
        );
        if (!execution || !creating) throw new Error("not creating the session yet");
        return execution;
      },
      { timeout: 10_000, interval: 10 },
    );
    relay.sandbox?.setFaults({});
    const overwrite = await drop(relay, key, second);
    await original.done;

    expect(original.status).toBe("FAILED");
    const failed = relay.events.list.find(
      (e) =>
        e.detailType === "Upload Failed" &&
        e.detail.key === key &&
        e.detail.uploadKey !== overwrite.record.uploadKey,
    );
    expect(failed?.detail).toMatchObject({ status: "failed", code: "RELAY_SOURCE_CHANGED" });
    // The new version is its own upload, and arrives whole.
    await expectDelivered(relay, overwrite, second);
  });

  it("records no secret in any failure", () => {
    const recorded = JSON.stringify(relay.events.list);
    expect(recorded).toContain("Upload Failed");
    expectNoSecrets(relay, recorded);
    expectNoSecrets(relay, allHistories(relay));
  });
});
