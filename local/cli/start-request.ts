/** The command line and environment of `npm start`, read and checked before anything starts. */

import { stat } from "node:fs/promises";
import { parseArgs } from "node:util";
import { S3_LIMITS, TWELVELABS_ENDPOINTS } from "../../functions/core/config/limits.js";
import { formatSize, parseSizeInRange } from "./parse-size.js";
import { messageOf, mib } from "./text.js";

const GiB = 1024 ** 3;
/** Largest object one PutObject may carry (S3's single-PUT limit). */
const MAX_PUT_SIZE = 5 * GiB;
/** Largest S3 part, so the largest chunk size worth asking the sandbox for. */
const MAX_CHUNK_SIZE = 5 * GiB;

/** How to call `npm start`, printed for --help and after every usage error. */
const USAGE =
  "usage: npm start -- [FILE] [--provider twelvelabs|spatialgen] [--bucket NAME] [--chunk-size SIZE] [--no-watch]\n" +
  "                    [--allow-url-host HOST ...]\n" +
  "  FILE          relay this file, print its asset id and exit; with --provider spatialgen, a\n" +
  "                .json manifest relays its group (its files' keys are paths beside it)\n" +
  "  --provider    the local sandbox to relay to (default: twelvelabs)\n" +
  "                (default: relay a 64 MiB sample, then watch the bucket)\n" +
  "  --bucket      drop bucket name (default: relay-drop)\n" +
  "  --chunk-size  sandbox chunk size: bytes, or with a unit (KiB, MiB, GiB): 8MiB;\n" +
  `                ${formatSize(S3_LIMITS.minPartSize)} to ${formatSize(MAX_CHUNK_SIZE)} (default: 8MiB)\n` +
  "  --no-watch    exit after the sample instead of watching the bucket\n" +
  "  --allow-url-host HOST  a host the API's presigned URLs may point at, besides the\n" +
  "                provider's own (repeatable; `*.example.com` matches subdomains); a loopback\n" +
  "                host may be plain http: e.g. 127.0.0.1 for `npm run sandbox`'s URLs\n" +
  "  With TWELVELABS_API_KEY set (and TWELVELABS_BASE_URL, default the public API), files go to\n" +
  "  the real TwelveLabs API instead of the local sandbox.";

/** The real TwelveLabs API, used instead of the sandbox when the environment names a key. */
export interface RemoteApi {
  readonly baseUrl: string;
  readonly apiKey: string;
}

/** What to run, from the command line and the environment. */
export interface Request {
  readonly file: string | undefined;
  /** Bytes, checked. */
  readonly fileSize: number | undefined;
  readonly bucket: string | undefined;
  /** Sandbox chunk size, in bytes. */
  readonly chunkSize: number | undefined;
  readonly watch: boolean;
  readonly remote: RemoteApi | undefined;
  /** Which provider the relay sends to. */
  readonly provider: "twelvelabs" | "spatialgen";
  /** Hosts presigned URLs may point at, besides the provider's own. */
  readonly allowUrlHosts: readonly string[];
}

/** A host name or IPv4 address, optionally `*.` in front: what a URL policy entry may be. */
const HOST_PATTERN = /^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;

/** A command line the CLI cannot run with; the message says why. */
class UsageError extends Error {
  override readonly name = "UsageError";
}

/** Reads the request; prints the usage and exits (2, or 0 for --help) when there is none. */
export async function readRequest(argv: string[], env: NodeJS.ProcessEnv): Promise<Request> {
  try {
    const { values, positionals } = parseOptions(argv);
    if (values.help) {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    }
    if (positionals.length > 1) {
      throw new UsageError(
        `one file at a time, got ${positionals.length}: ${positionals.join(" ")}`,
      );
    }
    const remote = remoteApiOf(env);
    const chunkSize = parseChunkSize(values["chunk-size"]);
    if (remote && chunkSize !== undefined) {
      throw new UsageError(
        "--chunk-size sets the sandbox's chunk size; the real API picks its own",
      );
    }
    const provider = values.provider ?? "twelvelabs";
    if (provider !== "twelvelabs" && provider !== "spatialgen") {
      throw new UsageError(`--provider must be twelvelabs or spatialgen, got ${provider}`);
    }
    if (provider === "spatialgen" && remote) {
      throw new UsageError("TWELVELABS_API_KEY names the real TwelveLabs API, not SpatialGen");
    }
    const allowUrlHosts = (values["allow-url-host"] ?? []).map((host) => {
      const trimmed = host.trim().toLowerCase();
      if (!HOST_PATTERN.test(trimmed)) {
        throw new UsageError(
          `--allow-url-host takes a host name or address (\`*.\` allowed in front), got "${host}"`,
        );
      }
      return trimmed;
    });
    const file = positionals[0];
    return {
      allowUrlHosts,
      provider,
      file,
      fileSize: file === undefined ? undefined : await checkFile(file),
      bucket: values.bucket,
      chunkSize,
      watch: !values["no-watch"],
      remote,
    };
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`npm start: ${error.message}\n${USAGE}\n`);
    process.exit(2);
  }
}

/** The options `npm start` knows; anything else is a usage error. */
function parseOptions(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      options: {
        bucket: { type: "string" },
        provider: { type: "string" },
        "chunk-size": { type: "string" },
        "no-watch": { type: "boolean" },
        "allow-url-host": { type: "string", multiple: true },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: true,
    });
  } catch (error) {
    throw new UsageError(messageOf(error));
  }
}

/** `--chunk-size` (bytes, or with a unit), as bytes. */
function parseChunkSize(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  try {
    return parseSizeInRange(text, S3_LIMITS.minPartSize, MAX_CHUNK_SIZE);
  } catch (error) {
    throw new UsageError(`--chunk-size: ${messageOf(error)}`);
  }
}

/** Size of the file to relay; refuses what cannot be dropped with one PutObject. */
async function checkFile(path: string): Promise<number> {
  const info = await stat(path).catch(() => undefined);
  if (!info) throw new UsageError(`no such file: ${path}`);
  if (!info.isFile()) throw new UsageError(`not a regular file: ${path}`);
  if (info.size > MAX_PUT_SIZE) {
    throw new UsageError(`${path} is ${mib(info.size)}; one PutObject carries at most 5 GiB`);
  }
  return info.size;
}

/** The real API to use instead of the sandbox, when the environment names a key. */
function remoteApiOf(env: NodeJS.ProcessEnv): RemoteApi | undefined {
  const apiKey = env.TWELVELABS_API_KEY?.trim();
  if (!apiKey) return undefined;
  return { baseUrl: env.TWELVELABS_BASE_URL?.trim() || TWELVELABS_ENDPOINTS.baseUrl, apiKey };
}
