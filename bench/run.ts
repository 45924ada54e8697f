/**
 * `npm run bench`: runs every benchmark in turn. Sizes and rounds come from the environment
 * (`BENCH_SIZE_MIB`, `BENCH_CHUNK_MIB`, `BENCH_ROUNDS`); see bench/README.md.
 */

import { messageOf } from "../local/cli/text.js";
import { runTransferBench } from "./transfer/parent.js";

try {
  await runTransferBench();
} catch (error) {
  // The bench has already cleaned up; a stack adds nothing to the message, the exit code tells.
  console.error(`bench failed: ${messageOf(error)}`);
  process.exitCode = 1;
}
