/** The bench's knobs, read from the environment, and the sizes and deadline derived from them. */

import { totalChunks } from "../../functions/core/chunk-plan.js";
import { MiB } from "../../local/cli/text.js";

/** Slowest rate a child may move at before it is killed, so a hang cannot stall the bench. */
const MIN_MIB_PER_SECOND = 1;
/** Floor of a child's deadline: process start, tsx and the SDK take a few seconds alone. */
const MIN_CHILD_DEADLINE_MS = 60_000;

/** Validated settings of one bench run. */
export interface BenchSettings {
  /** Object size in MiB, as given. */
  readonly sizeMiB: number;
  /** Chunk size in MiB, as given. */
  readonly chunkMiB: number;
  /** Measured runs per variant and receiver. */
  readonly rounds: number;
  /** Object size in bytes. */
  readonly size: number;
  /** Chunk size in bytes. */
  readonly chunkSize: number;
  /** Chunks in the object. */
  readonly count: number;
  /** A child still running after this long is killed. */
  readonly deadlineMs: number;
}

/**
 * Reads `BENCH_SIZE_MIB` (default 256), `BENCH_CHUNK_MIB` (default 8) and `BENCH_ROUNDS`
 * (default 1); throws on a value that is not a positive number (an integer, for rounds).
 */
export function readBenchSettings(env: NodeJS.ProcessEnv = process.env): BenchSettings {
  const sizeMiB = readKnob(env, "BENCH_SIZE_MIB", 256);
  const chunkMiB = readKnob(env, "BENCH_CHUNK_MIB", 8);
  const rounds = readKnob(env, "BENCH_ROUNDS", 1);
  if (!Number.isSafeInteger(rounds)) throw new Error(`rounds must be an integer, got ${rounds}`);
  const size = Math.round(sizeMiB * MiB);
  const chunkSize = Math.round(chunkMiB * MiB);
  return {
    sizeMiB,
    chunkMiB,
    rounds,
    size,
    chunkSize,
    count: totalChunks(size, chunkSize),
    deadlineMs: Math.max(MIN_CHILD_DEADLINE_MS, (size / MiB / MIN_MIB_PER_SECOND) * 1000),
  };
}

/** Reads a positive number from the environment, or the fallback when unset. */
function readKnob(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) {
    throw new Error(`${name} must be a positive number, got "${raw}"`);
  }
  return value;
}
