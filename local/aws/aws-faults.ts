/**
 * Faults of the AWS side, injected by the local IAM gate into calls it has already allowed:
 * S3's `503 SlowDown` and DynamoDB's throttling, answered byte for byte as the services answer
 * them, so that the functions' SDK clients (their retries) and the state machine's Retry meet
 * them locally. Rolls are seeded, so a run with the same calls repeats.
 */

import { seededRandom } from "../seeded-random.js";
import { type ErrorAnswer, jsonErrorAnswer, s3ErrorAnswer } from "./aws-error-answers.js";
import { type GatedService, JSON_PROTOCOLS } from "./aws-request-action.js";

/** The kinds of fault the gate can inject. */
export type AwsFaultKind = "s3GetSlowDown" | "s3PutSlowDown" | "dynamoThrottle";

/** Every {@link AwsFaultKind}, in a fixed order (it also derives each kind's seed). */
export const AWS_FAULT_KINDS: readonly AwsFaultKind[] = [
  "s3GetSlowDown",
  "s3PutSlowDown",
  "dynamoThrottle",
];

/**
 * Probability (0 to 1) of each kind's fault on a call it applies to; a kind not given is 0.
 * - `s3GetSlowDown`: GetObject (ranged or whole) answers `503 SlowDown`.
 * - `s3PutSlowDown`: PutObject, UploadPart, CopyObject, UploadPartCopy, CreateMultipartUpload
 *   and CompleteMultipartUpload answer `503 SlowDown`.
 * - `dynamoThrottle`: DynamoDB item calls (GetItem, PutItem, UpdateItem, DeleteItem, Query,
 *   Scan, batch and transaction calls) answer `400 ProvisionedThroughputExceededException`.
 */
export type AwsFaultRates = { readonly [K in AwsFaultKind]?: number };

/** Options of {@link createAwsFaults}. */
export interface AwsFaultOptions extends AwsFaultRates {
  /**
   * Seed of the rolls. Each kind rolls its own stream (derived from this seed), so one kind's
   * faults do not depend on how calls of another kind interleave with it. @default 1
   */
  readonly seed?: number;
  /** Random source in [0, 1) shared by every kind, instead of the seeded streams. */
  readonly random?: () => number;
  /**
   * Names of the gate principals whose calls may be faulted (e.g. the relay's functions), so
   * that a harness's own calls are never. @default every principal
   */
  readonly principals?: readonly string[];
}

/** One call the gate has allowed, as the injector sees it. */
export interface AllowedCall {
  /** The gate principal's name. */
  readonly principal: string;
  readonly service: GatedService;
  /** The mapped operation, e.g. `GetObject` or `UpdateItem`. */
  readonly operation: string;
}

/** A running fault injector; the gate asks it about every allowed call. */
export interface AwsFaultInjector {
  /** The fault answer for this allowed call, or undefined to forward it. */
  faultFor(call: AllowedCall): ErrorAnswer | undefined;
  /** Faults injected so far, per kind. */
  counts(): Readonly<Record<AwsFaultKind, number>>;
  /** Replaces every rate (a kind not given becomes 0); counts and random streams go on. */
  set(rates: AwsFaultRates): void;
}

/** S3 operations that write an object (or a part of one). */
const S3_WRITES = new Set([
  "PutObject",
  "UploadPart",
  "CopyObject",
  "UploadPartCopy",
  "CreateMultipartUpload",
  "CompleteMultipartUpload",
]);

/** DynamoDB data-plane operations, which DynamoDB throttles; control-plane calls are not. */
const DYNAMODB_DATA_PLANE = new Set([
  "GetItem",
  "PutItem",
  "UpdateItem",
  "DeleteItem",
  "Query",
  "Scan",
  "BatchGetItem",
  "BatchWriteItem",
  "TransactGetItems",
  "TransactWriteItems",
]);

/** The message S3 sends with `SlowDown`. */
const SLOW_DOWN_MESSAGE = "Please reduce your request rate.";

/** DynamoDB's type for throttling, with the namespace the service puts in `__type`. */
const THROTTLE_TYPE = "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException";

/** DynamoDB's message for an on-demand table (as the relay's is) exceeding its capacity. */
const THROTTLE_MESSAGE =
  "Throughput exceeds the current capacity of your table or index. DynamoDB is automatically " +
  "scaling your table or index so please try again shortly. If exceptions persist, check if " +
  "you have a hot key: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-partition-key-design.html";

/** The fault kind that applies to a call, if any. */
export function faultKindOf(
  call: Pick<AllowedCall, "service" | "operation">,
): AwsFaultKind | undefined {
  if (call.service === "s3") {
    if (call.operation === "GetObject") return "s3GetSlowDown";
    if (S3_WRITES.has(call.operation)) return "s3PutSlowDown";
    return undefined;
  }
  if (call.service === "dynamodb" && DYNAMODB_DATA_PLANE.has(call.operation)) {
    return "dynamoThrottle";
  }
  return undefined;
}

/** The answer the service gives for a fault of this kind. */
export function faultAnswer(kind: AwsFaultKind): ErrorAnswer {
  return kind === "dynamoThrottle"
    ? jsonErrorAnswer(JSON_PROTOCOLS.dynamodb.contentType, THROTTLE_TYPE, THROTTLE_MESSAGE)
    : s3ErrorAnswer(503, "SlowDown", SLOW_DOWN_MESSAGE);
}

function checkedRates(rates: AwsFaultRates): Record<AwsFaultKind, number> {
  const checked = {} as Record<AwsFaultKind, number>;
  for (const kind of AWS_FAULT_KINDS) {
    const rate = rates[kind] ?? 0;
    if (!(rate >= 0 && rate <= 1)) {
      throw new RangeError(`AWS fault rate ${kind} must be a number from 0 to 1, got ${rate}`);
    }
    checked[kind] = rate;
  }
  return checked;
}

/** Creates a fault injector for the local IAM gate; with no rates it never faults. */
export function createAwsFaults(options: AwsFaultOptions = {}): AwsFaultInjector {
  let rates = checkedRates(options);
  const seed = options.seed ?? 1;
  const streams = Object.fromEntries(
    AWS_FAULT_KINDS.map((kind, index) => [
      kind,
      options.random ?? seededRandom(seed + index * 0x9e3779b9),
    ]),
  ) as Record<AwsFaultKind, () => number>;
  const principals = options.principals ? new Set(options.principals) : undefined;
  const counts = Object.fromEntries(AWS_FAULT_KINDS.map((kind) => [kind, 0])) as Record<
    AwsFaultKind,
    number
  >;

  return {
    faultFor(call) {
      if (principals && !principals.has(call.principal)) return undefined;
      const kind = faultKindOf(call);
      // A rate of 0 rolls nothing: a test's scripted `random` is spent only on calls that may fault.
      if (kind === undefined || rates[kind] === 0) return undefined;
      if (!(streams[kind]() < rates[kind])) return undefined;
      counts[kind] += 1;
      return faultAnswer(kind);
    },
    counts: () => ({ ...counts }),
    set(next) {
      rates = checkedRates(next);
    },
  };
}
