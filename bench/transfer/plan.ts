/** What runs, and in which order: receivers, variants, the warm-up and the rounds. */

import type { Variant } from "./protocol.js";

/** Where the child PUTs the chunks: the local S3's presigned URLs, or the hashing sink. */
export type Target = "local-s3" | "sink";

/** Receivers, in the order they run and are reported. */
export const TARGETS: readonly Target[] = ["sink", "local-s3"];

/** Each variant's label in the report; the key order is the order of the first round. */
export const VARIANT_LABELS: Readonly<Record<Variant, string>> = {
  baseline: "baseline: buffer whole chunk, serial",
  "relay-c4": "relay: stream, concurrency 4",
  "relay-c1": "relay: stream, concurrency 1",
};

/** Variants, in report order. */
export const VARIANTS = Object.keys(VARIANT_LABELS) as Variant[];

/** Chunks moved per variant and receiver in the unmeasured warm-up. */
const WARM_UP_CHUNKS = 8;
const WARM_UP_VARIANTS: readonly Variant[] = ["baseline", "relay-c4"];

/** One child run. */
export interface PlannedRun {
  /** Receiver of the chunks. */
  readonly target: Target;
  /** Way of moving them. */
  readonly variant: Variant;
  /** Chunks moved, from chunk 1. */
  readonly chunks: number;
  /** Unmeasured: checked, but left out of the report. */
  readonly warmUp: boolean;
}

/** The warm-up, then `rounds` measured runs of every variant on every receiver. */
export function planRuns(count: number, rounds: number): PlannedRun[] {
  const runs: PlannedRun[] = [];
  // The first transfers through a freshly started server run on cold JIT and caches; without
  // this, whichever variant goes first (the baseline, originally) is measured slower.
  for (const target of TARGETS) {
    for (const variant of WARM_UP_VARIANTS) {
      runs.push({ target, variant, chunks: Math.min(count, WARM_UP_CHUNKS), warmUp: true });
    }
  }
  for (let round = 0; round < rounds; round += 1) {
    // Each round starts with a different variant, so no variant always runs first or last.
    const first = round % VARIANTS.length;
    const order = [...VARIANTS.slice(first), ...VARIANTS.slice(0, first)];
    for (const target of TARGETS) {
      for (const variant of order) runs.push({ target, variant, chunks: count, warmUp: false });
    }
  }
  return runs;
}
