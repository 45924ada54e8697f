/**
 * `npm run sandbox -- [--provider twelvelabs|spatialgen] [--port N] [--chunk-size SIZE]
 * [--initial-urls N] [--faults JSON] [--seed N]`: starts the local stack and one provider's
 * sandbox, prints its base URL and API key (and, for TwelveLabs, the id of its index) as env
 * lines, and serves until SIGINT or SIGTERM, then prints the faults it injected.
 */

import { parseArgs } from "node:util";
import type { S3Client } from "@aws-sdk/client-s3";
import { S3_LIMITS } from "../functions/core/config/limits.js";
import { formatSize, parseSizeInRange } from "./cli/parse-size.js";
import { messageOf } from "./cli/text.js";
import { seededRandom } from "./seeded-random.js";
import {
  type SpatialGenSandboxFaults,
  validateSpatialGenFaults,
} from "./spatialgen-sandbox/sandbox-faults.js";
import type { SandboxFaults } from "./twelvelabs-sandbox/faults.js";
import { validateFaults } from "./twelvelabs-sandbox/faults-schema.js";
import { DEFAULT_INDEX_ID } from "./twelvelabs-sandbox/sandbox-options.js";

const USAGE =
  "usage: npm run sandbox -- [--provider twelvelabs|spatialgen] [--port N] [--chunk-size SIZE]\n" +
  "                          [--initial-urls N] [--faults JSON] [--seed N]\n" +
  "  --provider      which API to emulate: twelvelabs or spatialgen (default: twelvelabs)\n" +
  `  --port          port on 127.0.0.1, 0..65535 (default: a free port)\n` +
  "  --chunk-size    bytes per chunk (TwelveLabs) or part (SpatialGen), or with a unit\n" +
  `                  (KiB, MiB, GiB): 8MiB; at least ${formatSize(S3_LIMITS.minPartSize)}\n` +
  "                  (default: 8MiB for TwelveLabs, 100MiB for SpatialGen)\n" +
  "  --initial-urls  TwelveLabs only: presigned URLs in the create answer, 0 or more (default: 5)\n" +
  "  --faults        faults to inject, as JSON, e.g. for TwelveLabs\n" +
  `                  '{"create":{"lostAnswerRate":0.05},"partPut":{"resetMidPutRate":0.1}}'\n` +
  "                  or for SpatialGen (start, partUrls, complete, cancel, partPut)\n" +
  `                  '{"complete":{"error500Rate":0.1}}' (default: none)\n` +
  "  --seed          seed of the fault rolls, 0..4294967295, so a run repeats (default: random)";

/** The sandboxes the CLI can start. */
const PROVIDERS = ["twelvelabs", "spatialgen"] as const;

/** A sandbox the CLI can start. */
type ProviderName = (typeof PROVIDERS)[number];

/** Options of the CLI, as numbers; `faults` as checked by the chosen provider's schema. */
type CliOptions = {
  readonly port?: number;
  readonly chunkSize?: number;
  readonly seed?: number;
} & (
  | {
      readonly provider: "twelvelabs";
      readonly initialUrls?: number;
      readonly faults?: SandboxFaults;
    }
  | { readonly provider: "spatialgen"; readonly faults?: SpatialGenSandboxFaults }
);

/** What `main` needs of a started sandbox. */
interface StartedSandbox {
  readonly envLines: string;
  readonly name: string;
  faultCounts(): Readonly<Record<string, number>>;
  /** Sessions (TwelveLabs) or groups (SpatialGen) opened so far. */
  opened(): string;
  stop(): Promise<void>;
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
function parseFaults<F>(text: string | undefined, validate: (json: unknown) => F): F | undefined {
  if (text === undefined) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new UsageError("--faults must be JSON");
  }
  try {
    return validate(json);
  } catch (error) {
    throw new UsageError(`--faults: ${messageOf(error)}`);
  }
}

/** `--provider`, or the default. */
function parseProvider(text: string | undefined): ProviderName {
  if (text === undefined) return "twelvelabs";
  const provider = PROVIDERS.find((name) => name === text);
  if (!provider) {
    throw new UsageError(`--provider must be one of ${PROVIDERS.join(", ")}, got "${text}"`);
  }
  return provider;
}

function parseCli(argv: string[]): CliOptions {
  let values: {
    provider?: string;
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
        provider: { type: "string" },
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
  const common = {
    port: parseInteger("port", values.port, 0, 65_535),
    chunkSize: parseChunkSize(values["chunk-size"]),
    seed: parseInteger("seed", values.seed, 0, 0xffff_ffff),
  };
  if (parseProvider(values.provider) === "spatialgen") {
    if (values["initial-urls"] !== undefined) {
      throw new UsageError("--initial-urls is for --provider twelvelabs only");
    }
    return {
      ...common,
      provider: "spatialgen",
      faults: parseFaults(values.faults, validateSpatialGenFaults),
    };
  }
  return {
    ...common,
    provider: "twelvelabs",
    initialUrls: parseInteger("initial-urls", values["initial-urls"], 0, Number.MAX_SAFE_INTEGER),
    faults: parseFaults(values.faults, validateFaults),
  };
}

/** Starts the chosen sandbox on the local stack. */
async function startSandbox(
  options: CliOptions,
  s3: { readonly client: S3Client; readonly endpoint: string },
): Promise<StartedSandbox> {
  if (options.provider === "spatialgen") {
    const { startSpatialGenSandbox } = await import("./spatialgen-sandbox/index.js");
    const sandbox = await startSpatialGenSandbox({
      s3: s3.client,
      s3Endpoint: s3.endpoint,
      port: options.port,
      partSize: options.chunkSize,
      faults: options.faults,
      random: options.seed === undefined ? undefined : seededRandom(options.seed),
    });
    return {
      envLines: `SPATIALGEN_BASE_URL=${sandbox.baseUrl}\nSPATIALGEN_API_KEY=${sandbox.apiKey}\n`,
      name: "SpatialGen",
      faultCounts: () => sandbox.faultCounts(),
      opened: () => `groups ${sandbox.groups().length}`,
      stop: () => sandbox.stop(),
    };
  }
  const { startTwelveLabsSandbox } = await import("./twelvelabs-sandbox/index.js");
  const sandbox = await startTwelveLabsSandbox({
    s3: s3.client,
    s3Endpoint: s3.endpoint,
    port: options.port,
    chunkSize: options.chunkSize,
    initialUrls: options.initialUrls,
    faults: options.faults,
    random: options.seed === undefined ? undefined : seededRandom(options.seed),
  });
  return {
    envLines:
      `TWELVELABS_BASE_URL=${sandbox.baseUrl}\nTWELVELABS_API_KEY=${sandbox.apiKey}\n` +
      `TWELVELABS_INDEX_ID=${DEFAULT_INDEX_ID}\n`,
    name: "TwelveLabs",
    faultCounts: () => sandbox.faultCounts(),
    opened: () => `sessions ${sandbox.sessionsCreated()}`,
    stop: () => sandbox.stop(),
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
  const stack = await startLocalStack();
  const sandbox = await startSandbox(options, stack.s3).catch(async (error: unknown) => {
    await stack.stop();
    throw error;
  });

  // The one place a key is printed: it is the user's own local key, for their environment.
  process.stdout.write(sandbox.envLines);
  process.stderr.write(`${sandbox.name} sandbox serving; press Ctrl-C to stop.\n`);

  let stopping = false;
  const shutdown = (): void => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`${faultSummary(sandbox.faultCounts(), sandbox.opened())}\n`);
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

/** One line: what was opened and each fault injected, e.g. `sessions 12; create.lostAnswer 2`. */
function faultSummary(counts: Readonly<Record<string, number>>, opened: string): string {
  const faults = Object.entries(counts)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, count]) => `${key} ${count}`);
  return [opened, ...faults].join("; ");
}

main().catch((error: unknown) => {
  process.stderr.write(`sandbox: ${(error as Error).message}\n`);
  process.exit(1);
});
