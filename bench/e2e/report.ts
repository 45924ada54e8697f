/**
 * The e2e bench's figures: per chunk size and path the median time (with the slowest and
 * fastest round), throughput and peak RSS; the ratios relay/raw and relay/sdk taken round by
 * round (each round's runs share the machine's state) and summarized by their median; each
 * function's peak memory; and the $ per file from the relay's counts.
 */

import { type CostLine, costOf, type FileCost, readPrices, scaleCounts } from "./costs.js";
import type { BurstResult, ChunkSizeResult, CpuSplit, RunResult } from "./e2e-bench.js";
import { PATHS, type PathName } from "./settings.js";

const MiB = 1024 * 1024;

/** The ratios reported, each the relay's time over another path's. */
export type RatioName = "relay/raw" | "relay/sdk" | "relay/sdk-tuned";
const RATIOS: readonly [RatioName, PathName][] = [
  ["relay/raw", "floor"],
  ["relay/sdk", "sdk"],
  ["relay/sdk-tuned", "sdk-tuned"],
];

/** A median with its range. */
export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

/** The summary of one chunk size. */
export interface ChunkSizeSummary {
  readonly chunkSize: number;
  readonly chunks: number;
  readonly chunksInFlight: number;
  /** Of the paths that ran. */
  readonly seconds: Readonly<Partial<Record<PathName, Spread>>>;
  readonly maxRss: Readonly<Partial<Record<PathName, number>>>;
  /** relay ÷ floor, relay ÷ sdk (defaults), relay ÷ sdk-tuned, per round; where both ran. */
  readonly ratios: Readonly<Partial<Record<RatioName, Spread>>>;
  /** Peak heap + buffers of one invocation, by function. */
  readonly functionPeakMemory: Readonly<Record<string, number>>;
  /** Median CPU seconds of a run, by process, of the paths that ran. */
  readonly cpu: Readonly<Partial<Record<PathName, CpuSplit>>>;
  readonly coldStart: ChunkSizeResult["coldStart"];
  readonly burst?: BurstResult;
}

/** The bill of a file of `size` bytes. */
export interface FileCostAt {
  readonly size: number;
  readonly modelled: boolean;
  readonly cost: FileCost;
}

/** Everything the bench reports. */
export interface E2eReport {
  readonly size: number;
  readonly rounds: number;
  readonly machine: {
    readonly cpus: number;
    readonly node: string;
    readonly loadAverage: number[];
  };
  readonly chunkSizes: readonly ChunkSizeSummary[];
  /** $ per file at the first chunk size: measured for `size`, modelled for 4 and 10 GiB. */
  readonly costs: readonly {
    readonly size: number;
    readonly modelled: boolean;
    readonly cost: FileCost;
  }[];
  readonly runs: readonly ChunkSizeResult[];
}

/** The spread of `values`. */
export function spreadOf(values: readonly number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median =
    sorted.length % 2 === 1
      ? (sorted[mid] as number)
      : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  return { median, min: sorted[0] as number, max: sorted.at(-1) as number };
}

/** Summarizes the runs. */
export function summarize(
  size: number,
  rounds: number,
  results: readonly ChunkSizeResult[],
  machine: E2eReport["machine"],
): E2eReport {
  const chunkSizes = results.map((r) => summarizeChunkSize(r));
  const first = results[0];
  const costs: FileCostAt[] = [];
  if (first) {
    const relayRuns = first.runs.filter((r) => r.path === "relay" && r.counts);
    // The median-time relay round's counts.
    const byTime = [...relayRuns].sort((a, b) => a.seconds - b.seconds);
    const counts = byTime[Math.floor(byTime.length / 2)]?.counts;
    if (counts) {
      const prices = readPrices();
      costs.push({ size, modelled: false, cost: costOf(counts, size, prices) });
      for (const gib of [4, 10]) {
        const bigger = gib * 1024 * MiB;
        const factor = Math.ceil(bigger / first.chunkSize) / first.chunks;
        costs.push({
          size: bigger,
          modelled: true,
          cost: costOf(scaleCounts(counts, factor), bigger, prices),
        });
      }
    }
  }
  return { size, rounds, machine, chunkSizes, costs, runs: results };
}

function summarizeChunkSize(result: ChunkSizeResult): ChunkSizeSummary {
  const of = (path: PathName): RunResult[] => result.runs.filter((r) => r.path === path);
  const paths = PATHS.filter((p) => of(p).length > 0);
  const seconds = Object.fromEntries(paths.map((p) => [p, spreadOf(of(p).map((r) => r.seconds))]));
  const maxRss = Object.fromEntries(paths.map((p) => [p, Math.max(...of(p).map((r) => r.maxRss))]));
  const ratios: Partial<Record<RatioName, Spread>> = {};
  for (const [name, other] of RATIOS) {
    const perRound = of("relay").flatMap((relay) => {
      const peer = of(other).find((r) => r.round === relay.round);
      return peer ? [relay.seconds / peer.seconds] : [];
    });
    if (perRound.length > 0) ratios[name] = spreadOf(perRound);
  }
  const cpu = Object.fromEntries(
    paths.map((p) => {
      const runs = of(p);
      const median = (pick: (c: CpuSplit) => number) =>
        spreadOf(runs.map((r) => pick(r.cpu))).median;
      return [
        p,
        {
          host: median((c) => c.host),
          storage: median((c) => c.storage),
          child: median((c) => c.child),
        },
      ];
    }),
  );
  const functionPeakMemory: Record<string, number> = {};
  for (const run of of("relay")) {
    for (const [name, f] of Object.entries(run.counts?.functions ?? {})) {
      functionPeakMemory[name] = Math.max(functionPeakMemory[name] ?? 0, f.peakMemoryBytes);
    }
  }
  return {
    chunkSize: result.chunkSize,
    chunks: result.chunks,
    chunksInFlight: result.chunksInFlight,
    seconds,
    maxRss,
    ratios,
    functionPeakMemory,
    cpu,
    coldStart: result.coldStart,
    ...(result.burst ? { burst: result.burst } : {}),
  };
}

const mibOf = (bytes: number): string => `${(bytes / MiB).toFixed(bytes < 10 * MiB ? 1 : 0)} MiB`;
const range = (s: Spread, digits: number): string =>
  `${s.median.toFixed(digits)} (${s.min.toFixed(digits)}–${s.max.toFixed(digits)})`;

const PATH_LABELS: Record<PathName, string> = {
  relay: "relay: object lands → Upload Completed",
  floor: "raw-copy floor: separate process, same chunks in flight",
  sdk: "download to a file, then twelvelabs-js uploadFile (defaults)",
  "sdk-tuned": "download, then uploadFile with batchSize = chunks in flight",
};

/** The report as printed lines. */
export function formatReport(report: E2eReport): string[] {
  const lines: string[] = [];
  const m = report.machine;
  lines.push(
    `e2e bench: ${mibOf(report.size)}, ${report.rounds} rounds interleaved; ${m.cpus} cores, Node ${m.node}, load ${m.loadAverage.map((l) => l.toFixed(1)).join(" ")}`,
  );
  for (const c of report.chunkSizes) {
    lines.push("");
    lines.push(`${mibOf(c.chunkSize)} chunks (${c.chunks} chunks, ${c.chunksInFlight} in flight)`);
    lines.push(
      "| path | seconds, median (min–max) | MiB/s | peak RSS | CPU s: host + storage + own |",
    );
    lines.push("|---|---|---|---|---|");
    for (const path of PATHS) {
      const s = c.seconds[path];
      if (!s) continue;
      lines.push(
        `| ${PATH_LABELS[path]} | ${range(s, 2)} | ${(report.size / MiB / s.median).toFixed(1)} | ${mibOf(c.maxRss[path] ?? 0)} | ${cpuOf(c.cpu[path])} |`,
      );
    }
    for (const [name] of RATIOS) {
      const r = c.ratios[name];
      if (r) {
        lines.push(
          `${name} ${r.median.toFixed(2)} (${mibOf(c.chunkSize)} chunks; rounds ${r.min.toFixed(2)}–${r.max.toFixed(2)})`,
        );
      }
    }
    lines.push(
      `first file after deploy (every function cold): ${c.coldStart.seconds.toFixed(2)} s, CPU s ${cpuOf(c.coldStart.cpu)}`,
    );
    if (c.burst) {
      lines.push(
        `${c.burst.files} files of ${mibOf(c.burst.size)}: one after another ${c.burst.sequentialSeconds.toFixed(2)} s, dropped at once ${c.burst.concurrentSeconds.toFixed(2)} s (${(c.burst.sequentialSeconds / c.burst.concurrentSeconds).toFixed(2)}× sooner)`,
      );
    }
    lines.push(
      `function peak memory (one environment: heap + buffers as a thread, RSS as a process): ${Object.entries(
        c.functionPeakMemory,
      )
        .map(([name, bytes]) => `${name} ${mibOf(bytes)}`)
        .join(", ")}`,
    );
  }
  if (report.chunkSizes.length > 1) {
    const [a, b] = report.chunkSizes as [ChunkSizeSummary, ChunkSizeSummary];
    const growth = (b.functionPeakMemory.transfer ?? 0) - (a.functionPeakMemory.transfer ?? 0);
    lines.push("");
    lines.push(
      `transfer function memory from ${mibOf(a.chunkSize)} to ${mibOf(b.chunkSize)} chunks: ${growth >= 0 ? "+" : ""}${mibOf(growth)}`,
    );
  }
  for (const { size, modelled, cost } of report.costs) {
    lines.push("");
    lines.push(
      `$ per file, ${mibOf(size)}${modelled ? " (modelled from per-chunk counts)" : " (measured counts)"}: $${cost.totalUsd.toFixed(4)}`,
    );
    for (const line of cost.lines) lines.push(`  ${formatCost(line)}`);
  }
  return lines;
}

function cpuOf(cpu: CpuSplit | undefined): string {
  if (!cpu) return "";
  const total = cpu.host + cpu.storage + cpu.child;
  return `${cpu.host.toFixed(1)} + ${cpu.storage.toFixed(1)} + ${cpu.child.toFixed(1)} = ${total.toFixed(1)}`;
}

function formatCost(line: CostLine): string {
  const count = Number.isInteger(line.count) ? String(line.count) : line.count.toFixed(3);
  return `${line.item}: ${count} → $${line.usd.toFixed(6)}`;
}
