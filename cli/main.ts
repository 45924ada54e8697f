/**
 * `relay`: drop files into the relay and follow their uploads, on the local stack `npm start`
 * keeps up or on a deployed `Relay` stack. An AWS client and nothing else: S3 for drops,
 * DynamoDB for upload records, Step Functions to redrive and to find what is in flight,
 * CloudFormation to find a deployed stack. Errors are one line on stderr with a documented
 * exit code (see ./exit-codes.ts).
 */

import { CommanderError } from "commander";
import { EXIT, type ExitCode } from "./exit-codes.js";
import { failureOf } from "./failure.js";
import { exit } from "./process-exit.js";
import { relayProgram } from "./program.js";

async function main(): Promise<void> {
  // The SDK's multi-line Node 22 notice would bury the one-line errors on stderr; README's
  // Troubleshooting says why it is harmless. Set the variable to `false` to see it.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const result: { code: ExitCode } = { code: EXIT.ok };
  try {
    await relayProgram(result).parseAsync(process.argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has printed the message (or the help) already.
      await exit(error.exitCode === 0 ? EXIT.ok : EXIT.usage);
    }
    const failure = failureOf(error);
    process.stderr.write(`relay: ${failure.message}\n`);
    await exit(failure.exitCode);
  }
  await exit(result.code);
}

void main();
