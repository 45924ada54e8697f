/**
 * Admission control on a real local DynamoDB (dynalite) with a test clock: slots up to the
 * limit, waiters in order of arrival, idempotent grants and releases, waiters that stopped
 * polling, expired leases, racing grants; and the acquire-slot step's wire shape.
 */

import { CreateTableCommand } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { InvalidInputError } from "../../../functions/core/errors.js";
import { acquireSlot } from "../../../functions/core/steps/acquire-slot.js";
import {
  SLOT_POLL_FAR_SECONDS,
  SLOT_POLL_GRACE_MS,
  SLOT_POLL_SECONDS,
  type SlotRequest,
  UploadSlots,
} from "../../../functions/core/upload-slots.js";
import { type LocalStack, startLocalStack } from "../../../local/local-stack.js";

let stack: LocalStack;
let tableCount = 0;
let clock = 0;
let slots: UploadSlots;

beforeAll(async () => {
  stack = await startLocalStack({ buckets: [] });
});

afterAll(async () => {
  await stack?.stop();
});

/** A fresh table per test, so that each starts with no slots and no waiters. */
beforeEach(async () => {
  tableCount += 1;
  const tableName = `slots-${tableCount}`;
  const keys = ["pk", "sk"];
  await stack.dynamodb.client.send(
    new CreateTableCommand({
      TableName: tableName,
      AttributeDefinitions: keys.map((name) => ({ AttributeName: name, AttributeType: "S" })),
      KeySchema: keys.map((name, i) => ({ AttributeName: name, KeyType: i ? "RANGE" : "HASH" })),
      BillingMode: "PAY_PER_REQUEST",
    }),
  );
  clock = 1_000_000;
  slots = UploadSlots.fromClient(stack.dynamodb.client, { tableName, now: () => clock });
});

/** An upload key (32 hex characters) for a short name. */
const key = (name: string): string => Buffer.from(name).toString("hex").padEnd(32, "0");

/** The request of upload `name`, arrived at `arrivedAt`. */
const request = (name: string, arrivedAt: number, limit = 2): SlotRequest => ({
  uploadKey: key(name),
  arrivedAt,
  limit,
  leaseMs: 3_600_000,
});

const granted = { granted: true };
const waiting = (ahead: number, waitSeconds = SLOT_POLL_SECONDS) => ({
  granted: false,
  ahead,
  waitSeconds,
});

describe("Class: UploadSlots", () => {
  it("grants up to the limit, then lets the waiters in by order of arrival", async () => {
    expect(await slots.acquire(request("a", 1))).toEqual(granted);
    expect(await slots.acquire(request("b", 2))).toEqual(granted);
    expect(await slots.acquire(request("c", 3))).toEqual(waiting(0));
    expect(await slots.acquire(request("d", 4))).toEqual(waiting(1));
    expect(Object.keys(await slots.holders()).sort()).toEqual([key("a"), key("b")]);

    expect(await slots.release(key("a"))).toBe(true);
    // d polls first, but c arrived first: the free slot is c's.
    expect(await slots.acquire(request("d", 4))).toEqual(waiting(1));
    expect(await slots.acquire(request("c", 3))).toEqual(granted);
    expect(await slots.acquire(request("d", 4))).toEqual(waiting(0));

    expect(await slots.release(key("b"))).toBe(true);
    expect(await slots.acquire(request("d", 4))).toEqual(granted);
    expect(Object.keys(await slots.holders()).sort()).toEqual([key("c"), key("d")]);
  });

  it("answers a repeated acquire after its grant, and a repeated release, without change", async () => {
    expect(await slots.acquire(request("a", 1, 1))).toEqual(granted);
    expect(await slots.acquire(request("a", 1, 1))).toEqual(granted);
    expect(Object.keys(await slots.holders())).toEqual([key("a")]);
    expect(await slots.release(key("a"))).toBe(true);
    expect(await slots.release(key("a"))).toBe(false);
    // A release for an upload that never held a slot changes nothing.
    expect(await slots.release(key("never"))).toBe(false);
    expect(await slots.holders()).toEqual({});
  });

  it("tells waiters far back in line to poll less often", async () => {
    expect(await slots.acquire(request("a", 1, 1))).toEqual(granted);
    expect(await slots.acquire(request("b", 2, 1))).toEqual(waiting(0));
    expect(await slots.acquire(request("c", 3, 1))).toEqual(waiting(1));
    // Two live waiters ahead are two rounds of the limit: it waits the longer interval.
    expect(await slots.acquire(request("d", 4, 1))).toEqual(waiting(2, SLOT_POLL_FAR_SECONDS));
  });

  it("lets no waiter that stopped polling hold the line", async () => {
    expect(await slots.acquire(request("a", 1, 1))).toEqual(granted);
    expect(await slots.acquire(request("b", 2, 1))).toEqual(waiting(0));
    expect(await slots.acquire(request("c", 3, 1))).toEqual(waiting(1));
    await slots.release(key("a"));
    // b never polls again (its execution was stopped). Within its poll interval and grace it
    // still holds its place...
    clock += SLOT_POLL_SECONDS * 1000 + SLOT_POLL_GRACE_MS;
    expect(await slots.acquire(request("c", 3, 1))).toEqual(waiting(1));
    // ...past them it is passed over (and its waiter item removed).
    clock += 1;
    expect(await slots.acquire(request("c", 3, 1))).toEqual(granted);
    // If b comes back, it lines up again, at its own arrival.
    expect(await slots.acquire(request("b", 2, 1))).toEqual(waiting(0));
  });

  it("drops a holder whose lease ended without a release", async () => {
    expect(await slots.acquire({ ...request("a", 1, 1), leaseMs: 1000 })).toEqual(granted);
    expect(await slots.acquire(request("b", 2, 1))).toEqual(waiting(0));
    clock += 1001;
    expect(await slots.acquire(request("b", 2, 1))).toEqual(granted);
    expect(Object.keys(await slots.holders())).toEqual([key("b")]);
  });

  it("never grants more than the limit to uploads racing for the slots", async () => {
    const names = Array.from({ length: 10 }, (_, i) => `r${i}`);
    const answers = await Promise.all(
      names.map((name, i) => slots.acquire(request(name, 10 + i, 3))),
    );
    const holders = Object.keys(await slots.holders());
    expect(holders.length).toBeLessThanOrEqual(3);
    expect(answers.filter((a) => a.granted)).toHaveLength(holders.length);
    // Whoever lost a race asks again later: the slots fill up to the limit, no further.
    for (const [i, name] of names.entries()) await slots.acquire(request(name, 10 + i, 3));
    expect(Object.keys(await slots.holders())).toHaveLength(3);
  });
});

describe("Function: acquireSlot (the step)", () => {
  const input = {
    uploadKey: key("s"),
    arrivedAt: "2026-01-02T03:04:05.678Z",
    maxConcurrentUploads: 1,
    slotLeaseSeconds: 60,
  };

  it("asks for a slot by the execution's start and answers what the Choice and Wait read", async () => {
    const seen: SlotRequest[] = [];
    const deps = (answer: Awaited<ReturnType<UploadSlots["acquire"]>>) => ({
      slots: {
        acquire: async (request: SlotRequest) => {
          seen.push(request);
          return answer;
        },
      },
    });
    expect(await acquireSlot(input, deps({ granted: true }))).toEqual({
      uploadKey: key("s"),
      slot: "granted",
      waitSeconds: 0,
    });
    expect(seen[0]).toEqual({
      uploadKey: key("s"),
      arrivedAt: Date.parse("2026-01-02T03:04:05.678Z"),
      limit: 1,
      leaseMs: 60_000,
    });
    expect(await acquireSlot(input, deps({ granted: false, waitSeconds: 60, ahead: 4 }))).toEqual({
      uploadKey: key("s"),
      slot: "waiting",
      waitSeconds: 60,
    });
  });

  it("refuses a malformed input", async () => {
    const deps = { slots };
    await expect(acquireSlot({ ...input, maxConcurrentUploads: 0 }, deps)).rejects.toThrow(
      InvalidInputError,
    );
    await expect(acquireSlot({ ...input, arrivedAt: "yesterday" }, deps)).rejects.toThrow(
      InvalidInputError,
    );
    await expect(acquireSlot({ uploadKey: key("s") }, deps)).rejects.toThrow(InvalidInputError);
  });
});
