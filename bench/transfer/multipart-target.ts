/** The local-s3 receiver: one run into a multipart upload's presigned UploadPart URLs. */

import { createHash } from "node:crypto";
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  type S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { quoteEtag } from "../../functions/core/etag.js";
import type { ChildResult } from "./protocol.js";

/** Bucket the multipart uploads go to; the parent creates it. */
export const TARGET_BUCKET = "bench-target";
const TARGET_KEY = "relayed/bench.bin";

/**
 * Runs `run` against presigned UploadPart URLs for `count` parts, completes the upload, checks
 * the assembled object against `sourceMd5` (skipped when `undefined`: a prefix was moved) and
 * deletes it.
 */
export async function runIntoMultipartUpload(
  s3: S3Client,
  count: number,
  sourceMd5: string | undefined,
  run: (urls: string[]) => Promise<ChildResult>,
): Promise<ChildResult> {
  const Bucket = TARGET_BUCKET;
  const Key = TARGET_KEY;
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key }));
  const urls = await Promise.all(
    Array.from({ length: count }, (_, i) =>
      getSignedUrl(s3, new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: i + 1 }), {
        expiresIn: 3600,
      }),
    ),
  );
  const result = await run(urls);
  await s3.send(
    new CompleteMultipartUploadCommand({
      Bucket,
      Key,
      UploadId,
      MultipartUpload: {
        Parts: result.etags.map((etag, i) => ({ PartNumber: i + 1, ETag: quoteEtag(etag) })),
      },
    }),
  );
  if (sourceMd5 !== undefined) {
    // s3rver accepts wrong part ETags at complete, so the assembled object is hashed here.
    const out = await s3.send(new GetObjectCommand({ Bucket, Key }));
    const hash = createHash("md5");
    for await (const piece of out.Body as AsyncIterable<Buffer>) hash.update(piece);
    if (hash.digest("hex") !== sourceMd5) throw new Error("relayed object differs from the source");
  }
  await s3.send(new DeleteObjectCommand({ Bucket, Key }));
  return result;
}
