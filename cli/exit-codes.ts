/** The `relay` CLI's exit codes, and the one error type that carries one. */

/** Every exit code, by meaning; `relay --help` and the README list them from here. */
export const EXIT = {
  /** Done: the upload completed, or the command had nothing to follow. */
  ok: 0,
  /** The upload followed (or shown by `status`) failed or was rejected. */
  uploadFailed: 1,
  /** Bad usage: an unknown flag or command, a missing argument, a bad value, no such file. */
  usage: 2,
  /** No such upload: an unknown upload key, no upload of that object key, none after a drop. */
  notFound: 3,
  /** No stack: none running locally and none deployed found, no credentials, no answer. */
  noStack: 4,
  /** Refused in this state: a redrive of an upload that is not failed, or already running. */
  refused: 5,
  /** Any other error: an AWS call failed. */
  error: 6,
  /** Interrupted (Ctrl-C) while following an upload; `watch` exits 0 instead. */
  interrupted: 130,
} as const;

/** One of {@link EXIT}'s codes. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The exit codes as `relay --help` and the README print them. */
export const EXIT_CODES_HELP = [
  "Exit codes:",
  "  0    done (the upload completed; watch: stopped or idle)",
  "  1    the upload failed or was rejected (the reason goes to stderr)",
  "  2    bad usage (unknown flag or command, bad value, no such file)",
  "  3    no such upload (unknown upload key or object key; none appeared after a drop)",
  "  4    no stack: no local stack running and no deployed stack found, no AWS credentials",
  "       or region, an endpoint that does not answer",
  "  5    refused: redrive of an upload that is not failed, or a redrive already running",
  "  6    any other error (an AWS call failed)",
  "  130  interrupted (Ctrl-C) while following an upload",
].join("\n");

/** An error the CLI reports as one line on stderr, exiting with `exitCode`. */
export class CliError extends Error {
  override readonly name = "CliError";

  constructor(
    message: string,
    /** The code the process exits with. */
    readonly exitCode: ExitCode,
  ) {
    super(message);
  }
}
