/**
 * `npm run bench`: runs every benchmark in turn. Sizes and rounds come from the environment
 * (`BENCH_SIZE_MIB`, `BENCH_CHUNK_MIB`, `BENCH_ROUNDS`); see bench/README.md.
 */

import { runTransferBench } from "./transfer.bench.js";

try {
  await runTransferBench();
} catch (error) {
  // The bench has already cleaned up; a stack adds nothing to the message, the exit code tells.
  console.error(`bench failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
