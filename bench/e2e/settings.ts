/** The e2e bench's settings, from `BENCH_E2E_*` in the environment. */

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
  return {
    size: Math.round(number("BENCH_E2E_SIZE_MIB", 1024, 0.001) * MiB),
    chunkSizes: chunks,
    rounds: Math.floor(number("BENCH_E2E_ROUNDS", 3, 1)),
    outFile: env.BENCH_E2E_OUT ?? ".bench/e2e.json",
  };
}
