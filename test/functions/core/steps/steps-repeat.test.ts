/**
 * Every step is safe to repeat and a crash resumes without resending work: the core steps, in
 * the state machine's order, on the real local stack and TwelveLabs sandbox, each run twice.
 */

import { randomBytes } from "node:crypto";
import { CreateTableCommand, QueryCommand } from "@aws-sdk/client-dynamodb";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Batch } from "../../../../functions/core/chunk-plan.js";
import {
  ChunkTransferError,
  ObjectRejectedError,
  ObjectSupersededError,
  ProviderHttpError,
} from "../../../../functions/core/errors.js";
import type { Provider } from "../../../../functions/core/provider.js";
import { createProvider } from "../../../../functions/core/providers/create-provider.js";
import { ProviderRegistry } from "../../../../functions/core/providers/provider-registry.js";
import { type AdmitDeps, admit } from "../../../../functions/core/steps/admit.js";
import { createSession } from "../../../../functions/core/steps/create-session.js";
import { fail } from "../../../../functions/core/steps/fail.js";
import { finish } from "../../../../functions/core/steps/finish.js";
import { indexAsset } from "../../../../functions/core/steps/index-asset.js";
import { poll } from "../../../../functions/core/steps/poll.js";
import { report } from "../../../../functions/core/steps/report.js";
import type { RelaySettings, StepDeps } from "../../../../functions/core/steps/step-deps.js";
import type { ExecutionInput } from "../../../../functions/core/steps/step-inputs.js";
import { transfer } from "../../../../functions/core/steps/transfer.js";
import { uploadKeyOf } from "../../../../functions/core/upload-identity.js";
import { UploadSlots } from "../../../../functions/core/upload-slots.js";
import { sessionFieldsOf, UploadStore } from "../../../../functions/core/upload-store.js";
import { type LocalStack, startLocalStack } from "../../../../local/local-stack.js";
import {
  createPublishedEvents,
  type PublishedEventsSink,
} from "../../../../local/published-events.js";
import {
  DEFAULT_INDEX_ID,
  startTwelveLabsSandbox,
  type TwelveLabsSandbox,
} from "../../../../local/twelvelabs-sandbox/index.js";
import { md5 } from "../../../helpers/md5.js";

const CHUNK = 64 * 1024;
/** Five full chunks and a tail: six chunks, batches 1-2, 3-4, 5-6. */
const SIZE = 5 * CHUNK + 1000;
const BUCKET = "drop";
const TABLE = "relay-steps";
const URL_LIFETIME_SECONDS = 3600;
const settings: RelaySettings = {
  chunksPerBatch: 2,
  transferConcurrency: 2,
  maxPolls: 10,
  urlRefreshMarginMs: 300_000,
};

let stack: LocalStack;
let sandbox: TwelveLabsSandbox;
let deps: StepDeps & AdmitDeps;
let events: PublishedEventsSink;
/** The table's admission slots, which finish releases. */
let slots: UploadSlots;
/** One clock for the sandbox and the steps; a test moves it forward to expire URLs. */
let skewMs = 0;
const now = (): number => Date.now() + skewMs;
/** Scripted fault rolls of the sandbox (consumed only while a fault rate is set). */
const rolls: number[] = [];
/** Sessions the steps gave up through the provider's cancel, in order. */
const cancelled: string[] = [];
/** Every presigned URL the provider handed the steps: secrets that must stay in the store. */
const issuedUrls = new Set<string>();
/** Everything the steps returned, as the state machine would carry it. */
const outputs: unknown[] = [];
let dropped = 0;

async function kept<T>(result: Promise<T>): Promise<T> {
  const out = await result;
  outputs.push(out);
  return out;
}

type Endpoint = keyof ReturnType<TwelveLabsSandbox["calls"]>;
/** Sandbox calls per endpoint since this call. */
function callsSince(): (endpoint: Endpoint) => number {
  const before = sandbox.calls();
  return (endpoint) => (sandbox.calls()[endpoint] ?? 0) - (before[endpoint] ?? 0);
}

/** The real provider, noting every URL it hands out. */
function noting(real: Provider): Provider {
  return {
    name: real.name,
    maxFileSize: real.maxFileSize,
    ...(real.indexing ? { indexing: real.indexing } : {}),
    refusals: (input) => real.refusals(input),
    async createSession(input) {
      const session = await real.createSession(input);
      for (const u of session.urls) issuedUrls.add(u.url);
      return session;
    },
    async getChunkUrls(uploadId, indexes) {
      const urls = await real.getChunkUrls(uploadId, indexes);
      for (const u of urls) issuedUrls.add(u.url);
      return urls;
    },
    planOf: (session) => real.planOf(session),
    reportChunks: (session, proofs) => real.reportChunks(session, proofs),
    getStatus: (session, proofs) => real.getStatus(session, proofs),
    async cancel(session) {
      cancelled.push(session.uploadId);
      return real.cancel(session);
    },
  };
}

/** Puts random bytes into the drop bucket; answers the execution input `start` would build. */
async function drop(size: number): Promise<{ input: ExecutionInput; body: Buffer }> {
  const body = randomBytes(size);
  const key = `videos/clip-${++dropped}.mp4`;
  const put = await stack.s3.client.send(
    new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }),
  );
  const etag = (put.ETag ?? "").replace(/"/g, "");
  const sequencer = String(dropped).padStart(16, "0");
  return { body, input: { bucket: BUCKET, key, size, etag, versionId: null, sequencer } };
}

/** Drops an object, admits it and opens its session. */
async function opened(size = SIZE) {
  const { input, body } = await drop(size);
  const { uploadKey } = await kept(admit(input, deps));
  const { batches } = await kept(createSession({ uploadKey }, deps));
  const { uploadId } = await deps.store.require(uploadKey);
  return { uploadKey, body, batches, uploadId: uploadId as string };
}

/** Transfers and reports every batch, as the Map does. */
async function sendAll(uploadKey: string, batches: readonly Batch[]): Promise<void> {
  for (const batch of batches) {
    await kept(report(await kept(transfer({ uploadKey, ...batch }, deps)), deps));
  }
}

/** Bytes of chunk `index` (from 1) of `body`. */
const chunkOf = (body: Buffer, index: number): Buffer =>
  body.subarray((index - 1) * CHUNK, index * CHUNK);

/** Sort keys of every item stored under one upload's partition key. */
async function itemsOf(uploadKey: string): Promise<(string | undefined)[]> {
  const out = await stack.dynamodb.client.send(
    new QueryCommand({
      TableName: TABLE,
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": { S: `upload#${uploadKey}` } },
      ConsistentRead: true,
    }),
  );
  return (out.Items ?? []).map((item) => item.sk?.S);
}

describe("Steps: safe to repeat", () => {
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
    sandbox = await startTwelveLabsSandbox({
      s3: stack.s3.client,
      s3Endpoint: stack.s3.endpoint,
      chunkSize: CHUNK,
      minChunkSize: CHUNK,
      initialUrls: 1,
      urlLifetimeSeconds: URL_LIFETIME_SECONDS,
      now,
      random: () => rolls.shift() ?? 0.999,
    });
    const partHost = new URL(`http://${sandbox.partHost}`).hostname;
    const apiKey = sandbox.apiKey;
    events = createPublishedEvents();
    slots = UploadSlots.fromClient(stack.dynamodb.client, { tableName: TABLE });
    deps = {
      store: UploadStore.fromClient(stack.dynamodb.client, { tableName: TABLE }),
      routes: [{ prefix: "", provider: "twelvelabs" }],
      providers: ProviderRegistry.of(
        noting(
          createProvider({
            provider: "twelvelabs",
            baseUrl: sandbox.baseUrl,
            apiKey: async () => apiKey,
            allowedUrlHosts: [partHost],
            insecureHosts: [partHost],
          }),
        ),
      ),
      s3: stack.s3.client,
      events,
      settings,
      now,
    };
  });

  afterAll(async () => {
    await sandbox?.stop();
    await stack?.stop();
  });

  it("admit twice claims one upload; an empty object is rejected again, with the same reason", async () => {
    const { input } = await drop(SIZE);
    const first = await kept(admit(input, deps));
    const claimed = await deps.store.require(first.uploadKey);
    const second = await kept(admit(input, deps));
    expect(second).toEqual(first);
    expect(await deps.store.require(first.uploadKey)).toEqual(claimed);
    expect(claimed).toMatchObject({ status: "admitted", source: { key: input.key, size: SIZE } });
    expect(await itemsOf(first.uploadKey)).toEqual(["upload"]);

    const empty = await drop(0);
    const sessionsBefore = sandbox.sessions().length;
    const calls = callsSince();
    const reasons: string[] = [];
    for (let attempt = 0; attempt < 2; attempt++) {
      const error = await admit(empty.input, deps).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ObjectRejectedError);
      reasons.push((error as ObjectRejectedError).reason);
    }
    expect(reasons).toEqual(["object is empty (0 bytes)", "object is empty (0 bytes)"]);
    const rejected = await deps.store.get(uploadKeyOf(empty.input));
    expect(rejected).toMatchObject({ status: "rejected", error: { message: reasons[0] } });
    expect(rejected?.uploadId).toBeUndefined();
    expect(calls("create")).toBe(0);
    expect(sandbox.sessions()).toHaveLength(sessionsBefore);
  });

  it("admit of an event whose object was overwritten since records it superseded and relays nothing", async () => {
    const older = await drop(SIZE);
    // The key gets a newer object (its own event will relay it); the older event arrives late.
    await stack.s3.client.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: older.input.key, Body: randomBytes(SIZE) }),
    );
    const calls = callsSince();
    for (let attempt = 0; attempt < 2; attempt++) {
      const error = await admit(older.input, deps).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ObjectSupersededError);
      expect((error as ObjectSupersededError).reason).toMatch(
        new RegExp(`^superseded: .* not the event's ${older.input.etag}`),
      );
    }
    const record = await deps.store.get(uploadKeyOf(older.input));
    expect(record).toMatchObject({
      status: "rejected",
      error: { code: "RELAY_OBJECT_SUPERSEDED" },
      source: { etag: older.input.etag },
    });
    expect(calls("create")).toBe(0);
  });

  it("create-session twice opens one provider session and answers the same batches", async () => {
    const { input } = await drop(SIZE);
    const { uploadKey } = await kept(admit(input, deps));
    const sessionsBefore = sandbox.sessions().length;
    const calls = callsSince();
    const first = await kept(createSession({ uploadKey }, deps));
    const record = await deps.store.require(uploadKey);
    const second = await kept(createSession({ uploadKey }, deps));
    expect(first.batches).toEqual([1, 3, 5].map((n) => ({ first: n, last: n + 1 })));
    expect(second).toEqual(first);
    expect(calls("create")).toBe(1);
    expect(sandbox.sessions()).toHaveLength(sessionsBefore + 1);
    expect(sandbox.sessions().at(-1)?.uploadId).toBe(record.uploadId);
    expect(await deps.store.require(uploadKey)).toEqual(record);
    expect((await itemsOf(uploadKey)).sort()).toEqual([
      ...[1, 2, 3, 4, 5, 6].map((i) => `chunk#00000${i}`),
      "upload",
    ]);
  });

  it("transfer of the same batch twice sends each chunk once and keeps its ETag", async () => {
    const { uploadKey, body } = await opened();
    const calls = callsSince();
    const first = await kept(transfer({ uploadKey, first: 1, last: 2 }, deps));
    expect(first).toMatchObject({ transferred: 2, bytes: 2 * CHUNK });
    expect(calls("partPut")).toBe(2);
    const stored = await deps.store.getChunks(uploadKey, 1, 2);
    expect(stored.map((c) => c.etag)).toEqual([md5(chunkOf(body, 1)), md5(chunkOf(body, 2))]);

    const again = callsSince();
    const second = await kept(transfer({ uploadKey, first: 1, last: 2 }, deps));
    expect(second).toEqual({ uploadKey, first: 1, last: 2, transferred: 0, bytes: 0 });
    expect(again("partPut")).toBe(0);
    expect(again("presignedUrls")).toBe(0);
    expect(await deps.store.getChunks(uploadKey, 1, 2)).toEqual(stored);
  });

  it("a crash mid-batch resumes the same session and sends only the chunks not yet sent", async () => {
    const { uploadKey, body, batches, uploadId } = await opened();
    // One chunk at a time, so the scripted rolls meet the chunks in order: 3 lands, 4 gets a 500.
    const serial: StepDeps = { ...deps, settings: { ...settings, transferConcurrency: 1 } };
    sandbox.setFaults({ partPut: { error500Rate: 0.5 } });
    rolls.push(0.9, 0.1);
    const calls = callsSince();
    const error = await transfer({ uploadKey, first: 3, last: 4 }, serial).catch((e: unknown) => e);
    sandbox.setFaults({});
    expect(error).toBeInstanceOf(ChunkTransferError);
    expect(error).toMatchObject({ chunkIndex: 4, retryable: true, name: "ChunkTransferError" });
    const message = (error as Error).message;
    for (const url of issuedUrls) expect(message).not.toContain(new URL(url).search.slice(1));
    expect(message).not.toMatch(/X-Amz-|Signature/i);
    expect(message).not.toContain(sandbox.apiKey);
    expect(calls("partPut")).toBe(2);
    expect(sandbox.faultsInjected().partPut).toBe(1);

    const [three, four] = await deps.store.getChunks(uploadKey, 3, 4);
    expect(three?.etag).toBe(md5(chunkOf(body, 3)));
    expect(four?.etag).toBeUndefined();
    expect(four?.url).toBeUndefined();

    const resumed = callsSince();
    const out = await kept(transfer({ uploadKey, first: 3, last: 4 }, deps));
    expect(out).toMatchObject({ transferred: 1, bytes: CHUNK });
    expect(resumed("partPut")).toBe(1);
    expect((await deps.store.getChunks(uploadKey, 3, 3))[0]).toEqual(three);

    const rest = callsSince();
    await sendAll(uploadKey, batches);
    expect(rest("partPut")).toBe(4);
    expect(rest("create")).toBe(0);
    expect(await kept(poll({ uploadKey }, deps))).toMatchObject({ state: "completed" });
    expect(md5(await sandbox.readAsset(uploadId))).toBe(md5(body));
  });

  it("report, poll and finish twice: nothing reported twice, one asset, an event each time", async () => {
    const { uploadKey, body, batches, uploadId } = await opened();
    const [head, ...tail] = batches as [Batch, ...Batch[]];
    const sent = await kept(transfer({ uploadKey, ...head }, deps));
    const calls = callsSince();
    expect(await kept(report(sent, deps))).toMatchObject({ reported: 2 });
    expect(calls("report")).toBe(1);
    const again = callsSince();
    expect(await kept(report(sent, deps))).toMatchObject({ reported: 0 });
    expect(again("report")).toBe(0);
    await sendAll(uploadKey, tail);
    expect(sandbox.sessions().find((s) => s.uploadId === uploadId)?.status).toBe("completed");

    const { assetId } = await deps.store.require(uploadKey);
    for (let i = 0; i < 2; i++) {
      const polled = await kept(poll({ uploadKey }, deps));
      expect(polled).toEqual({ uploadKey, state: "completed", batches: [] });
    }
    for (let i = 0; i < 2; i++) {
      expect(await kept(finish({ uploadKey }, { ...deps, slots }))).toEqual({
        uploadKey,
        assetId,
        index: false,
      });
    }
    expect(await deps.store.require(uploadKey)).toMatchObject({ status: "completed", assetId });
    // Events are at-least-once (documented in finish.ts): a repeated finish announces again.
    const completed = events.list.filter(
      (e) => e.detailType === "Upload Completed" && e.detail.uploadKey === uploadKey,
    );
    expect(completed.map((e) => e.detail)).toEqual([
      expect.objectContaining({ assetId, uploadId, size: SIZE }),
      expect.objectContaining({ assetId, uploadId, size: SIZE }),
    ]);
    expect(md5(await sandbox.readAsset(assetId as string))).toBe(md5(body));
  });

  it("poll after the provider fails a chunk answers resend for it; sending it again completes", async () => {
    const { uploadKey, body, batches, uploadId } = await opened();
    const last = batches.at(-1) as Batch;
    await sendAll(uploadKey, batches.slice(0, -1));
    const sent = await kept(transfer({ uploadKey, ...last }, deps));
    sandbox.failChunk(uploadId, 2);
    await kept(report(sent, deps));

    const calls = callsSince();
    const first = await kept(poll({ uploadKey }, deps));
    const second = await kept(poll({ uploadKey }, deps));
    expect(first).toEqual({ uploadKey, state: "resend", batches: [{ first: 2, last: 2 }] });
    expect(second).toEqual(first);
    expect(calls("partPut")).toBe(0);

    const resend = callsSince();
    await sendAll(uploadKey, first.batches);
    expect(resend("partPut")).toBe(1);
    expect(resend("report")).toBe(1);
    expect(await kept(poll({ uploadKey }, deps))).toMatchObject({ state: "completed" });
    expect(md5(await sandbox.readAsset(uploadId))).toBe(md5(body));
  });

  it("transfer refreshes expired and missing URLs in windows of at most 50", async () => {
    const chunks = 101;
    const { uploadKey, body, uploadId } = await opened(chunks * CHUNK);
    const [withUrl] = await deps.store.getChunks(uploadKey, 1, 1);
    expect(withUrl?.url).toBeDefined();
    skewMs += (URL_LIFETIME_SECONDS + 60) * 1000; // chunk 1's stored URL is now expired
    const calls = callsSince();
    const out = await kept(transfer({ uploadKey, first: 1, last: chunks }, deps));
    expect(out).toMatchObject({ transferred: chunks, bytes: chunks * CHUNK });
    // 1..50, 51..100, 101: the expired URL of chunk 1 was asked for again, and never used.
    expect(calls("presignedUrls")).toBe(3);
    expect(calls("partPut")).toBe(chunks);
    await kept(report(out, deps));
    expect(await kept(poll({ uploadKey }, deps))).toMatchObject({ state: "completed" });
    expect(md5(await sandbox.readAsset(uploadId))).toBe(md5(body));
  });

  it("overlapping create-session runs agree on one session, and the upload completes", async () => {
    const { input, body } = await drop(SIZE);
    const { uploadKey } = await kept(admit(input, deps));
    const calls = callsSince();
    // As when Step Functions retries a Lambda service error while the first run still goes on.
    const [a, b] = await Promise.all([
      kept(createSession({ uploadKey }, deps)),
      kept(createSession({ uploadKey }, deps)),
    ]);
    expect(b).toEqual(a);
    const record = await deps.store.require(uploadKey);
    expect(record.status).toBe("transferring");
    // Both runs opened a session; one was claimed, the loser gave its own up.
    expect(calls("create")).toBe(2);
    expect(cancelled.at(-1)).toMatch(/./);
    expect(cancelled.at(-1)).not.toBe(record.uploadId);
    expect(await deps.store.getChunks(uploadKey)).toHaveLength(6);

    await sendAll(uploadKey, a.batches);
    expect((await kept(poll({ uploadKey }, deps))).state).toBe("completed");
    expect(md5(await sandbox.readAsset(record.assetId as string))).toBe(md5(body));
  });

  it("a claim that fails (DynamoDB error injected) gives its session up; one that landed keeps it", async () => {
    const failingClaim = (landed: boolean): UploadStore => {
      const real = deps.store;
      const claimSession: UploadStore["claimSession"] = async (key, session) => {
        if (landed) await real.claimSession(key, session);
        throw Object.assign(new Error("Throughput exceeds the current capacity"), {
          name: "ProvisionedThroughputExceededException",
        });
      };
      // Every other method is the real store's, called on it (its fields are private).
      return new Proxy(real, {
        get: (target, name) => {
          if (name === "claimSession") return claimSession;
          const value: unknown = Reflect.get(target, name);
          return typeof value === "function" ? value.bind(target) : value;
        },
      });
    };
    for (const landed of [false, true]) {
      const { input } = await drop(SIZE);
      const { uploadKey } = await kept(admit(input, deps));
      const before = cancelled.length;
      await expect(
        createSession({ uploadKey }, { ...deps, store: failingClaim(landed) }),
      ).rejects.toThrow(/capacity/);
      const record = await deps.store.require(uploadKey);
      if (landed) {
        expect(cancelled.length).toBe(before);
        expect(record.uploadId).toMatch(/./);
      } else {
        expect(cancelled.length).toBe(before + 1);
        expect(record.uploadId).toBeUndefined();
      }
    }
  });

  it("a crash between claiming the session and storing its plan is finished by the repeat", async () => {
    const { input, body } = await drop(SIZE);
    const { uploadKey } = await kept(admit(input, deps));
    // The first run opened and claimed a session, then died before storing a chunk.
    const session = await deps.providers.get("twelvelabs").createSession({
      files: [{ name: "clip.mp4", size: SIZE }],
    });
    await deps.store.claimSession(uploadKey, sessionFieldsOf(session));
    expect(await itemsOf(uploadKey)).toEqual(["upload"]);

    const calls = callsSince();
    const { batches } = await kept(createSession({ uploadKey }, deps));
    expect(calls("create")).toBe(0);
    expect(await deps.store.require(uploadKey)).toMatchObject({
      status: "transferring",
      uploadId: session.uploadId,
    });
    // The plan has no URLs (the crash lost them): transfer fetches them.
    await sendAll(uploadKey, batches);
    expect(calls("presignedUrls")).toBeGreaterThanOrEqual(1);
    expect((await kept(poll({ uploadKey }, deps))).state).toBe("completed");
    expect(md5(await sandbox.readAsset(session.assetId as string))).toBe(md5(body));
  });

  it("a failed upload redriven goes on with its live session: chunks sent are not sent again", async () => {
    const { uploadKey, body, batches, uploadId } = await opened();
    const [head, ...tail] = batches as [Batch, ...Batch[]];
    await kept(report(await kept(transfer({ uploadKey, ...head }, deps)), deps));
    const failure = { Error: "ChunkTransferError", Cause: "injected" };
    await kept(fail({ uploadKey, error: failure }, { ...deps, slots }));
    // TwelveLabs has no cancel: the session outlives the failure.
    expect(await deps.store.require(uploadKey)).toMatchObject({
      status: "failed",
      sessionCancelled: false,
    });

    const calls = callsSince();
    const reopened = await kept(admit({ redriveOf: uploadKey }, deps));
    expect(reopened).toEqual({ uploadKey, next: "upload" });
    // A repeated admit finds it reopened and goes on; nothing is counted twice.
    expect(await kept(admit({ redriveOf: uploadKey }, deps))).toEqual(reopened);
    expect(await kept(createSession({ uploadKey }, deps))).toEqual({ uploadKey, batches });
    const record = await deps.store.require(uploadKey);
    expect(record).toMatchObject({ uploadId, status: "transferring", redrives: 1 });
    expect(record.error).toBeUndefined();
    for (const batch of batches) {
      await kept(report(await kept(transfer({ uploadKey, ...batch }, deps)), deps));
    }
    expect(calls("create")).toBe(0);
    // Only the chunks of the batches the failed run never sent.
    expect(calls("partPut")).toBe(tail.reduce((n, b) => n + b.last - b.first + 1, 0));
    expect(await kept(poll({ uploadKey }, deps))).toMatchObject({ state: "completed" });
    expect(md5(await sandbox.readAsset(uploadId))).toBe(md5(body));
    // A redrive of an upload that is not failed has nothing to redo.
    await kept(finish({ uploadKey }, { ...deps, slots }));
    expect(await kept(admit({ redriveOf: uploadKey }, deps))).toEqual({ uploadKey, next: "skip" });
    expect(await deps.store.require(uploadKey)).toMatchObject({ status: "completed", redrives: 1 });
  });

  it("a failed upload whose session expired is redriven on a new session, every chunk sent again", async () => {
    const { uploadKey, body, batches, uploadId } = await opened();
    await kept(transfer({ uploadKey, ...(batches[0] as Batch) }, deps));
    await kept(fail({ uploadKey, error: { Error: "States.Timeout" } }, { ...deps, slots }));
    const { sessionExpiresAt } = await deps.store.require(uploadKey);
    skewMs = (sessionExpiresAt as number) - Date.now() + 1000;
    try {
      const calls = callsSince();
      await kept(admit({ redriveOf: uploadKey }, deps));
      expect(await kept(createSession({ uploadKey }, deps))).toEqual({ uploadKey, batches });
      const record = await deps.store.require(uploadKey);
      expect(record.uploadId).not.toBe(uploadId);
      expect(record).toMatchObject({ status: "transferring", redrives: 1, polls: 0 });
      expect(calls("create")).toBe(1);
      // The dead session's ETags and URLs went with it.
      for (const chunk of await deps.store.getChunks(uploadKey)) {
        expect(chunk.etag).toBeUndefined();
        expect(chunk.url).toBeUndefined();
      }
      await sendAll(uploadKey, batches);
      expect(calls("partPut")).toBe(6);
      expect(await kept(poll({ uploadKey }, deps))).toMatchObject({ state: "completed" });
      expect(md5(await sandbox.readAsset(record.uploadId as string))).toBe(md5(body));
    } finally {
      skewMs = 0;
    }
  });

  it("a redriven upload whose session the provider no longer knows (404, scripted) gets a new one", async () => {
    const { uploadKey, body, batches, uploadId } = await opened();
    await kept(fail({ uploadKey, error: { Error: "States.Timeout" } }, { ...deps, slots }));
    const real = deps.providers.get("twelvelabs");
    // The sandbox keeps every session it opened: the provider's 404 for a forgotten one is
    // scripted here, at the provider boundary.
    const forgetful = ProviderRegistry.of({
      ...real,
      name: real.name,
      maxFileSize: real.maxFileSize,
      refusals: (input) => real.refusals(input),
      createSession: (input) => real.createSession(input),
      planOf: (session) => real.planOf(session),
      getChunkUrls: (session, indexes) => real.getChunkUrls(session, indexes),
      reportChunks: (session, proofs) => real.reportChunks(session, proofs),
      cancel: (session) => real.cancel(session),
      getStatus: async (session, proofs) => {
        if (session.uploadId === uploadId) {
          throw new ProviderHttpError("twelvelabs.getStatus", 404, "not found");
        }
        return real.getStatus(session, proofs);
      },
    });
    await kept(admit({ redriveOf: uploadKey }, deps));
    expect(await kept(createSession({ uploadKey }, { ...deps, providers: forgetful }))).toEqual({
      uploadKey,
      batches,
    });
    const record = await deps.store.require(uploadKey);
    expect(record.uploadId).not.toBe(uploadId);
    await sendAll(uploadKey, batches);
    expect(await kept(poll({ uploadKey }, deps))).toMatchObject({ state: "completed" });
    expect(md5(await sandbox.readAsset(record.uploadId as string))).toBe(md5(body));
  });

  /** Drops, uploads and finishes an object whose route indexes into `indexId`. */
  async function completedFor(indexId: string): Promise<string> {
    const { input } = await drop(SIZE);
    const routes = [{ prefix: "", provider: "twelvelabs" as const, indexId }];
    const { uploadKey } = await kept(admit(input, { ...deps, routes }));
    const { batches } = await kept(createSession({ uploadKey }, deps));
    await sendAll(uploadKey, batches);
    await kept(poll({ uploadKey }, deps));
    expect(await kept(finish({ uploadKey }, { ...deps, slots }))).toMatchObject({ index: true });
    return uploadKey;
  }

  const indexEvents = (uploadKey: string) =>
    events.list.filter(
      (e) => e.detailType.startsWith("Asset Index") && e.detail.uploadKey === uploadKey,
    );

  it("index-asset asks once, reads until ready, and a repeat publishes again without asking again", async () => {
    const uploadKey = await completedFor(DEFAULT_INDEX_ID);
    const indexDeps = { ...deps, maxIndexPolls: 10 };
    const before = sandbox.indexedAssets().length;
    // Asked now; read after the state machine's wait.
    expect(await kept(indexAsset({ uploadKey }, indexDeps))).toMatchObject({
      indexState: "pending",
    });
    expect(await kept(indexAsset({ uploadKey }, indexDeps))).toMatchObject({
      indexState: "pending",
    });
    let state = "pending";
    for (let i = 0; i < 5 && state === "pending"; i++) {
      ({ indexState: state } = await kept(indexAsset({ uploadKey }, indexDeps)));
    }
    expect(state).toBe("ready");
    expect(await kept(indexAsset({ uploadKey }, indexDeps))).toMatchObject({ indexState: "ready" });
    // One indexed asset, two events (at-least-once, like finish's).
    expect(sandbox.indexedAssets()).toHaveLength(before + 1);
    expect(indexEvents(uploadKey).map((e) => e.detailType)).toEqual([
      "Asset Indexed",
      "Asset Indexed",
    ]);
    expect(await deps.store.require(uploadKey)).toMatchObject({
      status: "completed",
      indexing: { status: "ready", indexId: DEFAULT_INDEX_ID },
    });
  });

  it("index-asset gives up an indexing still pending after its last allowed read, the upload completed", async () => {
    const uploadKey = await completedFor(DEFAULT_INDEX_ID);
    const indexDeps = { ...deps, maxIndexPolls: 1 };
    await kept(indexAsset({ uploadKey }, indexDeps));
    expect(await kept(indexAsset({ uploadKey }, indexDeps))).toMatchObject({
      indexState: "failed",
    });
    expect(await deps.store.require(uploadKey)).toMatchObject({
      status: "completed",
      indexing: { status: "failed", polls: 1, error: { code: "RELAY_INDEX_TIMEOUT" } },
    });
    expect(indexEvents(uploadKey).map((e) => e.detail)).toEqual([
      expect.objectContaining({
        code: "RELAY_INDEX_TIMEOUT",
        reason: expect.stringMatching(/1 status reads/),
      }),
    ]);
  });

  it("no step output carries a presigned URL or the API key", () => {
    expect(outputs.length).toBeGreaterThan(30);
    expect(issuedUrls.size).toBeGreaterThan(100);
    const text = JSON.stringify(outputs);
    for (const url of issuedUrls) expect(text).not.toContain(url);
    expect(text).not.toMatch(/X-Amz-|https?:\/\//);
    expect(text).not.toContain(sandbox.apiKey);
  });
});
