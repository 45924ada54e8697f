/**
 * Start: turns an EventBridge "Object Created" event into one state machine execution. The
 * execution name is derived from the object version, so a duplicate event starts nothing.
 */

import { type SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { z } from "zod";
import { unquoteEtag } from "../etag.js";
import { executionNameOf } from "../upload-identity.js";
import type { ExecutionInput } from "./step-inputs.js";
import { parseInput } from "./step-inputs.js";

/** The parts of an EventBridge S3 "Object Created" event the relay reads. */
export const ObjectCreatedEvent = z.object({
  "detail-type": z.literal("Object Created"),
  source: z.literal("aws.s3"),
  detail: z.object({
    bucket: z.object({ name: z.string().min(1) }),
    object: z.object({
      key: z.string().min(1),
      size: z.number().int().nonnegative().optional(),
      etag: z.string().optional(),
      "version-id": z.string().optional(),
      sequencer: z.string().optional(),
    }),
  }),
});

/** Output of start. */
export interface StartOutput {
  /**
   * False when an execution of this name ended already (`ExecutionAlreadyExists`). A duplicate
   * event while that execution still runs reads true: Step Functions answers a start with the
   * same name and input as the running execution's by returning it, starting nothing.
   */
  readonly started: boolean;
  readonly executionName: string;
}

/** What start needs. */
export interface StartDeps {
  readonly sfn: SFNClient;
  readonly stateMachineArn: string;
}

/** Starts the relay for one created object, once. */
export async function start(event: unknown, deps: StartDeps): Promise<StartOutput> {
  const { detail } = parseInput("start", ObjectCreatedEvent, event);
  const input: ExecutionInput = {
    bucket: detail.bucket.name,
    key: detail.object.key,
    size: detail.object.size ?? 0,
    etag: unquoteEtag(detail.object.etag ?? ""),
    versionId: detail.object["version-id"] ?? null,
    sequencer: detail.object.sequencer ?? "",
  };
  const executionName = executionNameOf(input);
  try {
    await deps.sfn.send(
      new StartExecutionCommand({
        stateMachineArn: deps.stateMachineArn,
        name: executionName,
        input: JSON.stringify(input),
      }),
    );
    return { started: true, executionName };
  } catch (error) {
    if ((error as { name?: string }).name === "ExecutionAlreadyExists") {
      return { started: false, executionName };
    }
    throw error;
  }
}
