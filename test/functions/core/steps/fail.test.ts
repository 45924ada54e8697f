/**
 * The fail step (state `RecordFailure`), on the local stack: the real store and upload slots on
 * dynalite, the real admit step on s3rver for the rejections, and `Upload Failed` published
 * through the real `EventBridgeClient` to the local EventBridge. Each test hands fail the state
 * the state machine's Catch would: the failed state's input plus `error: {Error, Cause}`, the
 * Cause built by `lambdaErrorCause` as Step Functions builds it for a Lambda error.
 */

import { randomBytes } from "node:crypto";
import { CreateTableCommand } from "@aws-sdk/client-dynamodb";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ChunkTransferError,
  EventPublishError,
  InvalidInputError,
  ObjectRejectedError,
  ObjectSupersededError,
} from "../../../../functions/core/errors.js";
import {
  EventBridgePublisher,
  type UploadCompletedDetail,
  type UploadFailedDetail,
} from "../../../../functions/core/event-publisher.js";
import { createProvider } from "../../../../functions/core/providers/create-provider.js";
import { ProviderRegistry } from "../../../../functions/core/providers/provider-registry.js";
import { admit } from "../../../../functions/core/steps/admit.js";
import { type FailDeps, fail } from "../../../../functions/core/steps/fail.js";
import type { ExecutionInput } from "../../../../functions/core/steps/step-inputs.js";
import { uploadKeyOf } from "../../../../functions/core/upload-identity.js";
import { UploadSlots } from "../../../../functions/core/upload-slots.js";
import { UploadStore } from "../../../../functions/core/upload-store.js";
import {
  type LocalEventBridge,
  startLocalEventBridge,
} from "../../../../local/aws/local-eventbridge.js";
import { type LocalStack, startLocalStack } from "../../../../local/local-stack.js";
import { lambdaErrorCause } from "../../../../local/step-functions/lambda-error.js";

const BUCKET = "drop";
const TABLE = "relay-fail";
const BUS = "relay-events";
const ACCOUNT = "123456789012";
const PROVIDER = "twelvelabs";
const SLOT = { limit: 1, leaseMs: 3_600_000 } as const;

let stack: LocalStack;
let bridge: LocalEventBridge;
let eventsClient: EventBridgeClient;
let store: UploadStore;
let slots: UploadSlots;
let deps: FailDeps;
let dropped = 0;

/** The Catch's `$.error` for an error a step threw, as Step Functions reports a Lambda error. */
function caught(error: Error): { Error: string; Cause: string } {
  return { Error: error.name, Cause: JSON.stringify(lambdaErrorCause(error)) };
}

/** Every `Upload Failed` detail on the bus for this upload key (or for no key, with `null`). */
function failedEvents(uploadKey: string | null, key?: string): UploadFailedDetail[] {
  return bridge.events
    .filter((e) => e.detailType === "Upload Failed")
    .map((e) => e.detail as UploadFailedDetail)
    .filter((d) => d.uploadKey === uploadKey && (key === undefined || d.key === key));
}

/** Puts random bytes into the drop bucket; answers the execution input `start` would build. */
async function drop(size: number): Promise<ExecutionInput> {
  const key = `videos/fail-${++dropped}.mp4`;
  const put = await stack.s3.client.send(
    new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: randomBytes(size) }),
  );
  const etag = (put.ETag ?? "").replace(/"/g, "");
  return { bucket: BUCKET, key, size, etag, versionId: null, sequencer: String(dropped) };
}

/** An execution input for an object that was never put (fail reads no S3). */
function inputFor(name: string): ExecutionInput {
  return {
    bucket: BUCKET,
    key: `videos/${name}-${++dropped}.mp4`,
    size: 3_000_000,
    etag: `etag${dropped}`,
    versionId: null,
    sequencer: String(dropped),
  };
}

/** An upload admitted, holding a slot and transferring: what a Catch after CreateSession sees. */
async function transferring(): Promise<{ uploadKey: string; input: ExecutionInput }> {
  const input = inputFor("clip");
  const uploadKey = uploadKeyOf(input);
  const { bucket, key, versionId, etag, size } = input;
  await store.claim(uploadKey, { bucket, key, versionId, etag, size }, PROVIDER);
  const answer = await slots.acquire({ uploadKey, arrivedAt: dropped, ...SLOT });
  expect(answer).toEqual({ granted: true });
  await store.claimSession(uploadKey, {
    uploadId: `upload-${dropped}`,
    assetId: `asset-${dropped}`,
    files: [
      {
        fileId: `upload-${dropped}`,
        size: 3_000_000,
        partSize: 2_000_000,
        firstChunk: 1,
        parts: 2,
      },
    ],
    totalChunks: 2,
    uploadHeaders: {},
    sessionExpiresAt: Date.now() + 3_600_000,
  });
  await store.savePlan(uploadKey, `upload-${dropped}`, [
    { index: 1, start: 0, size: 2_000_000 },
    { index: 2, start: 2_000_000, size: 1_000_000 },
  ]);
  expect((await store.require(uploadKey)).status).toBe("transferring");
  return { uploadKey, input };
}

describe("Function: fail", () => {
  beforeAll(async () => {
    stack = await startLocalStack({ buckets: [BUCKET] });
    const keys = ["pk", "sk"];
    await stack.dynamodb.client.send(
      new CreateTableCommand({
        TableName: TABLE,
        AttributeDefinitions: keys.map((name) => ({ AttributeName: name, AttributeType: "S" })),
        KeySchema: keys.map((name, i) => ({ AttributeName: name, KeyType: i ? "RANGE" : "HASH" })),
        BillingMode: "PAY_PER_REQUEST",
      }),
    );
    bridge = await startLocalEventBridge({ region: stack.region, account: ACCOUNT });
    eventsClient = new EventBridgeClient({
      region: stack.region,
      endpoint: bridge.endpoint,
      credentials: { accessKeyId: "LOCAL", secretAccessKey: "LOCAL" },
    });
    store = UploadStore.fromClient(stack.dynamodb.client, { tableName: TABLE });
    slots = UploadSlots.fromClient(stack.dynamodb.client, { tableName: TABLE });
    deps = {
      store,
      slots,
      events: new EventBridgePublisher(eventsClient, BUS),
      // TwelveLabs documents no cancel call: its cancel makes none, so no endpoint is needed.
      providers: ProviderRegistry.of(
        createProvider({
          provider: "twelvelabs",
          baseUrl: "https://api.twelvelabs.io/v1.3",
          apiKey: async () => "unused",
          allowedUrlHosts: ["*.amazonaws.com"],
        }),
      ),
    };
  });

  afterAll(async () => {
    eventsClient?.destroy();
    await bridge?.stop();
    await stack?.stop();
  });

  it("after a step's Catch: the upload ends failed with the error's code and message, its slot goes to the next upload, Upload Failed names the source", async () => {
    const { uploadKey, input } = await transferring();
    // The next upload waits for the one slot.
    const next = uploadKeyOf(inputFor("next"));
    const waiting = await slots.acquire({ uploadKey: next, arrivedAt: dropped, ...SLOT });
    expect(waiting).toMatchObject({ granted: false });

    const error = new ChunkTransferError(2, "HTTP 500 from the part host");
    // The Map's Catch: createSession's output plus the error.
    const out = await fail(
      { uploadKey, batches: [{ first: 1, last: 2 }], error: caught(error) },
      deps,
    );

    const reason = "ChunkTransferError: chunk 2: HTTP 500 from the part host";
    expect(out).toEqual({ uploadKey, status: "failed", reason });
    expect(await store.require(uploadKey)).toMatchObject({
      status: "failed",
      error: { code: "RELAY_CHUNK_TRANSFER", message: reason },
      assetId: expect.any(String),
    });
    expect(Object.keys(await slots.holders())).not.toContain(uploadKey);
    expect(await slots.acquire({ uploadKey: next, arrivedAt: dropped, ...SLOT })).toEqual({
      granted: true,
    });
    await slots.release(next);
    expect(failedEvents(uploadKey)).toEqual([
      {
        schemaVersion: 1,
        uploadKey,
        bucket: BUCKET,
        key: input.key,
        versionId: null,
        size: input.size,
        provider: PROVIDER,
        status: "failed",
        code: "RELAY_CHUNK_TRANSFER",
        reason,
        // TwelveLabs has no cancel: the session is left to expire (or to a redrive).
        sessionCancelled: false,
      },
    ]);
  });

  it("an error without a Cause gives its name alone as the reason", async () => {
    const { uploadKey } = await transferring();
    const out = await fail({ uploadKey, error: { Error: "States.Timeout" } }, deps);
    expect(out.reason).toBe("States.Timeout");
    expect((await store.require(uploadKey)).error).toEqual({
      code: "RELAY_FUNCTION_TIMEOUT",
      message: "States.Timeout",
    });
  });

  it("run twice (a retried RecordFailure): the same answer, the record as the first run left it, an event each time", async () => {
    const { uploadKey } = await transferring();
    const input = {
      uploadKey,
      error: { Error: "States.Timeout", Cause: "TransferBatch timed out" },
    };
    const first = await fail(input, deps);
    const recorded = await store.require(uploadKey);
    const second = await fail(input, deps);

    expect(second).toEqual(first);
    expect(first).toMatchObject({
      status: "failed",
      reason: "States.Timeout: TransferBatch timed out",
    });
    expect(await store.require(uploadKey)).toEqual(recorded);
    expect(recorded.error).toEqual({ code: "RELAY_FUNCTION_TIMEOUT", message: first.reason });
    expect(await slots.release(uploadKey)).toBe(false);
    // Events are at-least-once, like finish's.
    expect(failedEvents(uploadKey).map((d) => d.code)).toEqual([
      "RELAY_FUNCTION_TIMEOUT",
      "RELAY_FUNCTION_TIMEOUT",
    ]);
  });

  it.each([
    ["an empty object", "ObjectRejectedError", "RELAY_OBJECT_REJECTED"],
    ["an object overwritten since its event", "ObjectSupersededError", "RELAY_OBJECT_SUPERSEDED"],
  ])(
    "after Admit rejected %s: status rejected, with the rejection's own code and reason",
    async (_, errorName, code) => {
      const input = await drop(errorName === "ObjectRejectedError" ? 0 : 1000);
      if (errorName === "ObjectSupersededError") {
        await stack.s3.client.send(
          new PutObjectCommand({ Bucket: BUCKET, Key: input.key, Body: randomBytes(1000) }),
        );
      }
      const admitDeps = {
        store,
        s3: stack.s3.client,
        routes: [{ prefix: "", provider: "twelvelabs" as const }],
        providers: deps.providers,
      };
      const thrown = (await admit(input, admitDeps).catch((e: unknown) => e)) as Error;
      expect(thrown).toBeInstanceOf(
        errorName === "ObjectRejectedError" ? ObjectRejectedError : ObjectSupersededError,
      );
      const uploadKey = uploadKeyOf(input);
      const rejection = (await store.require(uploadKey)).error;

      // Admit's Catch: the execution input (no upload key yet) plus the error.
      const out = await fail({ ...input, error: caught(thrown) }, deps);

      expect(out).toEqual({ uploadKey, status: "rejected", reason: rejection?.message });
      expect(rejection).toEqual({ code, message: (thrown as ObjectRejectedError).reason });
      expect(await store.require(uploadKey)).toMatchObject({
        status: "rejected",
        error: rejection,
      });
      expect(failedEvents(uploadKey)).toEqual([
        {
          schemaVersion: 1,
          uploadKey,
          bucket: BUCKET,
          key: input.key,
          versionId: null,
          size: input.size,
          provider: PROVIDER,
          status: "rejected",
          code,
          reason: rejection?.message,
          sessionCancelled: null,
        },
      ]);
    },
  );

  it("after Admit failed before recording anything: the key is derived from the object version, nothing is stored, the event names the object", async () => {
    const input = { ...inputFor("denied"), versionId: "v-1" };
    const uploadKey = uploadKeyOf(input);
    const error = { Error: "AccessDenied", Cause: "Access Denied (Service: S3; Status Code: 403)" };

    const out = await fail({ ...input, error }, deps);

    expect(out).toEqual({
      uploadKey,
      status: "failed",
      reason: "AccessDenied: Access Denied (Service: S3; Status Code: 403)",
    });
    expect(await store.get(uploadKey)).toBeUndefined();
    expect(failedEvents(uploadKey)).toEqual([
      {
        schemaVersion: 1,
        uploadKey,
        bucket: BUCKET,
        key: input.key,
        versionId: "v-1",
        size: input.size,
        // Nothing recorded: the route was never looked up.
        provider: null,
        status: "failed",
        code: "RELAY_ACCESS_DENIED",
        reason: out.reason,
        sessionCancelled: null,
      },
    ]);
  });

  it("with nothing that names an upload: no key, nothing stored or released, an event of nulls", async () => {
    const before = failedEvents(null).length;
    const out = await fail(
      { error: { Error: "States.Runtime", Cause: "An error occurred while executing the state" } },
      deps,
    );
    expect(out).toEqual({
      uploadKey: null,
      status: "failed",
      reason: "States.Runtime: An error occurred while executing the state",
    });
    expect(failedEvents(null).slice(before)).toEqual([
      {
        schemaVersion: 1,
        uploadKey: null,
        bucket: null,
        key: null,
        versionId: null,
        size: null,
        provider: null,
        status: "failed",
        code: "RELAY_UNKNOWN",
        reason: out.reason,
        sessionCancelled: null,
      },
    ]);
  });

  it("after Admit failed on a redrive: the redriven upload is named, stays failed, and the event says why", async () => {
    const { uploadKey, input } = await transferring();
    await fail({ uploadKey, error: { Error: "ChunkTransferError", Cause: "first" } }, deps);
    const out = await fail(
      { redriveOf: uploadKey, error: { Error: "States.Timeout", Cause: "admit timed out" } },
      deps,
    );
    expect(out).toMatchObject({ uploadKey, status: "failed" });
    // The first failure's record stands: the redrive never reopened it.
    expect(await store.require(uploadKey)).toMatchObject({
      status: "failed",
      error: { code: "RELAY_CHUNK_TRANSFER" },
    });
    expect(failedEvents(uploadKey).at(-1)).toMatchObject({
      uploadKey,
      key: input.key,
      code: "RELAY_FUNCTION_TIMEOUT",
    });
  });

  it("without an error (CheckStatus's default branch): RELAY_UNKNOWN and a fixed reason", async () => {
    const { uploadKey } = await transferring();
    // PollStatus's output in a state no branch knows.
    const out = await fail({ uploadKey, state: "expired", batches: [] }, deps);
    const reason = "the execution ended in an unexpected state";
    expect(out).toEqual({ uploadKey, status: "failed", reason });
    expect((await store.require(uploadKey)).error).toEqual({
      code: "RELAY_UNKNOWN",
      message: reason,
    });
    expect(Object.keys(await slots.holders())).not.toContain(uploadKey);
  });

  it.each([
    ["ProviderHttpError", "RELAY_PROVIDER_HTTP"],
    ["SessionFailedError", "RELAY_SESSION_FAILED"],
    ["Sandbox.Timedout", "RELAY_FUNCTION_TIMEOUT"],
    ["Lambda.TooManyRequestsException", "RELAY_THROTTLED"],
    ["AccessDeniedException", "RELAY_ACCESS_DENIED"],
    ["TypeError", "RELAY_UNKNOWN"],
  ])("records %s as %s, the plain-text Cause kept as the reason", async (name, code) => {
    const { uploadKey } = await transferring();
    const out = await fail({ uploadKey, error: { Error: name, Cause: "what went wrong" } }, deps);
    expect(out.reason).toBe(`${name}: what went wrong`);
    expect((await store.require(uploadKey)).error).toEqual({ code, message: out.reason });
    expect(failedEvents(uploadKey).map((d) => d.code)).toEqual([code]);
  });

  it("keeps the reason short: the message only (never the Lambda trace), cut to 1000 characters", async () => {
    const { uploadKey } = await transferring();
    const long = new ChunkTransferError(1, "x".repeat(5000));
    const cause = lambdaErrorCause(long);
    expect(cause.trace.length).toBeGreaterThan(1);

    const out = await fail({ uploadKey, error: caught(long) }, deps);

    expect(out.reason).toHaveLength(1000);
    expect(out.reason).toBe(`ChunkTransferError: chunk 1: ${"x".repeat(5000)}`.slice(0, 1000));
    expect((await store.require(uploadKey)).error?.message).toBe(out.reason);
    const [event] = failedEvents(uploadKey);
    expect(event?.reason).toBe(out.reason);
    expect(JSON.stringify(event)).not.toContain("fail.test.ts");
  });

  it("leaves a completed upload completed and publishes the Upload Completed that was lost, not Upload Failed (RecordSuccess's Catch after the record was written)", async () => {
    const { uploadKey } = await transferring();
    expect(await store.markCompleted(uploadKey)).toBe(true);
    const completed = await store.require(uploadKey);
    const error = new EventPublishError("could not publish Upload Completed: InternalException");

    const out = await fail({ uploadKey, assetId: completed.assetId, error: caught(error) }, deps);

    expect(out).toMatchObject({ uploadKey, status: "completed" });
    expect(await store.require(uploadKey)).toEqual(completed);
    expect(Object.keys(await slots.holders())).not.toContain(uploadKey);
    expect(failedEvents(uploadKey)).toEqual([]);
    const completedEvents = bridge.events
      .filter((e) => e.detailType === "Upload Completed")
      .map((e) => e.detail as UploadCompletedDetail)
      .filter((d) => d.uploadKey === uploadKey);
    expect(completedEvents).toEqual([
      expect.objectContaining({
        uploadKey,
        assetId: completed.assetId,
        uploadId: completed.uploadId,
        key: completed.source.key,
      }),
    ]);
  });

  it("a failed publish throws EventPublishError after the record and the slot are settled; its retry publishes", async () => {
    const { uploadKey } = await transferring();
    // A bus of another account: EventBridge refuses the entry.
    const refusing = new EventBridgePublisher(
      eventsClient,
      `arn:aws:events:${stack.region}:999999999999:event-bus/${BUS}`,
    );
    const input = { uploadKey, error: { Error: "SessionFailedError", Cause: "session expired" } };

    const error = await fail(input, { ...deps, events: refusing }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(EventPublishError);
    expect(error).toMatchObject({ name: "EventPublishError" });
    expect(await store.require(uploadKey)).toMatchObject({
      status: "failed",
      error: { code: "RELAY_SESSION_FAILED" },
    });
    expect(Object.keys(await slots.holders())).not.toContain(uploadKey);
    expect(failedEvents(uploadKey)).toEqual([]);

    const out = await fail(input, deps);
    expect(out).toEqual({
      uploadKey,
      status: "failed",
      reason: "SessionFailedError: session expired",
    });
    expect(failedEvents(uploadKey)).toHaveLength(1);
  });

  it.each([
    ["a string", "uploadKey"],
    ["an error without its name", { uploadKey: "k", error: { Cause: "no name" } }],
    ["a size that is not a number", { bucket: BUCKET, key: "a.mp4", size: "12" }],
  ])(
    "refuses %s as input with InvalidInputError, storing and publishing nothing",
    async (_, input) => {
      const before = bridge.events.length;
      const error = await fail(input, deps).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidInputError);
      expect(error).toMatchObject({ name: "InvalidInputError", code: "RELAY_INVALID_INPUT" });
      expect((error as Error).message).toMatch(/^fail: bad input: /);
      expect(bridge.events.length).toBe(before);
    },
  );
});
