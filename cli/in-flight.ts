/**
 * The uploads in flight: those of the state machine's running executions whose record is
 * admitted or transferring. Found from Step Functions (ListExecutions, then each new
 * execution's input once), not by scanning the table on every poll: a running execution
 * names its upload, and the table holds every chunk of every upload for 90 days.
 */

import {
  DescribeExecutionCommand,
  type ExecutionListItem,
  ListExecutionsCommand,
} from "@aws-sdk/client-sfn";
import { z } from "zod";
import { RedriveInput } from "../functions/core/redrive.js";
import { ExecutionInput } from "../functions/core/steps/step-inputs.js";
import { uploadKeyOf } from "../functions/core/upload-identity.js";
import type { UploadRecord } from "../functions/core/upload-store.js";
import type { CommandContext } from "./context.js";
import { IN_FLIGHT_STATUSES } from "./upload-view.js";

/** What an execution is started with: an S3 object, or an upload to redrive. */
const StartInput = z.union([RedriveInput, ExecutionInput]);

/** Finds the uploads in flight, remembering which upload each execution is about. */
export class InFlightFinder {
  readonly #context: CommandContext;
  /** Upload key by execution ARN; null for an execution that names none. */
  readonly #uploadOf = new Map<string, string | null>();

  constructor(context: CommandContext) {
    this.#context = context;
  }

  /** The records of the uploads in flight now, oldest execution first. */
  async find(): Promise<UploadRecord[]> {
    const running = await this.#running();
    const records: UploadRecord[] = [];
    const seen = new Set<string>();
    for (const execution of running) {
      const uploadKey = await this.#uploadKeyOf(execution);
      if (!uploadKey || seen.has(uploadKey)) continue;
      seen.add(uploadKey);
      const record = await this.#context.listing.get(uploadKey);
      if (record && IN_FLIGHT_STATUSES.includes(record.status)) records.push(record);
    }
    return records;
  }

  /** Every running execution, oldest first (Step Functions lists newest first). */
  async #running(): Promise<ExecutionListItem[]> {
    const { sfn, stateMachineArn } = this.#context.target;
    const executions: ExecutionListItem[] = [];
    let nextToken: string | undefined;
    do {
      const page = await sfn.send(
        new ListExecutionsCommand({ stateMachineArn, statusFilter: "RUNNING", nextToken }),
      );
      executions.push(...(page.executions ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
    return executions.reverse();
  }

  /** The upload an execution is about, from its input (read once per execution). */
  async #uploadKeyOf(execution: ExecutionListItem): Promise<string | null> {
    const arn = execution.executionArn;
    if (!arn) return null;
    const known = this.#uploadOf.get(arn);
    if (known !== undefined) return known;
    const described = await this.#context.target.sfn.send(
      new DescribeExecutionCommand({ executionArn: arn }),
    );
    let json: unknown;
    try {
      json = JSON.parse(described.input ?? "");
    } catch {
      json = undefined;
    }
    const parsed = StartInput.safeParse(json);
    const uploadKey = !parsed.success
      ? null
      : "redriveOf" in parsed.data
        ? parsed.data.redriveOf
        : uploadKeyOf(parsed.data);
    this.#uploadOf.set(arn, uploadKey);
    return uploadKey;
  }
}
