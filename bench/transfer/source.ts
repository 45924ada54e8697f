/** The source object every run moves: random bytes in the local S3, and their digests. */

import { createHash, randomFillSync } from "node:crypto";
import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { chunkRange, totalChunks } from "../../functions/core/chunk-plan.js";
import { MiB } from "../../local/cli/text.js";

/** The digests every run is checked against. */
export interface Source {
  /** MD5 (hex) of the whole object. */
  readonly md5: string;
  /** MD5 (hex) of each chunk's byte range, from chunk 1. */
  readonly chunkMd5s: readonly string[];
}

/** Stores `size` random bytes at `bucket`/`key` and returns their digests. */
export async function putRandomObject(
  s3: S3Client,
  bucket: string,
  key: string,
  size: number,
  chunkSize: number,
): Promise<Source> {
  const body = Buffer.allocUnsafe(size);
  // Random bytes in slices: one randomFillSync call is capped at 2 GiB and blocks longer.
  for (let at = 0; at < size; at += 64 * MiB) {
    randomFillSync(body, at, Math.min(64 * MiB, size - at));
  }
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  const chunkMd5s = Array.from({ length: totalChunks(size, chunkSize) }, (_, i) => {
    const { start, end } = chunkRange(i + 1, chunkSize, size);
    return md5Hex(body.subarray(start, end + 1));
  });
  return { md5: md5Hex(body), chunkMd5s };
}

function md5Hex(bytes: Uint8Array): string {
  return createHash("md5").update(bytes).digest("hex");
}
