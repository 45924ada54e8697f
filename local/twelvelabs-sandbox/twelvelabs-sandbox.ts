/**
 * A faithful local emulator of the TwelveLabs multipart-upload API (v1.3): the five endpoints,
 * backed by a real S3 multipart upload on the local S3 server, with real expiring presigned
 * part URLs checked by a gate on the same port, and fault injection for tests.
 */

import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { CreateBucketCommand, GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { Agent } from "undici";
import { InvalidInputError, UploadStateError } from "../../functions/core/errors.js";
import {
  type AnswerRewriter,
  type FaultEndpoint,
  FaultInjector,
  type SandboxFaults,
} from "./faults.js";
import { validateFaults } from "./faults-schema.js";
import { PartGate } from "./part-gate.js";
import { PartUrlSigner } from "./part-url-signer.js";
import { SandboxApi } from "./sandbox-api.js";
import { SandboxClock } from "./sandbox-clock.js";
import { resolveSandboxOptions, type TwelveLabsSandboxOptions } from "./sandbox-options.js";
import { API_PREFIX, createSandboxRequestListener } from "./sandbox-server.js";
import { type SessionStatus, SessionStore } from "./session-store.js";

/** One session as tests see it. */
export interface SandboxSessionSummary {
  readonly uploadId: string;
  readonly assetId: string;
  readonly status: SessionStatus;
  readonly totalSize: number;
}

/** A running TwelveLabs sandbox. */
export interface TwelveLabsSandbox {
  /** `http://127.0.0.1:<port>/v1.3`, the equivalent of `https://api.twelvelabs.io/v1.3`. */
  readonly baseUrl: string;
  /** The key the sandbox accepts in `x-api-key`. */
  readonly apiKey: string;
  /** `127.0.0.1:<port>`, the host every presigned part URL points at (the gate). */
  readonly partHost: string;
  /** Replaces every injected fault; throws `InvalidInputError` naming a bad field. */
  setFaults(faults: SandboxFaults): void;
  /** Replaces the rewriter of successful API answers; `undefined` removes it. */
  setRewriteAnswer(rewrite: AnswerRewriter | undefined): void;
  /** Jumps the sandbox's clock forward by `ms` milliseconds: issued URLs and sessions expire. */
  advanceClock(ms: number): void;
  /** Epoch milliseconds on the sandbox's clock (its base clock plus every jump). */
  now(): number;
  /** Forces a chunk to `failed`; it must be uploaded and reported again. */
  failChunk(uploadId: string, index: number, error?: string): void;
  /** Bytes of a completed asset (by asset id or upload id); throws if it is not completed. */
  readAsset(assetIdOrUploadId: string): Promise<Buffer>;
  /** API calls and part PUTs received so far, per endpoint (faulted ones included). */
  calls(): Readonly<Partial<Record<FaultEndpoint, number>>>;
  /** 500s and 429s injected so far, per endpoint. */
  faultsInjected(): Readonly<Partial<Record<FaultEndpoint, number>>>;
  /**
   * Every fault so far, as `<endpoint>.<kind>` → count, e.g. `{ "create.lostAnswer": 2,
   * "partPut.resetMidPut": 5, "report.429": 1, "report.failChunk": 3, "clock.advance": 1 }`.
   * `<endpoint>.clientGone` counts answers not written because the client had hung up.
   */
  faultCounts(): Readonly<Record<string, number>>;
  /** Sessions created so far, lost create answers included: a soak's "duplicate sessions" base. */
  sessionsCreated(): number;
  /** Every session so far, oldest first. */
  sessions(): readonly SandboxSessionSummary[];
  /** Closes the server and every connection; the local stack is the caller's. Safe to call twice. */
  stop(): Promise<void>;
}

const DEFAULT_CHUNK_ERROR = "chunk failed verification: upload it again";

/** Starts the sandbox on 127.0.0.1 against the local S3 server. */
export async function startTwelveLabsSandbox(
  options: TwelveLabsSandboxOptions,
): Promise<TwelveLabsSandbox> {
  const o = resolveSandboxOptions(options);
  await ensureBucket(o.s3, o.bucket);

  const server = createServer();
  server.listen(o.port, "127.0.0.1");
  await once(server, "listening");
  const port = (server.address() as AddressInfo).port;
  const origin = `http://127.0.0.1:${port}`;

  const clock = new SandboxClock(o.now);
  const now = clock.now;
  const store = new SessionStore(now);
  const faults = new FaultInjector(o.faults, o.random, o.sleep);
  let rewriter = o.rewriteAnswer;
  const dispatcher = new Agent();
  const signer = new PartUrlSigner(
    o.s3,
    o.bucket,
    origin,
    o.s3Endpoint,
    store,
    now,
    o.urlLifetimeSeconds,
  );
  const api = new SandboxApi({
    store,
    signer,
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
  const gate = new PartGate({
    store,
    signer,
    faults,
    strictHeaders: o.strictHeaders,
    now,
    dispatcher,
  });
  server.on(
    "request",
    createSandboxRequestListener({
      api,
      gate,
      faults,
      apiKey: o.apiKey,
      rewriter: () => rewriter,
    }),
  );

  let stopped: Promise<void> | undefined;
  return {
    baseUrl: `${origin}${API_PREFIX}`,
    apiKey: o.apiKey,
    partHost: `127.0.0.1:${port}`,
    setFaults: (next) => faults.set(validateFaults(next)),
    setRewriteAnswer: (next) => {
      rewriter = next;
    },
    advanceClock: (ms) => {
      clock.advance(ms);
      faults.countClockAdvance();
    },
    now,
    calls: () => faults.calls(),
    faultsInjected: () => faults.injected(),
    faultCounts: () => faults.counts(),
    sessionsCreated: () => store.all().length,
    failChunk: (uploadId, index, error = DEFAULT_CHUNK_ERROR) =>
      store.failChunk(uploadId, index, error),
    readAsset: async (id) => {
      const session = store.find(id);
      if (!session) throw new InvalidInputError(`unknown asset or upload ${id}`);
      if (session.status !== "completed") {
        throw new UploadStateError(`asset ${session.assetId} is ${store.statusOf(session)}`);
      }
      const object = await o.s3.send(new GetObjectCommand({ Bucket: o.bucket, Key: session.key }));
      if (!object.Body) throw new UploadStateError(`asset ${session.assetId} has no body`);
      return Buffer.from(await object.Body.transformToByteArray());
    },
    sessions: () =>
      store.all().map((session) => ({
        uploadId: session.uploadId,
        assetId: session.assetId,
        status: store.statusOf(session),
        totalSize: session.totalSize,
      })),
    stop: () => {
      stopped ??= (async () => {
        faults.cancel();
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        await closed;
        await dispatcher.destroy();
      })();
      return stopped;
    },
  };
}

async function ensureBucket(s3: S3Client, bucket: string): Promise<void> {
  try {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (name !== "BucketAlreadyOwnedByYou" && name !== "BucketAlreadyExists") throw error;
  }
}
