/**
 * End to end on the embedded local stack: admission control. With `maxConcurrentUploads` 2,
 * six objects dropped at once all arrive byte for byte, never more than two of them in flight
 * (granted a slot and not yet finished), the rest waiting their turn at `AcquireSlot`.
 */

import { randomBytes } from "node:crypto";
import { QueryCommand } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UploadSlots } from "../../functions/core/upload-slots.js";
import { type LocalRelay, startLocalRelay } from "../../local/local-relay.js";
import type { LocalExecution } from "../../local/step-functions/local-state-machine.js";
import { captureOutput, drop, expectDelivered } from "./relay-harness.js";

const MiB = 1024 * 1024;
const CHUNK = MiB;
const LIMIT = 2;

/**
 * When the upload was surely in flight: from the end of the `AcquireSlot` that granted its
 * slot to the start of `RecordSuccess`, which releases it. The slot is held at least that long,
 * so overlaps of these intervals never overstate how many uploads were in flight.
 */
function inFlight(execution: LocalExecution): { from: number; to: number } {
  const granted = execution.history.find(
    (e) =>
      e.type === "StateExited" &&
      "state" in e &&
      e.state.name === "AcquireSlot" &&
      (e.state as { output?: { slot?: string } }).output?.slot === "granted",
  );
  const finishing = execution.history.find(
    (e) => e.type === "StateEntered" && "state" in e && e.state.name === "RecordSuccess",
  );
  if (!granted || !finishing) throw new Error(`${execution.name} never held a slot`);
  return { from: granted.timestamp, to: finishing.timestamp };
}

/** The most intervals that overlap at one instant. */
function maxOverlap(intervals: readonly { from: number; to: number }[]): number {
  const edges = intervals.flatMap(({ from, to }) => [
    { at: from, delta: 1 },
    { at: to, delta: -1 },
  ]);
  // At equal instants, ends before starts: touching intervals do not overlap.
  edges.sort((a, b) => a.at - b.at || a.delta - b.delta);
  let open = 0;
  let most = 0;
  for (const { delta } of edges) {
    open += delta;
    most = Math.max(most, open);
  }
  return most;
}

let relay: LocalRelay;
let output: ReturnType<typeof captureOutput>;

beforeAll(async () => {
  output = captureOutput();
  relay = await startLocalRelay({
    maxFileSize: 8 * MiB,
    sandbox: { chunkSize: CHUNK, minChunkSize: CHUNK, initialUrls: 2 },
    settings: { chunksPerBatch: 1 },
    // The operator's way: a context key, as `cdk deploy -c relay:maxConcurrentUploads=2`.
    context: { "relay:maxConcurrentUploads": LIMIT },
  });
});

afterAll(async () => {
  output?.stop();
  await relay?.stop();
});

describe("the relay, end to end: admission control", () => {
  it("keeps at most maxConcurrentUploads in flight and delivers every object", async () => {
    const sizes = [3 * CHUNK, 1, 2 * CHUNK + 5, CHUNK, 4 * CHUNK, 7];
    const bodies = sizes.map((size) => randomBytes(size));
    const relayed = await Promise.all(
      bodies.map((body, i) => drop(relay, `admission/${i}.mp4`, body)),
    );

    for (const [i, one] of relayed.entries()) {
      await expectDelivered(relay, one, bodies[i] as Uint8Array);
    }
    const executions = relayed.map(({ execution }) => execution);
    // Some waited their turn...
    const waits = executions.flatMap((e) =>
      e.history.filter(
        (h) => h.type === "StateEntered" && "state" in h && h.state.name === "WaitForSlot",
      ),
    );
    expect(waits.length).toBeGreaterThan(0);
    // ...and never more than the limit were in flight at once.
    const overlap = maxOverlap(executions.map(inFlight));
    expect(overlap).toBeGreaterThanOrEqual(1);
    expect(overlap).toBeLessThanOrEqual(LIMIT);
    // Every slot was given back, and no waiter is left in line.
    const tableName = relay.deployed.tables[0]?.tableName as string;
    const slots = UploadSlots.fromClient(relay.stack.dynamodb.client, { tableName });
    expect(await slots.holders()).toEqual({});
    const line = await relay.stack.dynamodb.client.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: "pk = :pk AND begins_with(sk, :wait)",
        ExpressionAttributeValues: { ":pk": { S: "slots" }, ":wait": { S: "wait#" } },
      }),
    );
    expect(line.Items).toEqual([]);
  });
});
