/**
 * `npm run soak [-- --objects N --seed S --chunk-size 64KiB --lambda-limit L]`: the fault soak on
 * the embedded local stack. Prints progress, the faults that fired, the wall time and one line
 * `objects N, completed C (bytes identical), failed F, stuck S, duplicate sessions D, lost L`.
 * Exits 0 when every object completed and no session was left open beyond the create answers
 * the soak itself dropped and the create-session runs it cut off, 1 otherwise, 2 on bad usage.
 */

import { parseArgs } from "node:util";
import { parseSize } from "./cli/parse-size.js";
import { noUnexplainedDuplicates, runSoak, summaryLine } from "./soak/run-soak.js";

function main(): Promise<number> | number {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      options: {
        objects: { type: "string" },
        seed: { type: "string" },
        "chunk-size": { type: "string" },
        "lambda-limit": { type: "string" },
        help: { type: "boolean" },
      },
    }));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(
      "npm run soak -- [--objects 200] [--seed 1] [--chunk-size 64KiB] [--lambda-limit 40]\n",
    );
    return 0;
  }
  const int = (name: string, fallback: number): number => {
    const text = values[name];
    if (typeof text !== "string") return fallback;
    const value = Number(text);
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new Error(`--${name} must be a positive integer, got ${text}`);
    }
    return value;
  };
  let options: Parameters<typeof runSoak>[0];
  try {
    options = {
      objects: int("objects", 200),
      seed: int("seed", 1),
      lambdaConcurrencyLimit: int("lambda-limit", 40),
      ...(typeof values["chunk-size"] === "string"
        ? { chunkSize: parseSize(values["chunk-size"]) }
        : {}),
    };
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    return 2;
  }
  return runSoak({ ...options, onProgress: (line) => process.stderr.write(`${line}\n`) }).then(
    (summary) => {
      const faults = Object.entries(summary.faults)
        .filter(([, count]) => count > 0)
        .map(([kind, count]) => `${kind} ${count}`)
        .join(", ");
      process.stdout.write(`faults fired: ${faults}\n`);
      process.stdout.write(
        `lambda: peak ${summary.peakLambdaInFlight} in flight, account limit ${summary.lambdaConcurrencyLimit}\n`,
      );
      process.stdout.write(`wall time ${(summary.wallMs / 1000).toFixed(1)} s\n`);
      process.stdout.write(`${summaryLine(summary)}\n`);
      const ok =
        summary.completed === summary.objects &&
        summary.stuck.length === 0 &&
        summary.lost.length === 0 &&
        noUnexplainedDuplicates(summary);
      return ok ? 0 : 1;
    },
  );
}

Promise.resolve(main()).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`soak failed: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
