/**
 * A local EventBridge: a node:http server on 127.0.0.1 speaking the AWS JSON 1.1 protocol
 * (`POST /`, `X-Amz-Target: AWSEvents.PutEvents`), so code that publishes with the real
 * `EventBridgeClient` runs unchanged, plus in-process rules whose targets receive the full
 * event envelope when the rule's event pattern matches.
 *
 * Entries are validated as EventBridge does and failures are reported per entry, never by
 * failing the whole call. Targets run in the background, as on AWS: PutEvents answers without
 * waiting for them, and a target's failure is collected, never thrown at the publisher.
 */

import { randomUUID } from "node:crypto";
import { EventEmitter } from "node:events";
import type { EventBridgeEvent as LambdaEventBridgeEvent } from "aws-lambda";
import { AwsServiceError, startAwsJsonServer } from "./aws-json-server.js";
import { compileEventPattern, type EventPatternMatcher } from "./event-pattern.js";

/** The envelope EventBridge delivers to a target. */
export type EventBridgeEvent = LambdaEventBridgeEvent<string, unknown>;

/** One event put on a bus, as recorded. */
export interface DeliveredEvent {
  /** The bus name (never an ARN). */
  readonly busName: string;
  readonly id: string;
  readonly source: string;
  readonly detailType: string;
  /** The parsed detail: always a JSON object, typed `unknown` so readers cast it to their shape. */
  readonly detail: unknown;
  /** ISO 8601 in whole seconds, as EventBridge writes it. */
  readonly time: string;
  readonly resources: readonly string[];
  /** The full envelope targets receive. */
  readonly event: EventBridgeEvent;
}

/** A rule: a pattern on one bus and the in-process target it delivers to. */
export interface LocalRule {
  readonly name: string;
  /** Bus name or ARN; `default` when omitted. */
  readonly eventBusName?: string;
  /** The event pattern, as an object or its JSON text (validated when the rule is added). */
  readonly eventPattern: unknown;
  readonly target: (event: EventBridgeEvent) => Promise<void>;
}

/** An event an AWS service puts on a bus (e.g. S3's "Object Created"), skipping PutEvents. */
export interface ServiceEventEntry {
  readonly source: string;
  readonly detailType: string;
  readonly detail: Record<string, unknown>;
  readonly resources?: readonly string[];
  /** A Date or an ISO 8601 string; defaults to now. */
  readonly time?: Date | string;
  /** Bus name or ARN; `default` when omitted. */
  readonly eventBusName?: string;
}

/** Options for {@link startLocalEventBridge}. */
export interface LocalEventBridgeOptions {
  readonly region: string;
  readonly account: string;
}

/** A running local EventBridge. */
export interface LocalEventBridge {
  /** Base URL for the SDK's `endpoint` option or `AWS_ENDPOINT_URL_EVENTBRIDGE`. */
  readonly endpoint: string;
  /** Every event put on any bus, in order. */
  readonly events: readonly DeliveredEvent[];
  /** Errors thrown by targets (and by `event` listeners); targets never fail a PutEvents. */
  readonly targetErrors: unknown[];
  /** Emits `event` for each event put on any bus. */
  readonly emitter: EventEmitter<{ event: [DeliveredEvent] }>;
  /** Adds a rule; throws on an invalid pattern or a duplicate name on the bus. */
  addRule(rule: LocalRule): void;
  /** Puts an event as an AWS service would (no PutEvents validation of the source) and returns it. */
  putEvent(entry: ServiceEventEntry): EventBridgeEvent;
  /** Resolves once every target call started so far (and any they cause) has settled. */
  settled(): Promise<void>;
  /** Closes the server and its connections (running targets continue). Safe to call twice. */
  stop(): Promise<void>;
}

type Body = Record<string, unknown>;

/** A PutEvents result entry: an event id, or why the entry failed. */
type ResultEntry = { EventId: string } | { ErrorCode: string; ErrorMessage: string };

interface CompiledRule {
  readonly name: string;
  readonly busName: string;
  readonly matches: EventPatternMatcher;
  readonly target: (event: EventBridgeEvent) => Promise<void>;
}

/** Most entries one PutEvents call may carry. */
const MAX_ENTRIES = 10;
const BUS_ARN = /^arn:[^:]+:events:([^:]+):(\d{12}):event-bus\/(.+)$/;

/** A per-entry PutEvents failure. */
class EntryError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Starts the endpoint on 127.0.0.1 and a free port. */
export async function startLocalEventBridge(
  options: LocalEventBridgeOptions,
): Promise<LocalEventBridge> {
  const { region, account } = options;
  const events: DeliveredEvent[] = [];
  const targetErrors: unknown[] = [];
  const emitter = new EventEmitter<{ event: [DeliveredEvent] }>();
  const rules: CompiledRule[] = [];
  const pending = new Set<Promise<void>>();

  const busNameOf = (nameOrArn: string | undefined): string => {
    if (nameOrArn === undefined || nameOrArn === "") return "default";
    if (!nameOrArn.startsWith("arn:")) return nameOrArn;
    const [, arnRegion, arnAccount, name] = BUS_ARN.exec(nameOrArn) ?? [];
    if (name === undefined) {
      throw new EntryError("InvalidArgument", `Event bus ARN ${nameOrArn} is not valid.`);
    }
    // Only this account's buses in this region exist locally.
    if (arnRegion !== region || arnAccount !== account) {
      throw new EntryError(
        "InvalidArgument",
        `Event bus ${nameOrArn} is not in the local account ${account} and region ${region}.`,
      );
    }
    return name;
  };

  const deliver = (busName: string, event: EventBridgeEvent): void => {
    const delivered: DeliveredEvent = {
      busName,
      id: event.id,
      source: event.source,
      detailType: event["detail-type"],
      detail: event.detail,
      time: event.time,
      resources: event.resources,
      event,
    };
    events.push(delivered);
    try {
      emitter.emit("event", delivered);
    } catch (error) {
      // A listener's bug must not turn into a failed PutEvents for the publisher.
      targetErrors.push(error);
    }
    for (const rule of rules) {
      if (rule.busName !== busName || !rule.matches(event)) continue;
      // Each target gets its own copy: one target's mutation must not reach another or the log.
      const copy = structuredClone(event);
      const run = new Promise<void>((resolve) => setImmediate(resolve))
        .then(() => rule.target(copy))
        .catch((error: unknown) => {
          targetErrors.push(error);
        })
        .finally(() => pending.delete(run));
      pending.add(run);
    }
  };

  const envelope = (entry: {
    source: string;
    detailType: string;
    detail: Record<string, unknown>;
    resources: readonly string[];
    time: Date;
  }): EventBridgeEvent => ({
    version: "0",
    id: randomUUID(),
    "detail-type": entry.detailType,
    source: entry.source,
    account,
    time: entry.time.toISOString().replace(/\.\d{3}Z$/, "Z"),
    region,
    resources: [...entry.resources],
    detail: entry.detail,
  });

  const putEvents = (body: Body): Body => {
    const entries = body.Entries;
    if (!Array.isArray(entries) || entries.length < 1 || entries.length > MAX_ENTRIES) {
      throw new AwsServiceError(
        "ValidationException",
        `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length between 1 and ${MAX_ENTRIES}`,
      );
    }
    const results = entries.map((entry: unknown): ResultEntry => {
      try {
        const { busName, ...fields } = parseEntry(entry, busNameOf);
        const event = envelope(fields);
        deliver(busName, event);
        return { EventId: event.id };
      } catch (error) {
        if (error instanceof EntryError) {
          return { ErrorCode: error.code, ErrorMessage: error.message };
        }
        throw error;
      }
    });
    return {
      FailedEntryCount: results.filter((result) => "ErrorCode" in result).length,
      Entries: results,
    };
  };

  const server = await startAwsJsonServer({
    targetPrefix: "AWSEvents",
    jsonVersion: "1.1",
    operations: { PutEvents: putEvents },
    internalErrorType: "InternalException",
    unknownOperationMessage: (target) =>
      `Operation ${target} is not supported by the local EventBridge`,
    // A body that is not an object carries no Entries: PutEvents' validation answers it.
    nonObjectBody: "empty",
  });

  return {
    endpoint: server.endpoint,
    events,
    targetErrors,
    emitter,
    addRule: (rule) => {
      const busName = busNameOf(rule.eventBusName);
      if (rules.some((other) => other.busName === busName && other.name === rule.name)) {
        throw new Error(`Rule ${rule.name} already exists on event bus ${busName}`);
      }
      rules.push({
        name: rule.name,
        busName,
        matches: compileEventPattern(rule.eventPattern),
        target: rule.target,
      });
    },
    putEvent: (entry) => {
      const detail: unknown = JSON.parse(JSON.stringify(entry.detail));
      if (!isPlainObject(detail)) throw new Error("An event's detail must be a JSON object");
      // Round-tripped through JSON so the event is exactly what a target would be sent.
      const event = envelope({
        source: entry.source,
        detailType: entry.detailType,
        detail,
        resources: entry.resources ?? [],
        time: toDate(entry.time ?? new Date()),
      });
      deliver(busNameOf(entry.eventBusName), event);
      return event;
    },
    settled: async () => {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
    stop: () => server.stop(),
  };
}

/** Validates one PutEvents entry as EventBridge does; throws {@link EntryError} if it fails. */
function parseEntry(
  entry: unknown,
  busNameOf: (nameOrArn: string | undefined) => string,
): {
  busName: string;
  source: string;
  detailType: string;
  detail: Record<string, unknown>;
  resources: readonly string[];
  time: Date;
} {
  const fields: Body = isPlainObject(entry) ? entry : {};
  const source = requiredString(fields, "Source");
  const detailType = requiredString(fields, "DetailType");
  const detailText = requiredString(fields, "Detail");
  let detail: unknown;
  try {
    detail = JSON.parse(detailText);
  } catch {
    throw new EntryError("MalformedDetail", "Detail is malformed.");
  }
  if (!isPlainObject(detail)) throw new EntryError("MalformedDetail", "Detail is malformed.");
  // "aws." sources are reserved for AWS services; PutEvents refuses them.
  if (source.startsWith("aws.")) {
    throw new EntryError("NotAuthorizedForSourceException", "Not authorized for the source.");
  }
  const resources = fields.Resources ?? [];
  if (!Array.isArray(resources) || !resources.every((item) => typeof item === "string")) {
    throw new EntryError(
      "InvalidArgument",
      "Parameter Resources is not valid. Reason: must be a list of strings.",
    );
  }
  const busName = fields.EventBusName;
  if (busName !== undefined && typeof busName !== "string") {
    throw new EntryError("InvalidArgument", "Parameter EventBusName is not valid.");
  }
  return {
    busName: busNameOf(busName),
    source,
    detailType,
    detail,
    resources,
    time: parseTime(fields.Time),
  };
}

function requiredString(fields: Body, name: string): string {
  const value = fields[name];
  if (typeof value !== "string" || value === "") {
    throw new EntryError(
      "InvalidArgument",
      `Parameter ${name} is not valid. Reason: ${name} is a required argument.`,
    );
  }
  return value;
}

/** A service event's time; throws on an unparseable one rather than publish a bad envelope. */
function toDate(time: Date | string): Date {
  const date = new Date(time);
  if (Number.isNaN(date.getTime())) throw new Error(`Invalid event time ${String(time)}`);
  return date;
}

/** `Time` arrives as epoch seconds (the JSON protocol's timestamp form); absent means now. */
function parseTime(value: unknown): Date {
  if (value === undefined || value === null) return new Date();
  const date =
    typeof value === "number"
      ? new Date(value * 1000)
      : new Date(typeof value === "string" ? value : Number.NaN);
  if (Number.isNaN(date.getTime())) {
    throw new EntryError("InvalidArgument", "Parameter Time is not valid.");
  }
  return date;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
