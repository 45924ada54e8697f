/** The sandbox's bucket on the local S3 server: made sure of at start, read back by tests. */

import { Readable } from "node:stream";
import { CreateBucketCommand, GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { UploadStateError } from "../../functions/core/errors.js";

/** Creates the bucket unless it is there already. */
export async function ensureBucket(s3: S3Client, bucket: string): Promise<void> {
  try {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (name !== "BucketAlreadyOwnedByYou" && name !== "BucketAlreadyExists") throw error;
  }
}

/**
 * A stored object as a stream, read as it is consumed: checking an asset of any size takes
 * constant memory. `what` names it in the error if S3 answers no body.
 */
export async function streamObject(
  s3: S3Client,
  bucket: string,
  key: string,
  what: string,
): Promise<Readable> {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  if (!(object.Body instanceof Readable)) throw new UploadStateError(`${what} has no body`);
  return object.Body;
}

/** Bytes of a stored object, whole in memory (tests' small objects). */
export async function readObject(
  s3: S3Client,
  bucket: string,
  key: string,
  what: string,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of await streamObject(s3, bucket, key, what)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
