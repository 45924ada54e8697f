/**
 * `relay redrive <key>`: starts a failed upload again, as `functions/core/redrive.ts` names the
 * execution (admit reopens the record; create-session keeps the provider session while it is
 * alive, else opens a new one), then follows it to its end.
 */

import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  StartExecutionCommand,
} from "@aws-sdk/client-sfn";
import { redriveExecution } from "../../functions/core/redrive.js";
import type { UploadRecord } from "../../functions/core/upload-store.js";
import type { CommandContext } from "../context.js";
import { CliError, EXIT, type ExitCode } from "../exit-codes.js";
import { findUpload } from "../find-upload.js";
import { follow } from "../follow.js";
import { ProgressBoard } from "../progress-board.js";
import { hasEnded } from "../upload-view.js";

/** Options of `redrive`. */
export interface RedriveOptions {
  /** Follow the redrive to its end (`--no-wait` returns once it has started). */
  readonly wait: boolean;
}

/** Redrives the upload `name` names; answers the exit code. */
export async function redrive(
  context: CommandContext,
  name: string,
  options: RedriveOptions,
): Promise<ExitCode> {
  const { record, note } = await findUpload(context, name);
  if (note) process.stderr.write(`relay: ${note}\n`);
  refuseUnlessFailed(record);
  const { name: executionName, input } = redriveExecution(record);
  const executionArn = executionArnOf(context.target.stateMachineArn, executionName);
  const started = Date.now();
  try {
    await context.target.sfn.send(
      new StartExecutionCommand({
        stateMachineArn: context.target.stateMachineArn,
        name: executionName,
        input,
      }),
    );
  } catch (error) {
    if ((error as { name?: string }).name !== "ExecutionAlreadyExists") throw error;
    throw await alreadyExists(context, executionArn, executionName);
  }
  const key = record.source.key;
  process.stdout.write(
    `redriving ${key} (upload ${record.uploadKey}): execution ${executionName}\n`,
  );
  if (!options.wait) return EXIT.ok;

  const redrives = record.redrives ?? 0;
  const board = new ProgressBoard();
  const { exitCode } = await follow(context, {
    board,
    uploadKey: record.uploadKey,
    name: key,
    size: record.source.size,
    since: started,
    // Over once the reopened upload has ended; or once the execution has, if it ended before
    // reopening it (then the record still holds the earlier failure).
    done: async ({ record: now }) =>
      (now !== undefined && (now.redrives ?? 0) > redrives && hasEnded(now.status)) ||
      (await describe(context, executionArn)).status !== "RUNNING",
  });
  return exitCode;
}

/** Only a failed upload is redriven: a rejected object was refused, the rest have not failed. */
function refuseUnlessFailed(record: UploadRecord): void {
  if (record.status === "failed") return;
  const why =
    record.status === "rejected"
      ? "its object was refused at admission; drop it again instead"
      : record.status === "completed"
        ? "it completed"
        : "it is still in flight";
  throw new CliError(
    `upload ${record.uploadKey} is ${record.status}, not failed: ${why}`,
    EXIT.refused,
  );
}

/** The error for a redrive whose execution name is taken: running now, or ended earlier. */
async function alreadyExists(
  context: CommandContext,
  executionArn: string,
  executionName: string,
): Promise<CliError> {
  const existing = await describe(context, executionArn);
  if (existing.status === "RUNNING") {
    return new CliError(`a redrive is already running: execution ${executionName}`, EXIT.refused);
  }
  return new CliError(
    `redrive execution ${executionName} already ran (${existing.status}) without reopening the upload; see its history in the Step Functions console`,
    EXIT.refused,
  );
}

function describe(
  context: CommandContext,
  executionArn: string,
): Promise<DescribeExecutionCommandOutput> {
  return context.target.sfn.send(new DescribeExecutionCommand({ executionArn }));
}

/** An execution's ARN, as Step Functions builds it from its state machine's. */
export function executionArnOf(stateMachineArn: string, executionName: string): string {
  // arn:aws:states:region:account:stateMachine:name → …:execution:name:executionName
  const parts = stateMachineArn.split(":");
  return [...parts.slice(0, 5), "execution", parts[6] ?? "", executionName].join(":");
}
