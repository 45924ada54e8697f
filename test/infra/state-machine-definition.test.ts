import { createRequire } from "node:module";
import type { Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import * as relayErrors from "../../functions/core/errors.js";
import {
  NON_RETRYABLE_ERRORS,
  TASK_STATE_FUNCTIONS,
} from "../../infra/state-machine-definition.js";
import {
  actionsOf,
  buildStack,
  functionArnPlaceholder,
  relayFunctions,
  resolveDefinition,
  resourcesOfType,
  roleStatements,
} from "./template-helpers.js";

/** asl-validator ships no types; this is the part the test uses. */
type AslValidator = (
  definition: unknown,
  options?: { checkPaths?: boolean; checkArn?: boolean },
) => { isValid: boolean; errorsText: (separator?: string) => string };
const validateAsl = createRequire(import.meta.url)("asl-validator") as AslValidator;

// Written out literally (not imported), so a drift in either the code or the contract fails.
const RETRY = [
  {
    ErrorEquals: [
      "ProviderHttpError",
      "ProviderResponseError",
      "UntrustedUrlError",
      "ObjectRejectedError",
      "ObjectSupersededError",
      "SourceChangedError",
      "SessionFailedError",
      "UploadStateError",
      "InvalidInputError",
    ],
    MaxAttempts: 0,
  },
  {
    ErrorEquals: [
      "Lambda.TooManyRequestsException",
      "Lambda.ServiceException",
      "Lambda.SdkClientException",
    ],
    IntervalSeconds: 2,
    BackoffRate: 2,
    MaxDelaySeconds: 60,
    MaxAttempts: 60,
    JitterStrategy: "FULL",
  },
  {
    ErrorEquals: ["States.ALL"],
    IntervalSeconds: 2,
    BackoffRate: 2,
    MaxAttempts: 4,
    JitterStrategy: "FULL",
  },
];
const CATCH = [{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: "RecordFailure" }];

describe("Construct: RelayPipeline, state machine", () => {
  let template: Template;
  let definition: Record<string, unknown>;
  /** Placeholder ARN of the function whose RELAY_FUNCTION is `name`. */
  let fn: (name: string) => string;

  beforeAll(() => {
    // GIVEN the app's stack with default props
    ({ template } = buildStack());
    // WHEN its definition is resolved into plain ASL
    definition = resolveDefinition(template);
    const functions = relayFunctions(template);
    fn = (name) => {
      const found = functions[name];
      if (!found) throw new Error(`no function with RELAY_FUNCTION=${name}`);
      return functionArnPlaceholder(found.logicalId);
    };
  });

  it("is exactly the contract's definition, each Task invoking its own function", () => {
    expect(definition).toEqual({
      StartAt: "Admit",
      States: {
        Admit: {
          Type: "Task",
          Resource: fn("admit"),
          Retry: RETRY,
          Catch: CATCH,
          Next: "CheckAdmitted",
        },
        // A group's member file is relayed by its manifest's execution: this one ends.
        CheckAdmitted: {
          Type: "Choice",
          Choices: [{ Variable: "$.next", StringEquals: "skip", Next: "Skipped" }],
          Default: "AcquireSlot",
        },
        Skipped: { Type: "Succeed", Comment: "A group member: its manifest's execution relays it" },
        // Admission control: the limit and the lease are the definition's (default props:
        // 50 uploads; 720 polls × 5 s + 1 h), the arrival the execution's start.
        AcquireSlot: {
          Type: "Task",
          Resource: fn("acquire-slot"),
          Parameters: {
            "uploadKey.$": "$.uploadKey",
            "arrivedAt.$": "$$.Execution.StartTime",
            maxConcurrentUploads: 50,
            slotLeaseSeconds: 7200,
          },
          Retry: RETRY,
          Catch: CATCH,
          Next: "CheckSlot",
        },
        CheckSlot: {
          Type: "Choice",
          Choices: [{ Variable: "$.slot", StringEquals: "granted", Next: "CreateSession" }],
          Default: "WaitForSlot",
        },
        WaitForSlot: { Type: "Wait", SecondsPath: "$.waitSeconds", Next: "AcquireSlot" },
        CreateSession: {
          Type: "Task",
          Resource: fn("create-session"),
          Retry: RETRY,
          Catch: CATCH,
          Next: "TransferChunks",
        },
        TransferChunks: {
          Type: "Map",
          ItemsPath: "$.batches",
          ItemSelector: {
            "uploadKey.$": "$.uploadKey",
            "first.$": "$$.Map.Item.Value.first",
            "last.$": "$$.Map.Item.Value.last",
          },
          MaxConcurrency: 8,
          ResultPath: null,
          ItemProcessor: {
            ProcessorConfig: { Mode: "INLINE" },
            StartAt: "TransferBatch",
            States: {
              TransferBatch: {
                Type: "Task",
                Resource: fn("transfer"),
                Retry: RETRY,
                Next: "ReportBatch",
              },
              ReportBatch: { Type: "Task", Resource: fn("report"), Retry: RETRY, End: true },
            },
          },
          // A Catch cannot leave the Map, so the Map carries the tasks' way to RecordFailure.
          Catch: CATCH,
          Next: "PollStatus",
        },
        PollStatus: {
          Type: "Task",
          Resource: fn("poll"),
          Retry: RETRY,
          Catch: CATCH,
          Next: "CheckStatus",
        },
        CheckStatus: {
          Type: "Choice",
          Choices: [
            { Variable: "$.state", StringEquals: "completed", Next: "RecordSuccess" },
            { Variable: "$.state", StringEquals: "resend", Next: "TransferChunks" },
            { Variable: "$.state", StringEquals: "active", Next: "WaitForProvider" },
          ],
          Default: "RecordFailure",
        },
        WaitForProvider: { Type: "Wait", Seconds: 5, Next: "PollStatus" },
        RecordSuccess: {
          Type: "Task",
          Resource: fn("finish"),
          Retry: RETRY,
          Catch: CATCH,
          Next: "CheckIndex",
        },
        // Indexing after upload: only when the upload's route names an index; whatever
        // happens there, the execution succeeds (the upload is complete).
        CheckIndex: {
          Type: "Choice",
          Choices: [{ Variable: "$.index", BooleanEquals: true, Next: "IndexAsset" }],
          Default: "Done",
        },
        IndexAsset: {
          Type: "Task",
          Resource: fn("index"),
          Retry: RETRY,
          Catch: [
            { ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: "IndexingAbandoned" },
          ],
          Next: "CheckIndexed",
        },
        CheckIndexed: {
          Type: "Choice",
          Choices: [{ Variable: "$.indexState", StringEquals: "pending", Next: "WaitForIndex" }],
          Default: "Done",
        },
        WaitForIndex: { Type: "Wait", Seconds: 30, Next: "IndexAsset" },
        IndexingAbandoned: {
          Type: "Succeed",
          Comment: "The upload is complete; its indexing could not be followed",
        },
        RecordFailure: { Type: "Task", Resource: fn("fail"), Retry: RETRY, Next: "Failed" },
        Done: { Type: "Succeed" },
        Failed: { Type: "Fail", Error: "RelayFailed" },
      },
    });
  });

  it("lets a throttled Task wait out a long burst: about 28 min on average, under an hour", () => {
    const capacity = RETRY[1] as (typeof RETRY)[1] & { MaxDelaySeconds: number };
    // Full jitter draws each wait uniformly below its bound: min(interval × rate^k, cap).
    let ceiling = 0;
    for (let k = 0; k < capacity.MaxAttempts; k++) {
      ceiling += Math.min(
        capacity.IntervalSeconds * capacity.BackoffRate ** k,
        capacity.MaxDelaySeconds,
      );
    }
    expect(ceiling).toBe(62 + 55 * 60);
    expect(ceiling / 2 / 60).toBeGreaterThan(25);
    expect(ceiling / 60).toBeLessThan(60);
  });

  it("uses no JSONata, no DISTRIBUTED Map, no ItemBatcher and no lambda:invoke wrapper", () => {
    const text = JSON.stringify(definition);
    expect(text).not.toMatch(/JSONata/i);
    expect(text).not.toContain("DISTRIBUTED");
    expect(text).not.toContain("ItemBatcher");
    expect(text).not.toContain("arn:aws:states:::lambda:invoke");
    expect(text).not.toContain("Payload");
  });

  it("is valid ASL", () => {
    const result = validateAsl(definition, { checkArn: false });
    expect(result.errorsText()).toBe("");
    expect(result.isValid).toBe(true);
  });

  it("is a STANDARD machine logging errors only, without execution data", () => {
    template.hasResourceProperties("AWS::StepFunctions::StateMachine", {
      StateMachineType: "STANDARD",
      LoggingConfiguration: { Level: "ERROR", IncludeExecutionData: false },
      TracingConfiguration: { Enabled: false },
    });
  });

  it("can invoke exactly the task functions, not start", () => {
    const functions = relayFunctions(template);
    const [machine] = Object.values(resourcesOfType(template, "AWS::StepFunctions::StateMachine"));
    const roleArn = machine?.Properties?.RoleArn as { "Fn::GetAtt": [string, string] } | undefined;
    const roleId = roleArn?.["Fn::GetAtt"][0] ?? "";
    const invoked = new Set<string>();
    for (const s of roleStatements(template, roleId)) {
      if (s.Action !== "lambda:InvokeFunction") continue;
      for (const r of s.Resource as unknown[]) {
        const id = (r as { "Fn::GetAtt"?: [string, string] })["Fn::GetAtt"]?.[0];
        if (id) invoked.add(id);
      }
    }
    // Every other statement of the role is about its log delivery.
    for (const s of roleStatements(template, roleId)) {
      for (const action of actionsOf(s)) expect(action).toMatch(/^(lambda:InvokeFunction|logs:)/);
    }
    const expected = Object.values(TASK_STATE_FUNCTIONS).map((name) => functions[name]?.logicalId);
    expect([...invoked].sort()).toEqual([...expected].sort());
    expect(invoked.has(functions.start?.logicalId ?? "")).toBe(false);
  });
});

describe("NON_RETRYABLE_ERRORS", () => {
  it("names relay error classes only", () => {
    const exported = relayErrors as unknown as Record<string, unknown>;
    for (const name of NON_RETRYABLE_ERRORS) {
      const cls = exported[name];
      expect(typeof cls, name).toBe("function");
      expect((cls as { prototype: unknown }).prototype).toBeInstanceOf(relayErrors.RelayError);
    }
  });

  it("leaves the errors a retry can fix to the States.ALL rule", () => {
    const names: readonly string[] = NON_RETRYABLE_ERRORS;
    for (const retryable of [
      "ProviderUnavailableError",
      "ChunkTransferError",
      "ChecksumMismatchError",
      "ChunkRecordError",
      "EventPublishError",
    ]) {
      expect(names).not.toContain(retryable);
    }
  });
});
