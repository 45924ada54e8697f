/**
 * The relay's state machine, built from its functions exactly as `docs/contract.md` draws it.
 * JSONPath only, an inline Map over explicit batches, no JSONata, no DISTRIBUTED Map and no
 * ItemBatcher: the local interpreter runs the very same definition, and it silently gets those
 * wrong (see the design's "Verified ground").
 */

import { type Duration, Duration as DurationValue } from "aws-cdk-lib";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import * as sfn from "aws-cdk-lib/aws-stepfunctions";
import * as tasks from "aws-cdk-lib/aws-stepfunctions-tasks";
import { Construct } from "constructs";
import { NON_RETRYABLE_ERROR_NAMES } from "../functions/core/errors.js";
import {
  RELAY_FUNCTION_NAMES,
  RELAY_STEPS,
  type RelayTaskFunctionName,
  type RelayTaskStateName,
} from "../functions/core/step-registry.js";

export type { RelayTaskFunctionName } from "../functions/core/step-registry.js";

/**
 * Relay errors that no retry can fix (their `name`, which is what `ErrorEquals` matches), from
 * the errors table. Every Task lists them first with `MaxAttempts: 0`, so they go straight to
 * the Catch.
 */
export const NON_RETRYABLE_ERRORS: readonly string[] = NON_RETRYABLE_ERROR_NAMES;

/** Which function answers each Task state, from the steps table. */
export const TASK_STATE_FUNCTIONS = Object.fromEntries(
  RELAY_FUNCTION_NAMES.flatMap((name) => {
    const stateName = RELAY_STEPS[name].stateName;
    return stateName === undefined ? [] : [[stateName, name]];
  }),
) as Readonly<Record<RelayTaskStateName, RelayTaskFunctionName>>;

/** Error name of the final Fail state, so alarms and callers can tell a relay failure apart. */
export const RELAY_FAILED_ERROR = "RelayFailed";

/**
 * Errors of the Lambda service, not of the function: the invocation was refused or lost
 * before the function could answer, so nothing ran and nothing is wrong with the upload.
 * `TooManyRequestsException` is a concurrency limit (the account's or a reserved one), the
 * others are Lambda's own transient faults (HTTP 5xx, or the call not reaching Lambda).
 * `Lambda.AWSLambdaException` is left to `States.ALL`: it also carries lasting faults (the
 * state machine's role may not invoke the function, a KMS key is disabled) that a long retry
 * would only delay.
 */
export const LAMBDA_CAPACITY_ERRORS: readonly string[] = [
  "Lambda.TooManyRequestsException",
  "Lambda.ServiceException",
  "Lambda.SdkClientException",
];

/**
 * Retry of {@link LAMBDA_CAPACITY_ERRORS} on every Task (contract.md, "Retry"): a throttled
 * upload waits for capacity instead of failing. Waits start at 2 s and double up to a cap of
 * 60 s, with full jitter (each wait is uniform in 0..the capped interval, which spreads a burst
 * of throttled Tasks out instead of retrying them in lockstep); 60 attempts. At the cap that
 * is at most 62 s + 55 × 60 s ≈ 56 min of waiting and on average about half, ≈ 28 min
 * (standard deviation ≈ 2 min): enough to ride out a long burst, such as a backfill competing
 * with the account's other functions, and still ending in `RecordFailure` if the capacity
 * never comes back. Each retry is one state transition ($0.000025).
 */
export const CAPACITY_RETRY = {
  intervalSeconds: 2,
  backoffRate: 2,
  maxDelaySeconds: 60,
  maxAttempts: 60,
} as const;

/** Retry policy of every Task after the non-retryable errors (contract.md, "Retry"). */
export const TASK_RETRY = {
  intervalSeconds: 2,
  backoffRate: 2,
  maxAttempts: 4,
} as const;

/** Inputs of {@link buildRelayDefinition}. */
export interface RelayDefinitionProps {
  /** The function behind each Task state. */
  readonly functions: Readonly<Record<RelayTaskFunctionName, IFunction>>;
  /** Transfer invocations running at once (the Map's `MaxConcurrency`). */
  readonly mapConcurrency: number;
  /** Wait between two status polls (whole seconds). */
  readonly pollInterval: Duration;
  /** Wait between two reads of an indexing's status (whole seconds). */
  readonly indexPollInterval: Duration;
  /** Uploads in flight at once (admission control; `AcquireSlot`'s limit). */
  readonly maxConcurrentUploads: number;
  /** Longest an upload holds its slot if it is never released (a stopped execution). */
  readonly slotLease: Duration;
}

/**
 * Builds the relay's chain under `scope` and returns its start state (`Admit`).
 *
 * Inside the Map, `TransferBatch` and `ReportBatch` cannot catch to `RecordFailure` (a Catch
 * cannot leave its Map), so the Map itself carries that Catch: an iteration that fails after
 * its retries fails the Map with the same error name, which lands in `RecordFailure`.
 */
export function buildRelayDefinition(
  scope: Construct,
  props: RelayDefinitionProps,
): sfn.IChainable {
  // A scope of its own keeps the state ids (which are the state names) clear of other ids.
  const definition = new Construct(scope, "Definition");
  const task = (stateName: RelayTaskStateName, payload?: sfn.TaskInput): tasks.LambdaInvoke => {
    const invoke = new tasks.LambdaInvoke(definition, stateName, {
      lambdaFunction: props.functions[TASK_STATE_FUNCTIONS[stateName]],
      // The resource becomes the function ARN itself: payload in, payload out.
      payloadResponseOnly: true,
      ...(payload ? { payload } : {}),
      // Our own Retry rules below replace the default Lambda.ServiceException one, in the
      // order the contract fixes.
      retryOnServiceExceptions: false,
    });
    invoke.addRetry({ errors: [...NON_RETRYABLE_ERRORS], maxAttempts: 0 });
    invoke.addRetry({
      errors: [...LAMBDA_CAPACITY_ERRORS],
      interval: DurationValue.seconds(CAPACITY_RETRY.intervalSeconds),
      backoffRate: CAPACITY_RETRY.backoffRate,
      maxDelay: DurationValue.seconds(CAPACITY_RETRY.maxDelaySeconds),
      maxAttempts: CAPACITY_RETRY.maxAttempts,
      jitterStrategy: sfn.JitterType.FULL,
    });
    invoke.addRetry({
      errors: [sfn.Errors.ALL],
      interval: DurationValue.seconds(TASK_RETRY.intervalSeconds),
      backoffRate: TASK_RETRY.backoffRate,
      maxAttempts: TASK_RETRY.maxAttempts,
      jitterStrategy: sfn.JitterType.FULL,
    });
    return invoke;
  };

  const admit = task("Admit");
  // Admission control: the limit and the lease are the definition's, the arrival the
  // execution's start (the queue's order).
  const acquireSlot = task(
    "AcquireSlot",
    sfn.TaskInput.fromObject({
      uploadKey: sfn.JsonPath.stringAt("$.uploadKey"),
      arrivedAt: sfn.JsonPath.stringAt("$$.Execution.StartTime"),
      maxConcurrentUploads: props.maxConcurrentUploads,
      slotLeaseSeconds: props.slotLease.toSeconds(),
    }),
  );
  const createSession = task("CreateSession");
  const transferBatch = task("TransferBatch");
  const reportBatch = task("ReportBatch");
  const pollStatus = task("PollStatus");
  const recordSuccess = task("RecordSuccess");
  const recordFailure = task("RecordFailure");
  const indexAsset = task("IndexAsset");

  const transferChunks = new sfn.Map(definition, "TransferChunks", {
    itemsPath: "$.batches",
    itemSelector: {
      uploadKey: sfn.JsonPath.stringAt("$.uploadKey"),
      first: sfn.JsonPath.numberAt("$$.Map.Item.Value.first"),
      last: sfn.JsonPath.numberAt("$$.Map.Item.Value.last"),
    },
    maxConcurrency: props.mapConcurrency,
    // The batches' results are in DynamoDB; keeping them here would only grow the payload.
    resultPath: sfn.JsonPath.DISCARD,
  });
  transferChunks.itemProcessor(transferBatch.next(reportBatch));

  const checkSlot = new sfn.Choice(definition, "CheckSlot");
  const waitForSlot = new sfn.Wait(definition, "WaitForSlot", {
    time: sfn.WaitTime.secondsPath("$.waitSeconds"),
  });

  const waitForProvider = new sfn.Wait(definition, "WaitForProvider", {
    time: sfn.WaitTime.duration(props.pollInterval),
  });
  const checkStatus = new sfn.Choice(definition, "CheckStatus");
  const done = new sfn.Succeed(definition, "Done");
  const failed = new sfn.Fail(definition, "Failed", { error: RELAY_FAILED_ERROR });

  const toFailure: sfn.CatchProps = { errors: [sfn.Errors.ALL], resultPath: "$.error" };
  for (const state of [
    admit,
    acquireSlot,
    createSession,
    transferChunks,
    pollStatus,
    recordSuccess,
  ]) {
    state.addCatch(recordFailure, toFailure);
  }

  waitForSlot.next(acquireSlot);
  checkSlot
    .when(
      sfn.Condition.stringEquals("$.slot", "granted"),
      createSession.next(transferChunks).next(pollStatus).next(checkStatus),
    )
    .otherwise(waitForSlot);

  // Indexing after upload: the upload is complete whatever happens here. The index step
  // records and publishes every provider failure itself; what still escapes it (its own
  // function failing after the retries) ends the execution as a success all the same.
  const checkIndex = new sfn.Choice(definition, "CheckIndex");
  const waitForIndex = new sfn.Wait(definition, "WaitForIndex", {
    time: sfn.WaitTime.duration(props.indexPollInterval),
  });
  const checkIndexed = new sfn.Choice(definition, "CheckIndexed");
  const indexingAbandoned = new sfn.Succeed(definition, "IndexingAbandoned", {
    comment: "The upload is complete; its indexing could not be followed",
  });
  indexAsset.addCatch(indexingAbandoned, { errors: [sfn.Errors.ALL], resultPath: "$.error" });
  waitForIndex.next(indexAsset);
  indexAsset.next(checkIndexed);
  checkIndexed
    .when(sfn.Condition.stringEquals("$.indexState", "pending"), waitForIndex)
    .otherwise(done);
  checkIndex.when(sfn.Condition.booleanEquals("$.index", true), indexAsset).otherwise(done);

  waitForProvider.next(pollStatus);
  checkStatus
    .when(sfn.Condition.stringEquals("$.state", "completed"), recordSuccess.next(checkIndex))
    .when(sfn.Condition.stringEquals("$.state", "resend"), transferChunks)
    .when(sfn.Condition.stringEquals("$.state", "active"), waitForProvider)
    .otherwise(recordFailure.next(failed));

  // A group's member file is relayed by its manifest: its own execution ends at once.
  const checkAdmitted = new sfn.Choice(definition, "CheckAdmitted");
  const skipped = new sfn.Succeed(definition, "Skipped", {
    comment: "A group member: its manifest's execution relays it",
  });
  acquireSlot.next(checkSlot);
  checkAdmitted.when(sfn.Condition.stringEquals("$.next", "skip"), skipped).otherwise(acquireSlot);
  return admit.next(checkAdmitted);
}
