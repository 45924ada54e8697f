/**
 * Moves many chunks at once with a bounded pool of workers. A finished chunk is handed to the
 * caller the moment it finishes (so its ETag is recorded before anything else can fail), and a
 * failed chunk is collected rather than thrown, so one bad chunk never costs the good ones.
 */

import {
  ChunkRecordError,
  ChunkTransferError,
  InvalidInputError,
  RelayError,
  SourceChangedError,
} from "./errors.js";
import { runBounded } from "./run-bounded.js";
import {
  type TransferChunkInput,
  type TransferDeps,
  type TransferredChunk,
  transferChunk,
} from "./transfer-chunk.js";

/** Dependencies and knobs of {@link transferChunks}. */
export interface TransferBatchDeps extends TransferDeps {
  /** Chunks moving at once; at least 1. */
  readonly concurrency: number;
  /**
   * Called as soon as a chunk is accepted, before its worker takes the next chunk (the caller
   * records the ETag). If it throws, the chunk is listed as failed, as its proof was not kept.
   */
  readonly onChunkDone?: (chunk: TransferredChunk) => Promise<void> | void;
}

/** A chunk that did not make it, and why. */
export interface FailedChunk {
  /** Chunk number, from 1. */
  readonly index: number;
  /** What went wrong; `retryable` says whether sending it again may help. */
  readonly error: RelayError;
}

/** Outcome of {@link transferChunks}, both lists sorted by chunk number. */
export interface TransferBatchResult {
  /** Chunks accepted by the receiver and recorded through `onChunkDone`. */
  readonly done: TransferredChunk[];
  /** Chunks that failed; the others are unaffected. */
  readonly failed: FailedChunk[];
}

/**
 * Transfers `chunks` with at most `deps.concurrency` in flight. Failures are collected, except a
 * {@link SourceChangedError}: the source is no longer the file being uploaded, so no further
 * chunk is started, the ones in flight are let finish (and reported), and the error is thrown.
 */
export async function transferChunks(
  chunks: readonly TransferChunkInput[],
  deps: TransferBatchDeps,
): Promise<TransferBatchResult> {
  if (!Number.isSafeInteger(deps.concurrency) || deps.concurrency < 1) {
    throw new InvalidInputError(
      `concurrency must be a positive integer, got ${String(deps.concurrency)}`,
    );
  }
  const done: TransferredChunk[] = [];
  const failed: FailedChunk[] = [];
  let sourceChanged: SourceChangedError | undefined;
  await runBounded(chunks, deps.concurrency, async (chunk) => {
    // A changed source ends the batch: no further chunk starts.
    if (sourceChanged !== undefined) return;
    let result: TransferredChunk;
    try {
      result = await transferChunk(chunk, deps);
    } catch (error) {
      if (error instanceof SourceChangedError) {
        sourceChanged ??= error;
      } else {
        failed.push({ index: chunk.index, error: asRelayError(chunk.index, error) });
      }
      return;
    }
    try {
      await deps.onChunkDone?.(result);
      done.push(result);
    } catch (error) {
      failed.push({ index: chunk.index, error: recordError(chunk.index, error) });
    }
  });
  if (sourceChanged) throw sourceChanged;
  done.sort((a, b) => a.index - b.index);
  failed.sort((a, b) => a.index - b.index);
  return { done, failed };
}

function asRelayError(index: number, error: unknown): RelayError {
  if (error instanceof RelayError) return error;
  return new ChunkTransferError(index, `unexpected failure: ${describe(error)}`, {
    retryable: true,
    cause: error,
  });
}

function recordError(index: number, error: unknown): RelayError {
  if (error instanceof RelayError) return error;
  return new ChunkRecordError(index, describe(error), { cause: error });
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
