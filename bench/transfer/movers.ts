/**
 * The variants' ways of moving the chunks, run inside the measured child:
 * - baseline: what an SDK-style uploader does, one chunk at a time: GetObject →
 *   `transformToByteArray()` → PUT the whole buffer;
 * - relay: {@link transferChunks} streaming each ranged GET into its PUT, with concurrency 4,
 *   and with concurrency 1 to separate the effect of streaming from that of concurrency.
 */

import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { request } from "undici";
import { unquoteEtag } from "../../functions/core/etag.js";
import { transferChunks } from "../../functions/core/transfer-batch.js";
import type { TransferChunkInput } from "../../functions/core/transfer-chunk.js";
import type { Variant } from "./protocol.js";

/** What a variant sent: the receiver's ETags (unquoted) in chunk order, and the bytes counted. */
export interface Sent {
  /** One ETag per chunk, in chunk order. */
  readonly etags: string[];
  /** Bytes sent, counted by the sender. */
  readonly bytes: number;
}

/** Moves `chunks` the way `variant` does. */
export function moveChunks(
  variant: Variant,
  s3: S3Client,
  chunks: readonly TransferChunkInput[],
): Promise<Sent> {
  if (variant === "baseline") return moveBuffered(s3, chunks);
  return moveStreamed(s3, chunks, variant === "relay-c4" ? 4 : 1);
}

/** The relay's way; a failed chunk fails the run, as a figure without it would be wrong. */
async function moveStreamed(
  s3: S3Client,
  chunks: readonly TransferChunkInput[],
  concurrency: number,
): Promise<Sent> {
  const { done, failed } = await transferChunks(chunks, { s3, concurrency });
  if (failed.length > 0) {
    const reasons = failed.map((f) => `chunk ${f.index}: ${f.error.message}`).join("; ");
    throw new Error(`${failed.length}/${chunks.length} chunks failed: ${reasons}`);
  }
  return {
    etags: done.map((c) => c.etag),
    bytes: done.reduce((sum, c) => sum + c.size, 0),
  };
}

/** The SDK-style way: each whole chunk into memory, then PUT, one at a time. */
async function moveBuffered(s3: S3Client, chunks: readonly TransferChunkInput[]): Promise<Sent> {
  const etags: string[] = [];
  let sent = 0;
  for (const chunk of chunks) {
    const out = await s3.send(
      new GetObjectCommand({
        Bucket: chunk.bucket,
        Key: chunk.key,
        Range: `bytes=${chunk.start}-${chunk.end}`,
      }),
    );
    const bytes = await (
      out.Body as { transformToByteArray(): Promise<Uint8Array> }
    ).transformToByteArray();
    const res = await request(chunk.url, {
      method: "PUT",
      body: bytes,
      headers: { ...chunk.headers, "content-length": String(bytes.length) },
    });
    await res.body.dump();
    if (res.statusCode !== 200) throw new Error(`chunk ${chunk.index}: HTTP ${res.statusCode}`);
    etags.push(unquoteEtag(String(res.headers.etag)));
    sent += bytes.length;
  }
  return { etags, bytes: sent };
}
