/**
 * `npm run sandbox -- [--port N] [--chunk-size SIZE] [--initial-urls N] [--faults JSON]
 * [--seed N]`: starts the local stack and the TwelveLabs sandbox, prints the base URL and API
 * key as env lines, and serves until SIGINT or SIGTERM, then prints the faults it injected.
 */

import { parseArgs } from "node:util";
import { S3_LIMITS } from "../functions/core/config/limits.js";
import { formatSize, parseSizeInRange } from "./cli/parse-size.js";
import { messageOf } from "./cli/text.js";
import { seededRandom } from "./seeded-random.js";
import type { SandboxFaults } from "./twelvelabs-sandbox/faults.js";
import { validateFaults } from "./twelvelabs-sandbox/faults-schema.js";

const USAGE =
  "usage: npm run sandbox -- [--port N] [--chunk-size SIZE] [--initial-urls N] [--faults JSON] [--seed N]\n" +
  `  --port          port on 127.0.0.1, 0..65535 (default: a free port)\n` +
  "  --chunk-size    bytes per chunk, or with a unit (KiB, MiB, GiB): 8MiB;\n" +
  `                  at least ${formatSize(S3_LIMITS.minPartSize)} (default: 8MiB)\n` +
  "  --initial-urls  presigned URLs in the create answer, 0 or more (default: 5)\n" +
  "  --faults        faults to inject, as JSON, e.g.\n" +
  `                  '{"create":{"lostAnswerRate":0.05},"partPut":{"resetMidPutRate":0.1}}'\n` +
  "                  (default: none)\n" +
  "  --seed          seed of the fault rolls, 0..4294967295, so a run repeats (default: random)";

/** Options of the CLI, as numbers. */
interface CliOptions {
  readonly port?: number;
  readonly chunkSize?: number;
  readonly initialUrls?: number;
  readonly faults?: SandboxFaults;
  readonly seed?: number;
}

/** A command line the CLI cannot run with; the message says why. */
class UsageError extends Error {
  override readonly name = "UsageError";
}

function parseInteger(name: string, text: string | undefined, min: number, max: number) {
  if (text === undefined) return undefined;
  const value = /^[0-9]+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new UsageError(`--${name} must be an integer from ${min} to ${max}, got "${text}"`);
  }
  return value;
}

/** `--chunk-size` (bytes, or with a unit), as bytes; the same reading as `npm start`'s. */
function parseChunkSize(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  try {
    return parseSizeInRange(text, S3_LIMITS.minPartSize);
  } catch (error) {
    throw new UsageError(`--chunk-size: ${messageOf(error)}`);
  }
}

/** `--faults`: JSON of the sandbox's faults, checked by the sandbox's own schema. */
function parseFaults(text: string | undefined): SandboxFaults | undefined {
  if (text === undefined) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new UsageError("--faults must be JSON");
  }
  try {
    return validateFaults(json);
  } catch (error) {
    throw new UsageError(`--faults: ${messageOf(error)}`);
  }
}

function parseCli(argv: string[]): CliOptions {
  let values: {
    port?: string;
    "chunk-size"?: string;
    "initial-urls"?: string;
    faults?: string;
    seed?: string;
  };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        port: { type: "string" },
        "chunk-size": { type: "string" },
        "initial-urls": { type: "string" },
        faults: { type: "string" },
        seed: { type: "string" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  return {
    port: parseInteger("port", values.port, 0, 65_535),
    chunkSize: parseChunkSize(values["chunk-size"]),
    initialUrls: parseInteger("initial-urls", values["initial-urls"], 0, Number.MAX_SAFE_INTEGER),
    faults: parseFaults(values.faults),
    seed: parseInteger("seed", values.seed, 0, 0xffff_ffff),
  };
}

async function main(): Promise<void> {
  let options: CliOptions;
  try {
    options = parseCli(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`sandbox: ${(error as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }

  // Loaded only once the arguments are good, so that a bad command line fails at once.
  const { startLocalStack } = await import("./local-stack.js");
  const { startTwelveLabsSandbox } = await import("./twelvelabs-sandbox/index.js");
  const stack = await startLocalStack();
  const sandbox = await startTwelveLabsSandbox({
    s3: stack.s3.client,
    s3Endpoint: stack.s3.endpoint,
    port: options.port,
    chunkSize: options.chunkSize,
    initialUrls: options.initialUrls,
    faults: options.faults,
    random: options.seed === undefined ? undefined : seededRandom(options.seed),
  }).catch(async (error: unknown) => {
    await stack.stop();
    throw error;
  });

  // The one place a key is printed: it is the user's own local key, for their environment.
  process.stdout.write(
    `TWELVELABS_BASE_URL=${sandbox.baseUrl}\nTWELVELABS_API_KEY=${sandbox.apiKey}\n`,
  );
  process.stderr.write("TwelveLabs sandbox serving; press Ctrl-C to stop.\n");

  let stopping = false;
  const shutdown = (): void => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`${faultSummary(sandbox.faultCounts(), sandbox.sessionsCreated())}\n`);
    sandbox
      .stop()
      .then(() => stack.stop())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          process.stderr.write(`sandbox: stopping failed: ${(error as Error).message}\n`);
          process.exit(1);
        },
      );
  };
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
}

/** One line: sessions created and each fault injected, e.g. `sessions 12; create.lostAnswer 2`. */
function faultSummary(counts: Readonly<Record<string, number>>, sessions: number): string {
  const faults = Object.entries(counts)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, count]) => `${key} ${count}`);
  return [`sessions ${sessions}`, ...faults].join("; ");
}

main().catch((error: unknown) => {
  process.stderr.write(`sandbox: ${(error as Error).message}\n`);
  process.exit(1);
});
