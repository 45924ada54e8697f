/** Ending the `relay` process: with its exit code, after its output has drained. */

import type { ExitCode } from "./exit-codes.js";

/** Ctrl-C while following: 130, or 0 for `watch`, once the bars have given the terminal back. */
export function exitOnInterrupt(code: ExitCode): void {
  const onSignal = () => {
    // cli-progress restores the cursor in its own SIGINT listener: let it run first.
    setImmediate(() => void exit(code));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
}

/** Exits with `code` once stdout and stderr have drained. */
export async function exit(code: ExitCode): Promise<never> {
  await new Promise<void>((resolve) => process.stdout.write("", () => resolve()));
  await new Promise<void>((resolve) => process.stderr.write("", () => resolve()));
  process.exit(code);
}
