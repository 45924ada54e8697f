/**
 * What any error the CLI meets means to its user: one line, and the exit code for it. AWS SDK
 * errors that say "there is nothing to talk to" (no credentials, no region, a stack or table
 * that is not there, an endpoint that does not answer) map to the no-stack code; the rest keep
 * their name and message, without stack traces.
 */

import { CommanderError } from "commander";
import { CliError, EXIT, type ExitCode } from "./exit-codes.js";
import { messageOf, scrubberOf } from "./text.js";

/** An error as the CLI reports it. */
export interface Failure {
  readonly message: string;
  readonly exitCode: ExitCode;
}

/** Error names of credentials the SDK found but AWS refused. */
const BAD_CREDENTIALS = new Set([
  "ExpiredToken",
  "ExpiredTokenException",
  "InvalidClientTokenId",
  "UnrecognizedClientException",
  "InvalidAccessKeyId",
  "SignatureDoesNotMatch",
]);

/** Error names of a resource the target names but AWS does not have. */
const NOT_DEPLOYED = new Set([
  "ResourceNotFoundException",
  "StateMachineDoesNotExist",
  "NoSuchBucket",
]);

/** Socket errors of an endpoint that is not there. */
const UNREACHABLE = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH"]);

/** Presigned URLs never reach the CLI's errors, but a query string is cut all the same. */
const scrub = scrubberOf([]);

/** The one line and exit code for `error`. */
export function failureOf(error: unknown): Failure {
  if (error instanceof CliError) return { message: scrub(error.message), exitCode: error.exitCode };
  const { name = "", code = "" } = error as { name?: string; code?: string };
  const message = scrub(messageOf(error).split("\n")[0] ?? "");
  if (name === "CredentialsProviderError") {
    return {
      message:
        "no AWS credentials found (environment, shared config or SSO, instance metadata): set AWS_PROFILE or pass --profile, or start the local stack with `npm start`",
      exitCode: EXIT.noStack,
    };
  }
  if (/^Region is missing/.test(message)) {
    return {
      message: "no AWS region: pass --region or set AWS_REGION",
      exitCode: EXIT.noStack,
    };
  }
  if (BAD_CREDENTIALS.has(name)) {
    return { message: `AWS refused the credentials: ${name}: ${message}`, exitCode: EXIT.noStack };
  }
  if (NOT_DEPLOYED.has(name)) {
    return { message: `not deployed: ${message}`, exitCode: EXIT.noStack };
  }
  if (UNREACHABLE.has(code) || UNREACHABLE.has(name)) {
    return {
      message: `could not reach the stack (${code || name}: ${message}); for the local stack, is \`npm start\` still running?`,
      exitCode: EXIT.noStack,
    };
  }
  if (error instanceof CommanderError) return { message, exitCode: EXIT.usage };
  return {
    message: name && name !== "Error" ? `${name}: ${message}` : message,
    exitCode: EXIT.error,
  };
}
