/**
 * The chunk plan: which bytes of the source make up chunk `n`, and how chunks are grouped into
 * the batches one transfer invocation moves. Pure arithmetic, validated up front, so a bad size
 * from a provider or an event fails here with a clear message instead of as a wrong byte range.
 */

import { InvalidInputError } from "./errors.js";

/** The bytes of one chunk in the source object. */
export interface ChunkRange {
  /** Chunk number, from 1. */
  readonly index: number;
  /** First byte, from 0. */
  readonly start: number;
  /** Last byte, inclusive (as in an HTTP `Range` header). */
  readonly end: number;
  /** Bytes in the chunk, `end - start + 1`. */
  readonly size: number;
}

/** A run of chunk numbers moved by one transfer invocation, both ends inclusive. */
export interface Batch {
  /** First chunk number of the batch, from 1. */
  readonly first: number;
  /** Last chunk number of the batch, inclusive. */
  readonly last: number;
}

/** Number of chunks for a file: `ceil(totalSize / chunkSize)`. */
export function totalChunks(totalSize: number, chunkSize: number): number {
  requirePositiveInteger("totalSize", totalSize);
  requirePositiveInteger("chunkSize", chunkSize);
  return Math.ceil(totalSize / chunkSize);
}

/** Byte range of chunk `index` (from 1); every chunk but the last is exactly `chunkSize`. */
export function chunkRange(index: number, chunkSize: number, totalSize: number): ChunkRange {
  const total = totalChunks(totalSize, chunkSize);
  requirePositiveInteger("index", index);
  if (index > total) {
    throw new InvalidInputError(`chunk index ${index} is beyond the last chunk (${total})`);
  }
  const start = (index - 1) * chunkSize;
  const end = Math.min(start + chunkSize, totalSize) - 1;
  return { index, start, end, size: end - start + 1 };
}

/** Splits chunks `1..totalChunks` into consecutive batches of at most `chunksPerBatch`. */
export function planBatches(total: number, chunksPerBatch: number): Batch[] {
  requirePositiveInteger("totalChunks", total);
  requirePositiveInteger("chunksPerBatch", chunksPerBatch);
  const batches: Batch[] = [];
  for (let first = 1; first <= total; first += chunksPerBatch) {
    batches.push({ first, last: Math.min(first + chunksPerBatch - 1, total) });
  }
  return batches;
}

/**
 * Groups chunk numbers (any order, duplicates allowed) into batches of at most `chunksPerBatch`
 * of them, each batch given as its smallest..largest number: this is how only the failed chunks
 * are sent again. A batch range may therefore span chunks that are already done (`[2, 9]` in
 * one batch covers 3..8); the transfer step skips chunks whose ETag is recorded.
 */
export function batchesFor(indexes: readonly number[], chunksPerBatch: number): Batch[] {
  requirePositiveInteger("chunksPerBatch", chunksPerBatch);
  for (const index of indexes) requirePositiveInteger("chunk index", index);
  const sorted = [...new Set(indexes)].sort((a, b) => a - b);
  const batches: Batch[] = [];
  for (let i = 0; i < sorted.length; i += chunksPerBatch) {
    const group = sorted.slice(i, i + chunksPerBatch);
    batches.push({ first: group[0] as number, last: group[group.length - 1] as number });
  }
  return batches;
}

function requirePositiveInteger(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new InvalidInputError(`${name} must be a positive integer, got ${String(value)}`);
  }
}
