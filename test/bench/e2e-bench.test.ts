/**
 * A smoke of `npm run bench`'s e2e bench at a tiny size: every path runs through the real local
 * relay, floor process and official SDK, every asset is checked by MD5 inside the bench, and the
 * report holds every figure the README quotes. No timing is asserted: figures depend on the
 * machine.
 */

import { describe, expect, it } from "vitest";
import { runE2eBench } from "../../bench/e2e/e2e-bench.js";
import { formatReport, summarize } from "../../bench/e2e/report.js";
import { PATHS } from "../../bench/e2e/settings.js";

const MiB = 1024 * 1024;

describe("npm run bench (e2e), tiny", () => {
  it("runs every path, checks every asset and reports both ratios, memory, CPU and cost", async () => {
    const lines: string[] = [];
    const size = 3 * MiB + 7;
    const results = await runE2eBench(
      {
        size,
        chunkSizes: [MiB, 2 * MiB],
        rounds: 1,
        outFile: "unused",
        paths: PATHS,
        separateStorageProcess: true,
        functionProcesses: false,
        burstFiles: 2,
        burstSize: MiB,
      },
      (line) => lines.push(line),
      new AbortController().signal,
    );
    const report = summarize(size, 1, results, {
      cpus: 2,
      node: process.version,
      loadAverage: [0],
    });
    const text = formatReport(report).join("\n");

    expect(results.map((r) => r.chunkSize)).toEqual([MiB, 2 * MiB]);
    for (const result of results) {
      expect(result.runs.map((r) => r.path).sort()).toEqual([...PATHS].sort());
      for (const run of result.runs) {
        expect(run.seconds).toBeGreaterThan(0);
        expect(run.maxRss).toBeGreaterThan(0);
      }
    }
    // The relay's counts are those of 4 chunks (3 MiB + 7 B at 1 MiB): one ranged GET and
    // one PUT each, inside the Map.
    const relay = results[0]?.runs.find((r) => r.path === "relay");
    expect(relay?.counts?.functions.transfer?.awsRequests["s3:GetObject"]).toBe(4);
    expect(relay?.counts?.providerCalls.partPut).toBe(4);
    expect(relay?.counts?.transitions.TransferBatch).toBeGreaterThanOrEqual(1);
    expect(relay?.counts?.functions.transfer?.peakMemoryBytes).toBeGreaterThan(0);
    expect(results[0]?.burst).toMatchObject({ files: 2, size: MiB });

    for (const summary of report.chunkSizes) {
      for (const name of ["relay/raw", "relay/sdk", "relay/sdk-tuned"] as const) {
        expect(summary.ratios[name]?.median).toBeGreaterThan(0);
      }
    }
    expect(text).toMatch(/^relay\/raw \d+\.\d\d /m);
    expect(text).toMatch(/^relay\/sdk \d+\.\d\d /m);
    expect(text).toContain("dropped at once");
    // Measured for the file, modelled for 4 and 10 GiB: every bill has a positive total.
    expect(report.costs.map((c) => [c.size, c.modelled])).toEqual([
      [size, false],
      [4096 * MiB, true],
      [10240 * MiB, true],
    ]);
    for (const { cost } of report.costs) expect(cost.totalUsd).toBeGreaterThan(0);
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  }, 300_000);
});
