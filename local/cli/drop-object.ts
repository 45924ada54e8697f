/** Putting objects into the drop bucket, the way a user's upload would arrive. */

import { createHash, randomBytes } from "node:crypto";
import { pipeline, Readable, Transform } from "node:stream";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import type { LocalRelay } from "../local-relay.js";
import { MiB } from "./text.js";

/** An object put into the drop bucket. */
export interface Dropped {
  readonly key: string;
  readonly size: number;
  /** ETag S3 answered, without quotes: with the key, it names the execution the put starts. */
  readonly etag: string;
  /** MD5 of the bytes sent, computed on the way. */
  readonly md5: string;
}

/** Streams `size` bytes from `source` into the bucket, hashing them as they pass. */
export async function dropObject(
  relay: LocalRelay,
  key: string,
  source: Readable,
  size: number,
): Promise<Dropped> {
  const hash = createHash("md5");
  const hashing = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      done(null, chunk);
    },
  });
  // pipeline passes a read error on to `hashing`, which fails the PUT instead of stalling it.
  pipeline(source, hashing, () => undefined);
  const out = await relay.stack.s3.client.send(
    new PutObjectCommand({ Bucket: relay.bucket, Key: key, Body: hashing, ContentLength: size }),
  );
  return { key, size, etag: (out.ETag ?? "").replaceAll('"', ""), md5: hash.digest("hex") };
}

/** `size` random bytes, made one MiB at a time: a stand-in video that never sits in memory. */
export function randomBytesSource(size: number): Readable {
  return Readable.from(
    (function* () {
      for (let left = size; left > 0; left -= MiB) yield randomBytes(Math.min(MiB, left));
    })(),
  );
}
