/**
 * The `relay` command line (commander): its global options, which pick the target, and its
 * commands, each run against that target.
 */

import { Command, InvalidArgumentError, Option } from "commander";
import type { UploadStatus } from "../functions/core/upload-store.js";
import { drop, fileSize } from "./commands/drop.js";
import { list } from "./commands/list.js";
import { redrive } from "./commands/redrive.js";
import { status } from "./commands/status.js";
import { watch } from "./commands/watch.js";
import { type CommandContext, contextOf } from "./context.js";
import { EXIT, type ExitCode } from "./exit-codes.js";
import { HELP_AFTER } from "./help-text.js";
import { parseSince } from "./parse-since.js";
import { exitOnInterrupt } from "./process-exit.js";
import { resolveTarget, type Target, type TargetKind } from "./target.js";

/** The options every command takes, before or after its name. */
interface GlobalOptions {
  readonly target: TargetKind;
  readonly stack: string;
  readonly region?: string;
  readonly profile?: string;
  readonly bucket?: string;
  readonly table?: string;
  readonly stateMachine?: string;
  readonly pollInterval: number;
}

const STATUSES: readonly UploadStatus[] = [
  "admitted",
  "transferring",
  "completed",
  "failed",
  "rejected",
];

/** `--status failed,rejected`: statuses, each one the relay records. */
function parseStatuses(text: string): UploadStatus[] {
  const statuses = text.split(",").map((s) => s.trim());
  for (const s of statuses) {
    if (!(STATUSES as readonly string[]).includes(s)) {
      throw new InvalidArgumentError(`expected one or more of ${STATUSES.join(", ")}`);
    }
  }
  return statuses as UploadStatus[];
}

/** `--poll-interval 250`: a whole number of milliseconds. */
function parseMilliseconds(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) {
    throw new InvalidArgumentError("expected a whole number of milliseconds, at least 1");
  }
  return value;
}

/** Runs a command against the target the global options name; answers its exit code. */
async function run(
  command: Command,
  body: (context: CommandContext) => Promise<ExitCode>,
): Promise<ExitCode> {
  const options = command.optsWithGlobals<GlobalOptions>();
  const root = rootOf(command);
  // Naming a stack, region or profile on the command line means the deployed stack.
  const picksDeployed = ["stack", "region", "profile"].some(
    (name) => root.getOptionValueSource(name) === "cli",
  );
  const target: Target = await resolveTarget({
    target: options.target === "auto" && picksDeployed ? "deployed" : options.target,
    stack: options.stack,
    region: options.region,
    profile: options.profile,
    bucket: options.bucket,
    table: options.table,
    stateMachine: options.stateMachine,
    env: process.env,
  });
  try {
    return await body(contextOf(target, options.pollInterval));
  } finally {
    target.close();
  }
}

function rootOf(command: Command): Command {
  let root = command;
  while (root.parent) root = root.parent;
  return root;
}

/** The `relay` program. */
export function relayProgram(result: { code: ExitCode }): Command {
  const relay = new Command("relay")
    .description(
      "Drop files into the relay and follow their uploads, on the local stack or a deployed one.",
    )
    .exitOverride()
    .showHelpAfterError("(relay --help lists the commands and flags)")
    .addOption(
      new Option("--target <where>", "the stack: local (npm start), deployed, or auto")
        .choices(["auto", "local", "deployed"])
        .default("auto"),
    )
    .option("--stack <name>", "the deployed stack's name", "Relay")
    .option("--region <region>", "the deployed stack's region (default: AWS config)")
    .option("--profile <profile>", "AWS profile (default: the default credential chain)")
    .option("--bucket <name>", "the drop bucket, instead of the stack's BucketName output")
    .option("--table <name>", "the table, instead of the stack's TableName output")
    .option("--state-machine <arn>", "the state machine, instead of its StateMachineArn output")
    .option(
      "--poll-interval <ms>",
      "milliseconds between reads when following",
      parseMilliseconds,
      1000,
    )
    .addHelpText("after", HELP_AFTER);

  relay
    .command("drop")
    .description("put a file into the drop bucket, follow its upload and print its asset id")
    .argument("<file>", "the file to drop")
    .option("--key <key>", "object key (default: the file's base name)")
    .option("--no-wait", "return once the object is in the bucket")
    .action(async (file: string, options: { key?: string; wait: boolean }, command: Command) => {
      const size = await fileSize(file);
      if (options.wait) exitOnInterrupt(EXIT.interrupted);
      result.code = await run(command, (context) => drop(context, file, size, options));
    });

  relay
    .command("status")
    .description("one upload: its record, and its live progress while it is in flight")
    .argument("<key>", "an upload key (32 hex), or an object key (its latest upload)")
    .option("--json", "print the record as JSON, once")
    .option("--no-wait", "do not follow an upload in flight")
    .action(async (key: string, options: { json?: boolean; wait: boolean }, command: Command) => {
      exitOnInterrupt(EXIT.interrupted);
      result.code = await run(command, (context) =>
        status(context, key, { json: options.json === true, wait: options.wait }),
      );
    });

  relay
    .command("list")
    .description("the uploads in the table, newest first")
    .option(
      "--status <statuses>",
      `only these, comma-separated: ${STATUSES.join(", ")}`,
      parseStatuses,
    )
    .option("--since <time>", "only those created since: ISO 8601 time, or 30m, 2h, 7d", (text) =>
      parseSince(text),
    )
    .option("--json", "print the uploads as JSON")
    .action(
      async (
        options: { status?: UploadStatus[]; since?: number; json?: boolean },
        command: Command,
      ) => {
        result.code = await run(command, (context) =>
          list(context, {
            statuses: options.status,
            since: options.since,
            json: options.json === true,
          }),
        );
      },
    );

  relay
    .command("redrive")
    .description("start a failed upload again (on its provider session while alive) and follow it")
    .argument("<key>", "an upload key (32 hex), or an object key (its latest upload)")
    .option("--no-wait", "return once the redrive has started")
    .action(async (key: string, options: { wait: boolean }, command: Command) => {
      if (options.wait) exitOnInterrupt(EXIT.interrupted);
      result.code = await run(command, (context) => redrive(context, key, options));
    });

  relay
    .command("watch")
    .description("every upload in flight, one progress bar each, until Ctrl-C")
    .option("--once", "print the uploads in flight once and exit")
    .option("--until-idle", "exit once nothing is in flight")
    .action(async (options: { once?: boolean; untilIdle?: boolean }, command: Command) => {
      exitOnInterrupt(EXIT.ok);
      result.code = await run(command, (context) =>
        watch(context, { once: options.once === true, untilIdle: options.untilIdle === true }),
      );
    });
  return relay;
}
