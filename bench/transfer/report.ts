/** The report: medians per variant and receiver, ratios against the baseline, and the table. */

import { MiB } from "../../local/cli/text.js";
import { TARGETS, type Target, VARIANT_LABELS, VARIANTS } from "./plan.js";
import type { ChildResult, Variant } from "./protocol.js";

/** One measured run, as the parent collected it. */
export interface Sample {
  /** Receiver the run sent to. */
  readonly target: Target;
  /** Way the run moved the bytes. */
  readonly variant: Variant;
  /** What the child reported. */
  readonly result: ChildResult;
}

/** One row of the report; every ratio is against the same run's baseline. */
interface ReportRow {
  readonly target: Target;
  readonly variant: string;
  /** Median MiB/s over the rounds. */
  readonly mibPerSecond: number;
  /** Slowest and fastest round, MiB/s. */
  readonly mibPerSecondRange: readonly [number, number];
  /** This variant's MiB/s over the baseline's, on the same receiver. */
  readonly ratio: number;
  readonly peakRssMiB: number;
  /** Peak RSS over the baseline's, on the same receiver. */
  readonly peakRssRatio: number;
  readonly rssGrowthMiB: number;
  /** RSS growth over the baseline's, on the same receiver. */
  readonly rssGrowthRatio: number;
  readonly heapGrowthMiB: number;
}

/** Prints the table of `samples` and the note on how to read it. */
export function printReport(samples: readonly Sample[]): void {
  printTable(summarize(samples));
}

function summarize(samples: readonly Sample[]): ReportRow[] {
  const rows: ReportRow[] = [];
  for (const target of TARGETS) {
    const of = (variant: Variant): readonly ChildResult[] =>
      samples.filter((s) => s.target === target && s.variant === variant).map((s) => s.result);
    const speedOf = (runs: readonly ChildResult[]): number => median(runs.map(mibPerSecond));
    const peakOf = (runs: readonly ChildResult[]): number =>
      median(runs.map((r) => r.maxRss / MiB));
    const growthOf = (runs: readonly ChildResult[]): number =>
      median(runs.map((r) => (r.maxRss - r.rssStart) / MiB));
    const baseline = of("baseline");
    for (const variant of VARIANTS) {
      const runs = of(variant);
      const speeds = runs.map(mibPerSecond);
      rows.push({
        target,
        variant: VARIANT_LABELS[variant],
        mibPerSecond: speedOf(runs),
        mibPerSecondRange: [Math.min(...speeds), Math.max(...speeds)],
        ratio: speedOf(runs) / speedOf(baseline),
        peakRssMiB: peakOf(runs),
        peakRssRatio: peakOf(runs) / peakOf(baseline),
        rssGrowthMiB: growthOf(runs),
        rssGrowthRatio: growthOf(runs) / growthOf(baseline),
        heapGrowthMiB: median(runs.map((r) => (r.heapPeak - r.heapStart) / MiB)),
      });
    }
  }
  return rows;
}

function mibPerSecond(result: ChildResult): number {
  return result.bytes / MiB / result.seconds;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function printTable(rows: readonly ReportRow[]): void {
  const header = [
    "receiver",
    "variant",
    "MiB/s",
    "min-max",
    "vs baseline",
    "peak RSS",
    "vs baseline",
    "RSS growth",
    "vs baseline",
    "heap+buf growth",
  ];
  const body = rows.map((r) => [
    r.target,
    r.variant,
    r.mibPerSecond.toFixed(1),
    `${r.mibPerSecondRange[0].toFixed(0)}-${r.mibPerSecondRange[1].toFixed(0)}`,
    `${r.ratio.toFixed(2)}x`,
    `${r.peakRssMiB.toFixed(0)} MiB`,
    `${r.peakRssRatio.toFixed(2)}x`,
    `${r.rssGrowthMiB.toFixed(0)} MiB`,
    `${r.rssGrowthRatio.toFixed(2)}x`,
    `${r.heapGrowthMiB.toFixed(1)} MiB`,
  ]);
  const widths = header.map((h, i) =>
    Math.max(h.length, ...body.map((row) => (row[i] as string).length)),
  );
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i < 2 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number)))
      .join("  ");
  console.log(line(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const row of body) console.log(line(row));
  console.log(
    "\nAll bytes verified: every part's ETag is the MD5 of its source range, the sink received " +
      "exactly those bytes, the completed S3 object has the source's MD5. Ratios are medians " +
      "against this run's baseline on the same receiver. Each run is a fresh child process; " +
      "peak RSS is the kernel's high-water mark for it (includes Node, tsx and the SDK, about " +
      "the same for every variant); growth is from the start of the transfer. No thresholds: " +
      "figures depend on the machine.",
  );
}
