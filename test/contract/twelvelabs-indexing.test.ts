/**
 * Indexing an uploaded asset, against a real sandbox: the official SDK (`twelvelabs-js`, pinned)
 * creates and follows an indexed asset unchanged, our `TwelveLabsClient` does the same, every
 * refusal has its documented status (and our client's typed error), the sandbox's answers hold
 * to the documented shapes and read with our lenient schemas, and the `failIndexing` fault ends
 * an indexing `failed`. Assets are uploaded (one chunk) through our client first.
 */

import { randomBytes } from "node:crypto";
import { TwelvelabsApi, TwelvelabsApiClient, TwelvelabsApiError } from "twelvelabs-js";
import { Agent } from "undici";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  InvalidInputError,
  ProviderHttpError,
  ProviderUnavailableError,
} from "../../functions/core/errors.js";
import { TwelveLabsClient } from "../../functions/core/providers/twelvelabs/twelvelabs-client.js";
import {
  DocumentedIndexAssetAnswerSchema,
  DocumentedIndexedAssetSchema,
} from "../../functions/core/providers/twelvelabs/twelvelabs-documented-answers.js";
import {
  IndexAssetAnswerSchema,
  IndexedAssetAnswerSchema,
} from "../../functions/core/providers/twelvelabs/twelvelabs-schemas.js";
import { type LocalStack, startLocalStack } from "../../local/local-stack.js";
import {
  DEFAULT_INDEX_ID,
  type FaultRoll,
  startTwelveLabsSandbox,
  type TwelveLabsSandbox,
} from "../../local/twelvelabs-sandbox/index.js";
import { rfc3339 } from "../../local/twelvelabs-sandbox/wire-format.js";
import { callJsonApi } from "./call-json-api.js";
import { callApi, errorBodySchema, putPart } from "./sandbox-http.js";

const KiB = 1024;
const CHUNK = 64 * KiB;
/** An index id that must be URL-encoded in the path. */
const ODD_INDEX = "team a/videos?v=1";
/** Most reads a status loop makes before the test gives up (the sandbox needs 3 by default). */
const MAX_READS = 10;

let stack: LocalStack;
/** Default indexes and steps, real clock; its fault rolls read {@link lostAnswers}. */
let sandbox: TwelveLabsSandbox;
/** Two indexes, 3 steps, and a frozen clock that only `advanceClock` moves. */
let clocked: TwelveLabsSandbox;
/** How many lost-answer rolls of `sandbox` still hit (rate permitting); the rest miss. */
let lostAnswers = 0;
/**
 * Our client's dispatcher. Not the global one: once the SDK has touched `fetch`, Node 20's
 * bundled undici (6.x) is the global dispatcher, and undici 7's interceptors refuse it.
 */
const agent = new Agent();

beforeAll(async () => {
  stack = await startLocalStack();
  const common = {
    s3: stack.s3.client,
    s3Endpoint: stack.s3.endpoint,
    chunkSize: CHUNK,
    minChunkSize: CHUNK,
    initialUrls: 1,
  };
  sandbox = await startTwelveLabsSandbox({
    ...common,
    random: (roll: FaultRoll) => {
      if (roll.kind !== "lostAnswer" || lostAnswers === 0) return 0.99;
      lostAnswers -= 1;
      return 0;
    },
  });
  // Whole seconds, as the wire writes them; frozen near the real time, which S3 checks the
  // presigned part URLs against.
  const frozen = Math.floor(Date.now() / 1000) * 1000;
  clocked = await startTwelveLabsSandbox({
    ...common,
    indexes: ["plain-index", ODD_INDEX],
    indexingSteps: 3,
    now: () => frozen,
  });
});

afterEach(() => {
  sandbox?.setFaults({});
  lostAnswers = 0;
});

afterAll(async () => {
  await sandbox?.stop();
  await clocked?.stop();
  await stack?.stop();
  await agent.close();
});

/** Our client for a sandbox: two attempts, no waits between them. */
function ours(target: TwelveLabsSandbox, apiKey = target.apiKey): TwelveLabsClient {
  return new TwelveLabsClient({
    baseUrl: target.baseUrl,
    apiKey,
    dispatcher: agent,
    maxAttempts: 2,
    sleep: async () => undefined,
  });
}

/** The official SDK's client for a sandbox. */
function sdk(target: TwelveLabsSandbox, apiKey = target.apiKey): TwelvelabsApiClient {
  return new TwelvelabsApiClient({ apiKey, baseUrl: target.baseUrl });
}

/** Opens an upload of `size` bytes (at most one chunk); answers its ids and the chunk's URL. */
async function openUpload(target: TwelveLabsSandbox, size: number, filename: string) {
  const created = await ours(target).createSession({ filename, type: "video", total_size: size });
  const url = created.upload_urls?.[0]?.url;
  if (!url) throw new Error("the create answer carried no URL");
  return { ...created, url };
}

/** Uploads `size` random bytes as one chunk, to completion; answers the asset id. */
async function uploadAsset(
  target: TwelveLabsSandbox,
  size = 1000,
  filename = "clip.mp4",
): Promise<string> {
  const upload = await openUpload(target, size, filename);
  const put = await putPart(upload.url, randomBytes(size), upload.upload_headers ?? {});
  expect(put.status).toBe(200);
  const proof = put.etag?.replace(/"/g, "") ?? "";
  await ours(target).reportChunks(upload.upload_id, [
    { chunk_index: 1, proof, proof_type: "etag", chunk_size: size },
  ]);
  expect(target.sessions().find((s) => s.assetId === upload.asset_id)?.status).toBe("completed");
  return upload.asset_id;
}

/** Reads until the status is final (or {@link MAX_READS} reads); answers every status read. */
async function statusesUntilFinal(read: () => Promise<string | undefined>): Promise<string[]> {
  const statuses: string[] = [];
  for (let i = 0; i < MAX_READS; i += 1) {
    const status = (await read()) ?? "(none)";
    statuses.push(status);
    if (status === "ready" || status === "failed") break;
  }
  return statuses;
}

/** The error a promise rejects with. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error("expected a rejection");
    },
    (error: unknown) => error,
  );
}

/** Expects an API error answer of `status` in the documented `{code, message}` shape. */
function expectError(result: { status: number; body: unknown }, status: number): string {
  expect(result.status).toBe(status);
  return errorBodySchema.parse(result.body).message;
}

describe("the official SDK against the sandbox's indexing", () => {
  it("creates an indexed asset and retrieves it until ready, with the SDK's own parsers", async () => {
    const assetId = await uploadAsset(sandbox, 1000, "sdk.mp4");
    const { indexedAssets } = sdk(sandbox).indexes;
    const created = await indexedAssets.create(DEFAULT_INDEX_ID, {
      assetId,
      enableVideoStream: false,
      userMetadata: { team: "relay", take: 3, final: true },
    });
    expect(created.assetId).toBe(assetId);
    expect(created.id).toMatch(/^[0-9a-f]{24}$/);
    const id = created.id ?? "";

    const reads: TwelvelabsApi.IndexedAssetDetailed[] = [];
    const statuses = await statusesUntilFinal(async () => {
      const asset = await indexedAssets.retrieve(DEFAULT_INDEX_ID, id);
      reads.push(asset);
      return asset.status;
    });
    expect(statuses).toEqual(["pending", "indexing", "ready"]);
    const ready = reads.at(-1);
    expect(ready).toMatchObject({
      id,
      assetId,
      status: "ready",
      systemMetadata: { filename: "sdk.mp4", size: 1000 },
      userMetadata: { team: "relay", take: 3, final: true },
    });
    expect(ready?.indexedAt).toMatch(/Z$/);
    expect(reads[0]?.indexedAt).toBeUndefined();
    expect(sandbox.indexedAssets().find((a) => a.id === id)).toEqual({
      id,
      indexId: DEFAULT_INDEX_ID,
      assetId,
      status: "ready",
    });
  });

  it("maps the refusals to its error classes", async () => {
    const assetId = await uploadAsset(sandbox);
    const { indexedAssets } = sdk(sandbox).indexes;
    const once = { maxRetries: 0 };
    await expect(indexedAssets.create("no-such-index", { assetId }, once)).rejects.toBeInstanceOf(
      TwelvelabsApi.NotFoundError,
    );
    await expect(
      indexedAssets.create(DEFAULT_INDEX_ID, { assetId: "000000000000000000000000" }, once),
    ).rejects.toBeInstanceOf(TwelvelabsApi.BadRequestError);
    await expect(
      indexedAssets.retrieve(DEFAULT_INDEX_ID, "000000000000000000000000", {}, once),
    ).rejects.toBeInstanceOf(TwelvelabsApi.NotFoundError);
    // The SDK maps no 403 for these two calls: it raises its base error with the status.
    const wrongKey = sdk(sandbox, "wrong-key").indexes.indexedAssets;
    const refused = await rejection(wrongKey.create(DEFAULT_INDEX_ID, { assetId }, once));
    expect(refused).toBeInstanceOf(TwelvelabsApiError);
    expect((refused as TwelvelabsApiError).statusCode).toBe(403);
  });
});

describe("our TwelveLabsClient against the sandbox's indexing", () => {
  it("indexAsset, then getIndexedAsset until ready", async () => {
    const assetId = await uploadAsset(sandbox, 2000, "ours.mov");
    const client = ours(sandbox);
    const created = await client.indexAsset(DEFAULT_INDEX_ID, assetId);
    expect(created).toEqual({ _id: expect.stringMatching(/^[0-9a-f]{24}$/), asset_id: assetId });

    const answers: Awaited<ReturnType<TwelveLabsClient["getIndexedAsset"]>>[] = [];
    const statuses = await statusesUntilFinal(async () => {
      const answer = await client.getIndexedAsset(DEFAULT_INDEX_ID, created._id);
      answers.push(answer);
      return answer.status;
    });
    expect(statuses).toEqual(["pending", "indexing", "ready"]);
    expect(answers.at(-1)).toMatchObject({ _id: created._id, asset_id: assetId, status: "ready" });
    expect(answers.at(-1)?.indexed_at).toBeDefined();
    // A final status stays.
    expect((await client.getIndexedAsset(DEFAULT_INDEX_ID, created._id)).status).toBe("ready");
  });

  it("URL-encodes the path segments: an index id with a space, a slash and a question mark", async () => {
    const assetId = await uploadAsset(clocked);
    const client = ours(clocked);
    const created = await client.indexAsset(ODD_INDEX, assetId);
    expect((await client.getIndexedAsset(ODD_INDEX, created._id)).status).toBe("pending");
    expect(clocked.indexedAssets().find((a) => a.id === created._id)?.indexId).toBe(ODD_INDEX);
    // The same indexed asset is not found through the other index.
    const error = await rejection(client.getIndexedAsset("plain-index", created._id));
    expect(error).toBeInstanceOf(ProviderHttpError);
    expect((error as ProviderHttpError).status).toBe(404);
  });

  it("indexes an asset again on each call: a new indexed asset each time", async () => {
    const assetId = await uploadAsset(sandbox);
    const client = ours(sandbox);
    const first = await client.indexAsset(DEFAULT_INDEX_ID, assetId);
    const second = await client.indexAsset(DEFAULT_INDEX_ID, assetId);
    expect(second._id).not.toBe(first._id);
    expect(sandbox.indexedAssets().filter((a) => a.assetId === assetId)).toHaveLength(2);
  });

  it("retries a lost indexAsset answer, and so indexes the asset twice (the TSDoc's caveat)", async () => {
    const assetId = await uploadAsset(sandbox);
    sandbox.setFaults({ indexAsset: { lostAnswerRate: 0.5 } });
    lostAnswers = 1;
    const created = await ours(sandbox).indexAsset(DEFAULT_INDEX_ID, assetId);
    expect(sandbox.faultCounts()["indexAsset.lostAnswer"]).toBe(1);
    const indexed = sandbox.indexedAssets().filter((a) => a.assetId === assetId);
    expect(indexed).toHaveLength(2);
    expect(indexed.map((a) => a.id)).toContain(created._id);
  });

  it("retries the sandbox's injected 500s on both calls, then gives up with its typed error", async () => {
    const assetId = await uploadAsset(sandbox);
    sandbox.setFaults({ indexAsset: { error500Rate: 1 }, indexedAsset: { error500Rate: 1 } });
    const before = sandbox.faultCounts();
    const error = await rejection(ours(sandbox).indexAsset(DEFAULT_INDEX_ID, assetId));
    expect(error).toBeInstanceOf(ProviderUnavailableError);
    expect((error as ProviderUnavailableError).cause).toBeInstanceOf(ProviderHttpError);
    await expect(ours(sandbox).getIndexedAsset(DEFAULT_INDEX_ID, "x")).rejects.toBeInstanceOf(
      ProviderUnavailableError,
    );
    const after = sandbox.faultCounts();
    expect((after["indexAsset.500"] ?? 0) - (before["indexAsset.500"] ?? 0)).toBe(2);
    expect((after["indexedAsset.500"] ?? 0) - (before["indexedAsset.500"] ?? 0)).toBe(2);
    expect(sandbox.indexedAssets().filter((a) => a.assetId === assetId)).toHaveLength(0);
  });
});

describe("the sandbox's indexing answers, held to the documented shapes", () => {
  it("answers 202 with {_id, asset_id}, then IndexedAssetDetailed on the sandbox clock", async () => {
    const assetId = await uploadAsset(clocked, 3000, "timed.mp4");
    const t0 = clocked.now();
    const post = await callApi(clocked, "POST", "/indexes/plain-index/indexed-assets", {
      body: { asset_id: assetId },
    });
    expect(post.status).toBe(202);
    const created = DocumentedIndexAssetAnswerSchema.parse(post.body);
    expect(created.asset_id).toBe(assetId);
    expect(IndexAssetAnswerSchema.parse(post.body)).toEqual(created);

    const path = `/indexes/plain-index/indexed-assets/${created._id}`;
    const read = async () => {
      clocked.advanceClock(60_000);
      const answer = await callApi(clocked, "GET", path);
      expect(answer.status).toBe(200);
      // Every documented answer reads with our lenient schema too.
      IndexedAssetAnswerSchema.parse(answer.body);
      return DocumentedIndexedAssetSchema.parse(answer.body);
    };
    const reads = [await read(), await read(), await read(), await read(), await read()];
    expect(reads.map((r) => r.status)).toEqual([
      "pending",
      "indexing",
      "indexing",
      "ready",
      "ready",
    ]);
    const at = (minutes: number) => rfc3339(t0 + minutes * 60_000);
    expect(reads[0]).toEqual({
      _id: created._id,
      asset_id: assetId,
      created_at: at(0),
      updated_at: at(0),
      status: "pending",
      system_metadata: { filename: "timed.mp4", size: 3000 },
    });
    expect(reads[1]?.updated_at).toBe(at(2));
    expect(reads[2]?.updated_at).toBe(at(2));
    expect(reads[3]).toMatchObject({ updated_at: at(4), indexed_at: at(4), created_at: at(0) });
    expect(reads[4]).toMatchObject({ updated_at: at(4), indexed_at: at(4) });
  });
});

describe("the indexing refusals", () => {
  it("an unknown index: 404 on both calls; our client raises ProviderHttpError 404 at once", async () => {
    const assetId = await uploadAsset(sandbox);
    const post = await callApi(sandbox, "POST", "/indexes/no-such-index/indexed-assets", {
      body: { asset_id: assetId },
    });
    expect(expectError(post, 404)).toMatch(/index no-such-index not found/);
    const get = await callApi(sandbox, "GET", "/indexes/no-such-index/indexed-assets/abc");
    expect(expectError(get, 404)).toMatch(/index no-such-index not found/);

    const calls = sandbox.calls().indexAsset ?? 0;
    const error = await rejection(ours(sandbox).indexAsset("no-such-index", assetId));
    expect(error).toBeInstanceOf(ProviderHttpError);
    expect(error).toMatchObject({ status: 404, retryable: false });
    expect(sandbox.calls().indexAsset).toBe(calls + 1);
    await expect(ours(sandbox).getIndexedAsset("no-such-index", "abc")).rejects.toMatchObject({
      name: "ProviderHttpError",
      status: 404,
    });
  });

  it("an asset that is not an upload of this sandbox, or not completed: 400 naming it", async () => {
    const unknown = "000000000000000000000000";
    const open = await openUpload(sandbox, 1000, "unfinished.mp4");
    const path = `/indexes/${DEFAULT_INDEX_ID}/indexed-assets`;
    const notOurs = await callApi(sandbox, "POST", path, { body: { asset_id: unknown } });
    expect(expectError(notOurs, 400)).toMatch(/asset_id 0{24} is not an asset/);
    const unfinished = await callApi(sandbox, "POST", path, { body: { asset_id: open.asset_id } });
    expect(expectError(unfinished, 400)).toMatch(/is not ready: its upload is active/);
    // An upload id is no asset id.
    const uploadId = await callApi(sandbox, "POST", path, { body: { asset_id: open.upload_id } });
    expectError(uploadId, 400);

    for (const id of [unknown, open.asset_id]) {
      const error = await rejection(ours(sandbox).indexAsset(DEFAULT_INDEX_ID, id));
      expect(error).toBeInstanceOf(ProviderHttpError);
      expect(error).toMatchObject({ status: 400, retryable: false });
    }
    expect(sandbox.indexedAssets().filter((a) => a.assetId === open.asset_id)).toHaveLength(0);
  });

  it("a malformed body: 400; our client refuses an empty asset id before sending it", async () => {
    const path = `/indexes/${DEFAULT_INDEX_ID}/indexed-assets`;
    const bodies: unknown[] = [
      {},
      { asset_id: "" },
      { asset_id: 42 },
      [],
      null,
      { asset_id: "a", enable_video_stream: "yes" },
      { asset_id: "a", user_metadata: { nested: { no: 1 } } },
    ];
    for (const body of bodies) {
      const answer = await callApi(sandbox, "POST", path, { body });
      expect(answer.status, JSON.stringify(body)).toBe(400);
      errorBodySchema.parse(answer.body);
    }
    expect(expectError(await callApi(sandbox, "POST", path, { rawBody: "{asset_id" }), 400)).toBe(
      "request body is not valid JSON",
    );
    expect(expectError(await callApi(sandbox, "POST", path, { body: {} }), 400)).toMatch(
      /asset_id/,
    );

    const calls = sandbox.calls().indexAsset ?? 0;
    await expect(ours(sandbox).indexAsset(DEFAULT_INDEX_ID, "")).rejects.toBeInstanceOf(
      InvalidInputError,
    );
    await expect(ours(sandbox).indexAsset("", "abc")).rejects.toThrow(/indexId is empty/);
    await expect(ours(sandbox).getIndexedAsset(DEFAULT_INDEX_ID, "")).rejects.toThrow(
      /indexedAssetId is empty/,
    );
    expect(sandbox.calls().indexAsset ?? 0).toBe(calls);
  });

  it("a missing or wrong key: 403 on both calls, before anything is read", async () => {
    const assetId = await uploadAsset(sandbox);
    const path = `/indexes/${DEFAULT_INDEX_ID}/indexed-assets`;
    for (const key of [null, "wrong-key"]) {
      const post = await callApi(sandbox, "POST", path, { body: { asset_id: assetId }, key });
      expect(expectError(post, 403)).toMatch(/x-api-key/);
      const get = await callApi(sandbox, "GET", `${path}/abc`, { key });
      expectError(get, 403);
    }
    expect(sandbox.indexedAssets().filter((a) => a.assetId === assetId)).toHaveLength(0);
    await expect(
      ours(sandbox, "wrong-key").indexAsset(DEFAULT_INDEX_ID, assetId),
    ).rejects.toMatchObject({ name: "ProviderHttpError", status: 403, retryable: false });
    await expect(
      ours(sandbox, "wrong-key").getIndexedAsset(DEFAULT_INDEX_ID, "abc"),
    ).rejects.toMatchObject({ name: "ProviderHttpError", status: 403 });
  });

  it("an unknown indexed asset: 404; our client raises ProviderHttpError 404", async () => {
    const get = await callApi(sandbox, "GET", `/indexes/${DEFAULT_INDEX_ID}/indexed-assets/nope`);
    expect(expectError(get, 404)).toMatch(/indexed asset nope not found/);
    const error = await rejection(ours(sandbox).getIndexedAsset(DEFAULT_INDEX_ID, "nope"));
    expect(error).toBeInstanceOf(ProviderHttpError);
    expect(error).toMatchObject({ status: 404, retryable: false });
  });

  it("routes it does not emulate: 405 for other methods, 404 for other paths", async () => {
    const base = `/indexes/${DEFAULT_INDEX_ID}/indexed-assets`;
    expect((await callApi(sandbox, "GET", base)).status).toBe(405);
    const put = await callJsonApi(
      "PUT",
      `${sandbox.baseUrl}${base}/abc`,
      "x-api-key",
      sandbox.apiKey,
      {
        body: {},
      },
    );
    expect(put.status).toBe(405);
    expect((await callApi(sandbox, "GET", `${base}/`)).status).toBe(404);
    expect((await callApi(sandbox, "GET", `/indexes/${DEFAULT_INDEX_ID}/videos/abc`)).status).toBe(
      404,
    );
    expect((await callApi(sandbox, "GET", `${base}/a/b`)).status).toBe(404);
  });
});

describe("the failIndexing fault", () => {
  it("ends the indexing of a listed asset failed, set at runtime; other assets end ready", async () => {
    const failing = await uploadAsset(sandbox);
    const fine = await uploadAsset(sandbox);
    const client = ours(sandbox);
    const bad = await client.indexAsset(DEFAULT_INDEX_ID, failing);
    const good = await client.indexAsset(DEFAULT_INDEX_ID, fine);
    // Set while both are already indexing: read when each reaches its final status.
    sandbox.setFaults({ failIndexing: [failing] });

    const read = (id: string) => async () =>
      (await client.getIndexedAsset(DEFAULT_INDEX_ID, id)).status;
    expect(await statusesUntilFinal(read(bad._id))).toEqual(["pending", "indexing", "failed"]);
    expect(await statusesUntilFinal(read(good._id))).toEqual(["pending", "indexing", "ready"]);
    expect((await client.getIndexedAsset(DEFAULT_INDEX_ID, bad._id)).indexed_at).toBeUndefined();
    // A final status stays, whatever the faults say now.
    sandbox.setFaults({});
    expect((await client.getIndexedAsset(DEFAULT_INDEX_ID, bad._id)).status).toBe("failed");

    // The SDK reads the same outcome.
    const retrieved = await sdk(sandbox).indexes.indexedAssets.retrieve(DEFAULT_INDEX_ID, bad._id);
    expect(retrieved.status).toBe("failed");
    expect(
      sandbox
        .indexedAssets()
        .filter((a) => a.id === bad._id || a.id === good._id)
        .map((a) => a.status),
    ).toEqual(["failed", "ready"]);
  });

  it("is taken from the start options too, and refused when malformed", async () => {
    const own = await startTwelveLabsSandbox({
      s3: stack.s3.client,
      s3Endpoint: stack.s3.endpoint,
      chunkSize: CHUNK,
      minChunkSize: CHUNK,
      initialUrls: 1,
      indexingSteps: 0,
      faults: { failIndexing: ["placeholder"] },
    });
    try {
      const assetId = await uploadAsset(own);
      own.setFaults({ failIndexing: [assetId] });
      const created = await ours(own).indexAsset(DEFAULT_INDEX_ID, assetId);
      expect((await ours(own).getIndexedAsset(DEFAULT_INDEX_ID, created._id)).status).toBe(
        "failed",
      );
      expect(() => own.setFaults({ failIndexing: [""] })).toThrow(/failIndexing/);
      expect(() => own.setFaults({ failIndexing: "all" } as never)).toThrow(InvalidInputError);
    } finally {
      await own.stop();
    }
  });
});

describe("the indexing options", () => {
  it("refuses repeated or empty index ids and a negative indexingSteps, naming them", async () => {
    const common = { s3: stack.s3.client, s3Endpoint: stack.s3.endpoint };
    await expect(startTwelveLabsSandbox({ ...common, indexes: ["a", "a"] })).rejects.toThrow(
      /indexes must not repeat an id/,
    );
    await expect(startTwelveLabsSandbox({ ...common, indexes: [""] })).rejects.toThrow(
      /non-empty string/,
    );
    await expect(startTwelveLabsSandbox({ ...common, indexingSteps: -1 })).rejects.toThrow(
      /indexingSteps must be an integer/,
    );
  });

  it("has only the indexes it was given", async () => {
    const assetId = await uploadAsset(clocked);
    const post = await callApi(clocked, "POST", `/indexes/${DEFAULT_INDEX_ID}/indexed-assets`, {
      body: { asset_id: assetId },
    });
    expectError(post, 404);
  });
});
