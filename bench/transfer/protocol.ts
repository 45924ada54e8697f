/**
 * What the parent and a measured child hand each other: the task goes in on the child's stdin
 * (it holds presigned URLs, so it never goes on a command line), the result comes back as the
 * last line of its stdout.
 */

import type { MemoryFigures } from "../shared/memory-probe.js";

/** A way of moving the chunks; see `movers.ts`. */
export type Variant = "baseline" | "relay-c4" | "relay-c1";

/** What the parent hands a child. */
export interface ChildTask {
  /** How to move the bytes. */
  readonly variant: Variant;
  /** Local S3 endpoint holding the source. */
  readonly endpoint: string;
  /** Region of the local S3. */
  readonly region: string;
  /** Credentials of the local S3. */
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** Source bucket. */
  readonly bucket: string;
  /** Source key. */
  readonly key: string;
  /** Source size in bytes. */
  readonly size: number;
  /** Chunk size in bytes. */
  readonly chunkSize: number;
  /** One URL per chunk, from chunk 1; fewer than the plan's chunks moves only a prefix. */
  readonly urls: readonly string[];
}

/** What a child reports. */
export interface ChildResult extends MemoryFigures {
  /** Wall time of the transfer alone. */
  readonly seconds: number;
  /** Bytes the child actually sent, counted by the child. */
  readonly bytes: number;
  /** One ETag per chunk as the relay keeps them (unquoted), in chunk order. */
  readonly etags: readonly string[];
}
