/**
 * `npm run bench`: the e2e bench (the relay against the raw-copy floor and the official SDK
 * path), then the transfer bench (the chunk mover alone). `BENCH=e2e` or `BENCH=transfer` runs
 * one. Sizes and rounds come from the environment (`BENCH_E2E_*`, `BENCH_*`); see
 * bench/README.md.
 */

import { mkdir, writeFile } from "node:fs/promises";
import { availableParallelism, loadavg } from "node:os";
import { dirname } from "node:path";
import { messageOf } from "../local/cli/text.js";
import { runE2eBench } from "./e2e/e2e-bench.js";
import { formatReport, summarize } from "./e2e/report.js";
import { e2eSettingsFrom } from "./e2e/settings.js";
import { runTransferBench } from "./transfer/parent.js";

const which = process.env.BENCH ?? "all";
if (!["all", "e2e", "transfer"].includes(which)) {
  console.error(`bench failed: BENCH must be e2e, transfer or unset, got "${which}"`);
  process.exit(2);
}

/** Runs the e2e bench, prints its table and writes its JSON. */
async function e2e(): Promise<void> {
  const settings = e2eSettingsFrom(process.env);
  const interrupt = new AbortController();
  const onSignal = (): void => interrupt.abort(new Error("interrupted"));
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    const results = await runE2eBench(settings, (line) => console.log(line), interrupt.signal);
    const report = summarize(settings.size, settings.rounds, results, {
      cpus: availableParallelism(),
      node: process.version,
      loadAverage: loadavg(),
    });
    console.log(formatReport(report).join("\n"));
    await mkdir(dirname(settings.outFile), { recursive: true });
    await writeFile(settings.outFile, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`\nJSON: ${settings.outFile}`);
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

try {
  if (which !== "transfer") await e2e();
  if (which !== "e2e") await runTransferBench();
} catch (error) {
  // The bench has already cleaned up; a stack adds nothing to the message, the exit code tells.
  console.error(`bench failed: ${messageOf(error)}`);
  process.exitCode = 1;
}
