/** The e2e bench's settings, from `BENCH_E2E_*` in the environment. */

/** The paths every round runs, in the first round's order. */
export const PATHS = ["relay", "floor", "sdk", "sdk-tuned"] as const;
/** One of {@link PATHS}. */
export type PathName = (typeof PATHS)[number];

/** What one e2e bench run measures. */
export interface E2eSettings {
  /** Size of the relayed file, bytes. */
  readonly size: number;
  /** Chunk sizes to run at, bytes: the sandbox's default first. */
  readonly chunkSizes: readonly number[];
  /** Rounds per chunk size; each round runs every path once. */
  readonly rounds: number;
  /** Where the JSON report goes. */
  readonly outFile: string;
  /** The paths to run (all by default; a subset is for profiling one, and prints no ratio it lacks). */
  readonly paths: readonly PathName[];
  /** Run the local S3 and DynamoDB servers in their own process, as `npm start` does. */
  readonly separateStorageProcess: boolean;
  /**
   * Each function environment a process of its own (`functionProcesses`), for each function's
   * own peak RSS; slower here than threads, and the host's CPU then excludes the functions'.
   */
  readonly functionProcesses: boolean;
  /** Files of the burst (dropped one after another, then at once); 0: no burst. */
  readonly burstFiles: number;
  /** Size of each burst file, bytes. */
  readonly burstSize: number;
}

const MiB = 1024 * 1024;

/** Reads the settings; a malformed value is an error naming the variable. */
export function e2eSettingsFrom(env: NodeJS.ProcessEnv): E2eSettings {
  const number = (name: string, fallback: number, min: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === "") return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < min) {
      throw new Error(`${name} must be a number >= ${min}, got "${raw}"`);
    }
    return value;
  };
  const chunks = (env.BENCH_E2E_CHUNK_MIB ?? "8,64").split(",").map((raw) => {
    const value = Number(raw.trim());
    if (!Number.isFinite(value) || value <= 0) {
      throw new Error(`BENCH_E2E_CHUNK_MIB must list sizes in MiB, got "${raw}"`);
    }
    return Math.round(value * MiB);
  });
  const paths = (env.BENCH_E2E_PATHS ?? PATHS.join(",")).split(",").map((p) => p.trim());
  for (const path of paths) {
    if (!(PATHS as readonly string[]).includes(path)) {
      throw new Error(`BENCH_E2E_PATHS lists ${PATHS.join(", ")}; got "${path}"`);
    }
  }
  const separate = env.BENCH_E2E_SEPARATE_STORAGE ?? "1";
  if (separate !== "0" && separate !== "1") {
    throw new Error(`BENCH_E2E_SEPARATE_STORAGE must be 0 or 1, got "${separate}"`);
  }
  const processes = env.BENCH_E2E_FUNCTION_PROCESSES ?? "0";
  if (processes !== "0" && processes !== "1") {
    throw new Error(`BENCH_E2E_FUNCTION_PROCESSES must be 0 or 1, got "${processes}"`);
  }
  return {
    functionProcesses: processes === "1",
    burstFiles: Math.floor(number("BENCH_E2E_BURST_FILES", 8, 0)),
    burstSize: Math.round(number("BENCH_E2E_BURST_MIB", 64, 0) * MiB),
    paths: paths as PathName[],
    separateStorageProcess: separate === "1",
    size: Math.round(number("BENCH_E2E_SIZE_MIB", 1024, 0.001) * MiB),
    chunkSizes: chunks,
    rounds: Math.floor(number("BENCH_E2E_ROUNDS", 3, 1)),
    outFile: env.BENCH_E2E_OUT ?? ".bench/e2e.json",
  };
}
