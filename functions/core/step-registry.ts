/**
 * The one table of the relay's functions. Each row says, as plain data, what a function is
 * (its Task state, its entry file), what it reads from its environment, which AWS actions its
 * code sends to which of the relay's resources, and its size. The construct builds functions,
 * environment, least-privilege grants and Retry rules from it; each handler validates exactly
 * the variables its row names; the local stack proves the synthesized result of all of it.
 *
 * Pure data: nothing here imports the AWS SDK, the CDK or Lambda types.
 */

/** Environment variables of the relay's contract (besides `RELAY_FUNCTION` and Powertools'). */
export type RelayEnvVar =
  | "TABLE_NAME"
  | "PROVIDERS"
  | "ROUTES"
  | "CHUNKS_PER_BATCH"
  | "TRANSFER_CONCURRENCY"
  | "MAX_POLLS"
  | "MAX_INDEX_POLLS"
  | "VERIFY_ETAG"
  | "EVENT_BUS_NAME"
  | "STATE_MACHINE_ARN";

/** A resource of the pipeline that a function may act on. */
export type RelayResource =
  | "table"
  | "sourceObjects"
  | "apiKeySecret"
  | "eventBus"
  | "stateMachine";

/** The AWS actions a function's code sends, per resource: its IAM policy, and nothing more. */
export type StepAccess = { readonly [R in RelayResource]?: readonly string[] };

/** One row of {@link RELAY_STEPS}. */
export interface StepSpec {
  /** Task state that invokes the function; undefined for `start`, which EventBridge invokes. */
  readonly stateName: string | undefined;
  /** Handler file, relative to the project root (the esbuild entry point). */
  readonly entry: string;
  /** Variables the handler reads; each is set by the construct and required by the handler. */
  readonly env: readonly RelayEnvVar[];
  /** Actions the code sends, by resource. */
  readonly access: StepAccess;
  /** Memory in MB; `transfer` takes the `transferMemorySize` prop instead. */
  readonly memorySize: number;
  /** Timeout in seconds. */
  readonly timeoutSeconds: number;
}

const STORE_ENV = ["TABLE_NAME"] as const satisfies readonly RelayEnvVar[];
/** `PROVIDERS`: each provider's endpoint, URL hosts, size limit and API-key secret. */
const PROVIDER_ENV = ["PROVIDERS"] as const satisfies readonly RelayEnvVar[];
const READ_SECRET = ["secretsmanager:GetSecretValue"];
/** `GetObjectVersion` too: on a versioned bucket every read names the event's version. */
const READ_SOURCE = ["s3:GetObject", "s3:GetObjectVersion"];
const SMALL = { memorySize: 256, timeoutSeconds: 60 } as const;

/** Every function of the relay, by the name its `RELAY_FUNCTION` variable carries. */
export const RELAY_STEPS = {
  start: {
    stateName: undefined,
    entry: "functions/start/handler.ts",
    env: ["STATE_MACHINE_ARN"],
    access: { stateMachine: ["states:StartExecution"] },
    memorySize: 128,
    timeoutSeconds: 30,
  },
  admit: {
    stateName: "Admit",
    entry: "functions/admit/handler.ts",
    env: [...STORE_ENV, ...PROVIDER_ENV, "ROUTES"],
    access: {
      // UpdateItem: a redrive reopens a failed upload.
      table: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"],
      sourceObjects: READ_SOURCE,
    },
    ...SMALL,
  },
  "acquire-slot": {
    stateName: "AcquireSlot",
    entry: "functions/acquire-slot/handler.ts",
    env: [...STORE_ENV],
    access: {
      // The slots item (Get, conditional Update) and the waiter items (Query, Update, Delete).
      table: ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:UpdateItem", "dynamodb:DeleteItem"],
    },
    ...SMALL,
  },
  "create-session": {
    stateName: "CreateSession",
    entry: "functions/create-session/handler.ts",
    env: [...STORE_ENV, ...PROVIDER_ENV, "CHUNKS_PER_BATCH"],
    access: {
      table: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"],
      apiKeySecret: READ_SECRET,
    },
    ...SMALL,
  },
  transfer: {
    stateName: "TransferBatch",
    entry: "functions/transfer/handler.ts",
    env: [...STORE_ENV, ...PROVIDER_ENV, "TRANSFER_CONCURRENCY", "VERIFY_ETAG"],
    access: {
      table: ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:UpdateItem"],
      sourceObjects: READ_SOURCE,
      apiKeySecret: READ_SECRET,
    },
    memorySize: 1024,
    timeoutSeconds: 900,
  },
  report: {
    stateName: "ReportBatch",
    entry: "functions/report/handler.ts",
    env: [...STORE_ENV, ...PROVIDER_ENV],
    access: {
      table: ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:UpdateItem"],
      apiKeySecret: READ_SECRET,
    },
    ...SMALL,
  },
  poll: {
    stateName: "PollStatus",
    entry: "functions/poll/handler.ts",
    env: [...STORE_ENV, ...PROVIDER_ENV, "CHUNKS_PER_BATCH", "MAX_POLLS"],
    access: {
      table: ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:UpdateItem"],
      apiKeySecret: READ_SECRET,
    },
    ...SMALL,
  },
  finish: {
    stateName: "RecordSuccess",
    entry: "functions/finish/handler.ts",
    env: [...STORE_ENV, "EVENT_BUS_NAME"],
    access: {
      table: ["dynamodb:GetItem", "dynamodb:UpdateItem"],
      eventBus: ["events:PutEvents"],
    },
    ...SMALL,
  },
  index: {
    stateName: "IndexAsset",
    entry: "functions/index-asset/handler.ts",
    env: [...STORE_ENV, ...PROVIDER_ENV, "EVENT_BUS_NAME", "MAX_INDEX_POLLS"],
    access: {
      table: ["dynamodb:GetItem", "dynamodb:UpdateItem"],
      eventBus: ["events:PutEvents"],
      apiKeySecret: READ_SECRET,
    },
    ...SMALL,
  },
  fail: {
    stateName: "RecordFailure",
    entry: "functions/fail/handler.ts",
    env: [...STORE_ENV, ...PROVIDER_ENV, "EVENT_BUS_NAME"],
    access: {
      table: ["dynamodb:GetItem", "dynamodb:UpdateItem"],
      eventBus: ["events:PutEvents"],
      // Cancelling a failed upload's provider session (SpatialGen's group).
      apiKeySecret: READ_SECRET,
    },
    ...SMALL,
  },
} as const satisfies Record<string, StepSpec>;

/** Name of one relay function (`start` or a Task's function). */
export type RelayFunctionName = keyof typeof RELAY_STEPS;

/** Every relay function name, `start` first, then the Tasks in the order of the flow. */
export const RELAY_FUNCTION_NAMES = Object.keys(RELAY_STEPS) as RelayFunctionName[];

/** The functions that a Task state invokes (all but `start`). */
export type RelayTaskFunctionName = Exclude<RelayFunctionName, "start">;

/** Task state name of each Task function. */
export type RelayTaskStateName = (typeof RELAY_STEPS)[RelayTaskFunctionName]["stateName"];

/** The variables a function reads, by function name (for typing its configuration). */
export type StepEnvVar<N extends RelayFunctionName> = (typeof RELAY_STEPS)[N]["env"][number];
