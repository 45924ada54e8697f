/**
 * Correctness checks: a run that moved wrong bytes fails the bench instead of producing a
 * figure. The third check, the completed S3 object's MD5, is in `multipart-target.ts`.
 */

import { chunkRange } from "../../functions/core/chunk-plan.js";
import type { SinkPart } from "./sink.js";

/** Every ETag the child collected must be the MD5 of its chunk's source bytes. */
export function checkEtags(
  label: string,
  etags: readonly string[],
  expected: readonly string[],
): void {
  if (etags.length !== expected.length) {
    throw new Error(`${label}: ${etags.length} ETags for ${expected.length} chunks`);
  }
  etags.forEach((etag, i) => {
    if (etag.toLowerCase() !== expected[i]) {
      throw new Error(`${label}: chunk ${i + 1} ETag "${etag}" is not its source MD5`);
    }
  });
}

/** The sink must hold each chunk exactly as the source has it, and nothing else. */
export function checkSinkParts(
  label: string,
  parts: ReadonlyMap<number, SinkPart>,
  expected: readonly string[],
  chunkSize: number,
  size: number,
): void {
  if (parts.size !== expected.length) {
    throw new Error(`${label}: sink holds ${parts.size} parts, expected ${expected.length}`);
  }
  expected.forEach((md5, i) => {
    const part = parts.get(i + 1);
    const { size: bytes } = chunkRange(i + 1, chunkSize, size);
    if (part?.bytes !== bytes || part.md5 !== md5) {
      throw new Error(`${label}: sink part ${i + 1} differs from the source range`);
    }
  });
}
