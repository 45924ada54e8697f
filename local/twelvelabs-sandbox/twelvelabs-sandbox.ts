/**
 * A faithful local emulator of the TwelveLabs multipart-upload API (v1.3): the five endpoints,
 * backed by a real S3 multipart upload on the local S3 server, with real expiring presigned
 * part URLs checked by a gate on the same port, and fault injection for tests; plus the two
 * calls that index a completed asset into an index and follow its indexing.
 */

import type { Readable } from "node:stream";
import { InvalidInputError, UploadStateError } from "../../functions/core/errors.js";
import { readObject, streamObject } from "../sandbox-kit/sandbox-bucket.js";
import { type SandboxControls, startSandboxHost } from "../sandbox-kit/sandbox-host.js";
import {
  type AnswerRewriter,
  type FaultEndpoint,
  type SandboxFaults,
  TwelveLabsFaultInjector,
} from "./faults.js";
import { validateFaults } from "./faults-schema.js";
import { type IndexedAssetStatus, IndexStore } from "./index-store.js";
import { IndexingApi } from "./indexing-api.js";
import { type ChunkUrlDetails, ChunkUrls } from "./part-url-signer.js";
import { SandboxApi } from "./sandbox-api.js";
import { resolveSandboxOptions, type TwelveLabsSandboxOptions } from "./sandbox-options.js";
import { API_KEY_HEADER, API_PREFIX, readApiBody, routeOf } from "./sandbox-server.js";
import { type SessionStatus, SessionStore } from "./session-store.js";

/** One session as tests see it. */
export interface SandboxSessionSummary {
  readonly uploadId: string;
  readonly assetId: string;
  readonly status: SessionStatus;
  readonly totalSize: number;
}

/** One indexed asset as tests see it. */
export interface SandboxIndexedAssetSummary {
  /** The indexed asset's id (`_id` on the wire). */
  readonly id: string;
  readonly indexId: string;
  readonly assetId: string;
  /** Its status as last answered (`pending` until its first read). */
  readonly status: IndexedAssetStatus;
}

/** A running TwelveLabs sandbox. */
export interface TwelveLabsSandbox
  extends SandboxControls<FaultEndpoint, SandboxFaults, AnswerRewriter> {
  /** `http://127.0.0.1:<port>/v1.3`, the equivalent of `https://api.twelvelabs.io/v1.3`. */
  readonly baseUrl: string;
  /** The key the sandbox accepts in `x-api-key`. */
  readonly apiKey: string;
  /** Forces a chunk to `failed`; it must be uploaded and reported again. */
  failChunk(uploadId: string, index: number, error?: string): void;
  /** Bytes of a completed asset (by asset id or upload id); throws if it is not completed. */
  readAsset(assetIdOrUploadId: string): Promise<Buffer>;
  /** The same bytes as a stream, in constant memory whatever the asset's size. */
  assetStream(assetIdOrUploadId: string): Promise<Readable>;
  /** 500s and 429s injected so far, per endpoint. */
  faultsInjected(): Readonly<Partial<Record<FaultEndpoint, number>>>;
  /** Sessions created so far, lost create answers included: a soak's "duplicate sessions" base. */
  sessionsCreated(): number;
  /** Every session so far, oldest first. */
  sessions(): readonly SandboxSessionSummary[];
  /** Every indexed asset so far, in every index, oldest first. */
  indexedAssets(): readonly SandboxIndexedAssetSummary[];
}

const DEFAULT_CHUNK_ERROR = "chunk failed verification: upload it again";

/** Starts the sandbox on 127.0.0.1 against the local S3 server. */
export async function startTwelveLabsSandbox(
  options: TwelveLabsSandboxOptions,
): Promise<TwelveLabsSandbox> {
  const o = resolveSandboxOptions(options);
  const faults = new TwelveLabsFaultInjector(o.faults, o.random, o.sleep);
  const host = await startSandboxHost({ options: o, faults, validateFaults });
  const { now, origin } = host;
  const store = new SessionStore(now);
  const signer = host.partUrlSigner<ChunkUrlDetails>();
  const urls = new ChunkUrls(signer, o.bucket, store);
  const api = new SandboxApi({
    store,
    signer: urls,
    s3: o.s3,
    bucket: o.bucket,
    origin,
    chunkSize: o.chunkSize,
    minChunkSize: o.minChunkSize,
    maxTotalSize: o.maxTotalSize,
    initialUrls: o.initialUrls,
    sessionLifetimeSeconds: o.sessionLifetimeSeconds,
    now,
    failsAfterFirstReport: (index) => faults.failsAfterFirstReport(index),
  });
  const indexes = new IndexStore(o.indexes, now, o.indexingSteps);
  const indexing = new IndexingApi({
    indexes,
    sessions: store,
    failsIndexing: (assetId) => faults.failsIndexing(assetId),
  });
  host.serve({
    route: (method, pathname) => routeOf(api, method, pathname, indexing),
    apiKeyHeader: API_KEY_HEADER,
    readBody: readApiBody,
    signer,
    uploads: urls,
    strictHeaders: o.strictHeaders,
  });

  /** The stored object of a completed asset; throws for an unknown or unfinished one. */
  const completedAsset = (id: string): { key: string; what: string } => {
    const session = store.find(id);
    if (!session) throw new InvalidInputError(`unknown asset or upload ${id}`);
    if (session.status !== "completed") {
      throw new UploadStateError(`asset ${session.assetId} is ${store.statusOf(session)}`);
    }
    return { key: session.key, what: `asset ${session.assetId}` };
  };

  return {
    ...host.controls,
    baseUrl: `${origin}${API_PREFIX}`,
    apiKey: o.apiKey,
    faultsInjected: () => faults.injected(),
    sessionsCreated: () => store.all().length,
    failChunk: (uploadId, index, error = DEFAULT_CHUNK_ERROR) =>
      store.failChunk(uploadId, index, error),
    readAsset: async (id) => {
      const { key, what } = completedAsset(id);
      return readObject(o.s3, o.bucket, key, what);
    },
    assetStream: async (id) => {
      const { key, what } = completedAsset(id);
      return streamObject(o.s3, o.bucket, key, what);
    },
    sessions: () =>
      store.all().map((session) => ({
        uploadId: session.uploadId,
        assetId: session.assetId,
        status: store.statusOf(session),
        totalSize: session.totalSize,
      })),
    indexedAssets: () =>
      indexes.all().map(({ id, indexId, assetId, status }) => ({ id, indexId, assetId, status })),
  };
}
