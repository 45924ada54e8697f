/**
 * Transfer: moves one batch of chunks from S3 to their presigned URLs, several at once. Chunks
 * already sent are skipped; URLs missing or about to expire are refreshed first. Each ETag is
 * stored as soon as its chunk lands, so a crash loses no finished chunk.
 */

import { ChunkTransferError, ProviderResponseError, UploadStateError } from "../errors.js";
import { recordMetric } from "../metrics.js";
import type { SessionRef } from "../provider.js";
import { transferChunks } from "../transfer-batch.js";
import type { TransferChunkInput } from "../transfer-chunk.js";
import { type ChunkRecord, sourcesOf, type UploadRecord } from "../upload-store.js";
import type { RelaySettings, StepDeps } from "./step-deps.js";
import { BatchRef, parseInput } from "./step-inputs.js";

/** Output of transfer: the batch, with what moved. */
export interface TransferOutput {
  readonly uploadKey: string;
  readonly first: number;
  readonly last: number;
  /** Chunks sent by this call. */
  readonly transferred: number;
  /** Bytes sent by this call. */
  readonly bytes: number;
}

/** What transfer needs. */
export type TransferDeps = Pick<StepDeps, "store" | "providers" | "s3" | "dispatcher" | "now"> & {
  readonly settings: Pick<
    RelaySettings,
    "transferConcurrency" | "verifyEtag" | "urlRefreshMarginMs"
  >;
};

/** Transfers the chunks `first..last` of an upload that are not sent yet. */
export async function transfer(input: unknown, deps: TransferDeps): Promise<TransferOutput> {
  const batch = parseInput("transfer", BatchRef, input);
  const { uploadKey, first, last } = batch;
  const record = await deps.store.require(uploadKey);
  if (record.status === "completed") return { ...batch, transferred: 0, bytes: 0 };
  const session = requireSession(record);

  const pending = (await deps.store.getChunks(uploadKey, first, last)).filter((c) => !c.etag);
  if (pending.length === 0) return { ...batch, transferred: 0, bytes: 0 };
  const ready = await withFreshUrls(record, session, pending, deps);

  const sources = sourcesOf(record);
  const inputs: TransferChunkInput[] = ready.map((chunk) => {
    const source = sources[chunk.file ?? 0];
    if (!source) throw new UploadStateError(`chunk ${chunk.index} names no source file`);
    return {
      bucket: source.bucket,
      key: source.key,
      versionId: source.versionId,
      sourceEtag: source.etag,
      index: chunk.index,
      start: chunk.start,
      end: chunk.start + chunk.size - 1,
      url: chunk.url,
      headers: session.uploadHeaders,
    };
  });
  const result = await transferChunks(inputs, {
    s3: deps.s3,
    concurrency: deps.settings.transferConcurrency,
    verifyEtag: deps.settings.verifyEtag ?? true,
    ...(deps.dispatcher ? { dispatcher: deps.dispatcher } : {}),
    onChunkDone: (done) => deps.store.recordTransferred(uploadKey, done.index, done.etag),
  });

  recordMetric(
    "BytesTransferred",
    result.done.reduce((sum, c) => sum + c.size, 0),
  );
  recordMetric("ChunksTransferred", result.done.length);
  // Each failed chunk goes again: with fresh URLs, at the Task's retry.
  recordMetric("Retries", result.failed.length);
  if (result.failed.length > 0) {
    // A refused PUT most often means the URL expired or was used; the retry asks for new ones.
    await deps.store.dropUrls(
      uploadKey,
      result.failed.map((f) => f.index),
    );
    const firstFailure = result.failed[0];
    throw new ChunkTransferError(
      firstFailure?.index ?? first,
      `${result.failed.length} of ${inputs.length} chunks failed in batch ${first}-${last}; first: ${firstFailure?.error.message}`,
      { retryable: true, cause: firstFailure?.error },
    );
  }
  return {
    ...batch,
    transferred: result.done.length,
    bytes: result.done.reduce((sum, c) => sum + c.size, 0),
  };
}

interface ReadySession extends SessionRef {
  readonly uploadHeaders: Readonly<Record<string, string>>;
}

function requireSession(record: UploadRecord): ReadySession {
  const { uploadId, uploadHeaders, files } = record;
  if (record.status !== "transferring" || !uploadId || !uploadHeaders || !files) {
    throw new UploadStateError(`upload ${record.uploadKey} is ${record.status}, not transferring`);
  }
  return { uploadId, uploadHeaders, files };
}

async function withFreshUrls(
  record: UploadRecord,
  session: SessionRef,
  chunks: readonly ChunkRecord[],
  deps: Pick<TransferDeps, "store" | "providers" | "settings" | "now">,
): Promise<(ChunkRecord & { url: string })[]> {
  const deadline = (deps.now ?? Date.now)() + deps.settings.urlRefreshMarginMs;
  const stale = chunks.filter((c) => !c.url || (c.urlExpiresAt ?? 0) < deadline);
  const fresh = new Map<number, string>();
  if (stale.length > 0) {
    recordMetric("UrlRefreshes", stale.length);
    const provider = deps.providers.get(record.provider);
    const urls = await provider.getChunkUrls(
      session,
      stale.map((c) => c.index),
    );
    // A provider that states each part's bytes with its URL must state the planned ones: bytes
    // sent for another range would be a corrupt asset, not a failed upload.
    const planned = new Map(chunks.map((c) => [c.index, c]));
    for (const u of urls) {
      const chunk = planned.get(u.index);
      if (
        chunk &&
        ((u.start ?? chunk.start) !== chunk.start || (u.size ?? chunk.size) !== chunk.size)
      ) {
        throw new ProviderResponseError(
          `${provider.name}.getChunkUrls`,
          `chunk ${u.index} is now bytes ${u.start}+${u.size}, planned ${chunk.start}+${chunk.size}`,
        );
      }
    }
    // Used at once and not stored: the provider's URLs are single-use, and saving each was one
    // more table write per chunk on the hot path. A run that dies before its PUTs asks again.
    for (const u of urls) fresh.set(u.index, u.url);
  }
  return chunks.map((chunk) => {
    const url = fresh.get(chunk.index) ?? chunk.url;
    if (!url) throw new UploadStateError(`no URL for chunk ${chunk.index}`);
    return { ...chunk, url };
  });
}
