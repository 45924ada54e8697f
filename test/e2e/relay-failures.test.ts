/**
 * End to end on the embedded local stack: the ways an upload can fail for good. Each one must
 * end the execution through the fail step, with the reason recorded and announced, and no
 * secret in what is recorded.
 */

import { randomBytes } from "node:crypto";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type LocalRelay, startLocalRelay } from "../../local/local-relay.js";
import { drop, expectDelivered, expectNoSecrets, historiesOf, logsSince } from "./relay-harness.js";

const CHUNK = 256 * 1024;

let relay: LocalRelay;
/** Releases of the sandbox delays the gate holds, in arrival order. */
const held: (() => void)[] = [];
/** Told each time a delay is held. */
let onHeld: () => void = () => {};

/** Resolves once a sandbox call is held at the gate. */
function nextHeld(): Promise<void> {
  return new Promise((resolve) => {
    onHeld = resolve;
  });
}

beforeAll(async () => {
  relay = await startLocalRelay({
    sandbox: {
      chunkSize: CHUNK,
      minChunkSize: CHUNK,
      initialUrls: 1,
      // Every `delayMs` wait is a gate, held until the test releases it.
      sleep: () =>
        new Promise<void>((resolve) => {
          held.push(resolve);
          onHeld();
        }),
    },
    settings: { chunksPerBatch: 2 },
  });
});

afterEach(() => {
  relay.sandbox?.setFaults({});
  for (const release of held.splice(0)) release();
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
    // Hold the create call at the gate, so the overwrite lands between admit and the first chunk.
    relay.sandbox?.setFaults({ create: { delayMs: 1 } });
    const key = "fail/overwritten.mp4";
    const first = randomBytes(4 * CHUNK);
    const second = randomBytes(2 * CHUNK + 3);
    const before = relay.machine.list().length;
    const createHeld = nextHeld();

    await relay.stack.s3.client.send(
      new PutObjectCommand({ Bucket: relay.bucket, Key: key, Body: first }),
    );
    await createHeld;
    const original = relay.machine.list()[before];
    if (!original) throw new Error("the first version started no execution");
    expect(held).toHaveLength(1);
    // The overwrite's own create call is not held, and it is relayed whole while the first
    // version's create call still waits.
    relay.sandbox?.setFaults({});
    const overwrite = await drop(relay, key, second);
    expect(original.status).toBe("RUNNING");
    held.shift()?.();
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

  it("records no secret in any failure", async () => {
    // A failure of its own, after presigned URLs were handed out and refused.
    relay.sandbox?.setFaults({ partPut: { error500Rate: 1 } });
    const logsBefore = relay.logs.length;
    const relayed = await drop(relay, "fail/secrets.mp4", randomBytes(3 * CHUNK));
    expect(relayed.execution.status).toBe("FAILED");

    const failure = failureEventOf(relayed.record.uploadKey);
    expect(failure).toMatchObject({ status: "failed", code: "RELAY_CHUNK_TRANSFER" });
    expectNoSecrets(relay, JSON.stringify(failure));
    expectNoSecrets(relay, logsSince(relay, logsBefore));
    expectNoSecrets(relay, historiesOf([relayed.execution]));
  });
});
