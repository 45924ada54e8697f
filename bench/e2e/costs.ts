/**
 * Dollars per file from measured counts: each count of a run times its list price
 * (`prices.json`, one file, each price with its date and source). Larger files are modelled,
 * not measured: what scales with the chunks (the transfer and report functions, the plan's
 * chunk records, the Map's states, part URLs and PUTs, bytes out) is multiplied by the ratio of
 * chunk counts; the rest (admit, create, poll, finish, events) stays per file.
 */

import { readFileSync } from "node:fs";
import type { FunctionCounts, RunCounts } from "./run-counts.js";

/** One price of `prices.json`. */
export interface Price {
  readonly usd: number;
  readonly per: string;
  readonly date: string;
  readonly source: string;
}

/** The prices file. */
export interface PriceList {
  readonly region: string;
  readonly note: string;
  readonly prices: Readonly<Record<string, Price>>;
}

/** Reads `bench/e2e/prices.json`. */
export function readPrices(): PriceList {
  return JSON.parse(readFileSync(new URL("./prices.json", import.meta.url), "utf8")) as PriceList;
}

/** One line of a file's bill. */
export interface CostLine {
  readonly item: string;
  readonly count: number;
  readonly usd: number;
}

/** A file's bill. */
export interface FileCost {
  readonly lines: readonly CostLine[];
  readonly totalUsd: number;
}

/** The functions whose work grows with the chunks; the Map's states are theirs. */
const PER_CHUNK_FUNCTIONS = new Set(["transfer", "report"]);
const PER_CHUNK_STATES = new Set(["TransferBatch", "ReportBatch"]);
const PER_CHUNK_CALLS = new Set(["partPut", "presignedUrls", "report"]);

const WRITES = new Set([
  "dynamodb:PutItem",
  "dynamodb:UpdateItem",
  "dynamodb:DeleteItem",
  "dynamodb:BatchWriteItem",
  "dynamodb:TransactWriteItems",
]);
const READS = new Set([
  "dynamodb:GetItem",
  "dynamodb:Query",
  "dynamodb:BatchGetItem",
  "dynamodb:Scan",
]);

const sum = (values: Iterable<number>): number => {
  let total = 0;
  for (const v of values) total += v;
  return total;
};

/**
 * The bill of one file. DynamoDB is counted as one request unit per request: the relay's items
 * are under 1 KB written and 4 KB read, except a Query over several chunk records, which this
 * undercounts (said so in the README).
 */
export function costOf(counts: RunCounts, bytesOut: number, list: PriceList): FileCost {
  const p = (name: string): number => {
    const price = list.prices[name];
    if (!price) throw new Error(`prices.json has no ${name}`);
    return price.usd;
  };
  const fns = Object.values(counts.functions);
  const requests = (match: (action: string) => boolean): number =>
    sum(
      fns.flatMap((f) =>
        Object.entries(f.awsRequests)
          .filter(([action]) => match(action))
          .map(([, n]) => n),
      ),
    );
  const gbSeconds = sum(fns.map((f) => (f.billedMs / 1000) * (f.memorySizeMb / 1024)));
  const items: [string, number, number][] = [
    [
      "Step Functions state transitions",
      sum(Object.values(counts.transitions)),
      p("stepFunctionsTransition"),
    ],
    ["Lambda invocations", sum(fns.map((f) => f.invocations)), p("lambdaRequest")],
    ["Lambda GB-seconds (arm64)", gbSeconds, p("lambdaGbSecondArm")],
    ["DynamoDB write request units", requests((a) => WRITES.has(a)), p("dynamoWriteRequestUnit")],
    ["DynamoDB read request units", requests((a) => READS.has(a)), p("dynamoReadRequestUnit")],
    [
      "S3 GET/HEAD requests",
      requests((a) => a === "s3:GetObject" || a === "s3:HeadObject" || a === "s3:GetObjectVersion"),
      p("s3GetRequest"),
    ],
    [
      "EventBridge events published",
      requests((a) => a === "events:PutEvents"),
      p("eventBridgeEvent"),
    ],
    [
      "Secrets Manager calls",
      requests((a) => a.startsWith("secretsmanager:")),
      p("secretsManagerCall"),
    ],
    ["GB out to the provider", bytesOut / 2 ** 30, p("dataTransferOutGb")],
    ["GB of logs ingested", sum(fns.map((f) => f.logBytes)) / 2 ** 30, p("logsIngestedGb")],
  ];
  const lines = items.map(([item, count, unit]) => ({ item, count, usd: count * unit }));
  return { lines, totalUsd: sum(lines.map((l) => l.usd)) };
}

/** The counts of a file `factor` times as many chunks, from the per-chunk share of `counts`. */
export function scaleCounts(counts: RunCounts, factor: number): RunCounts {
  const scale = (n: number): number => Math.round(n * factor);
  const functions: Record<string, FunctionCounts> = {};
  for (const [name, f] of Object.entries(counts.functions)) {
    functions[name] = PER_CHUNK_FUNCTIONS.has(name)
      ? {
          ...f,
          invocations: scale(f.invocations),
          billedMs: scale(f.billedMs),
          // The key is read once per execution environment, not per chunk.
          awsRequests: Object.fromEntries(
            Object.entries(f.awsRequests).map(([a, n]) => [
              a,
              a.startsWith("secretsmanager:") ? n : scale(n),
            ]),
          ),
          logBytes: scale(f.logBytes),
        }
      : name === "create-session"
        ? {
            // The plan: one chunk record put per chunk.
            ...f,
            awsRequests: Object.fromEntries(
              Object.entries(f.awsRequests).map(([a, n]) => [
                a,
                a === "dynamodb:PutItem" ? scale(n) : n,
              ]),
            ),
          }
        : f;
  }
  const pick = <T extends Record<string, number>>(from: T, perChunk: Set<string>) =>
    Object.fromEntries(Object.entries(from).map(([k, n]) => [k, perChunk.has(k) ? scale(n) : n]));
  return {
    functions,
    transitions: pick(counts.transitions, PER_CHUNK_STATES),
    providerCalls: pick(counts.providerCalls, PER_CHUNK_CALLS),
    events: counts.events,
  };
}
