/**
 * The fault soak: hundreds of objects dropped at once into the local relay while the sandbox
 * and the local stack inject faults at random, then an account of every object. An object
 * counts as completed only when its latest version's asset holds identical bytes.
 */

import { createHash } from "node:crypto";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { runBounded } from "../../functions/core/run-bounded.js";
import { executionNameOf, uploadKeyOf } from "../../functions/core/upload-identity.js";
import type { UploadRecord } from "../../functions/core/upload-store.js";
import type { AwsFaultOptions } from "../aws/aws-faults.js";
import type { LocalRelay } from "../local-relay.js";
import { startLocalRelay } from "../local-relay.js";
import type { LocalS3Event } from "../local-stack.js";
import { seededRandom } from "../seeded-random.js";
import type { SpatialGenSandboxFaults } from "../spatialgen-sandbox/sandbox-faults.js";
import type { SandboxFaults } from "../twelvelabs-sandbox/faults.js";
import { bodyOf, planSoak, type SoakObject } from "./soak-plan.js";

const KiB = 1024;

/** Settings of {@link runSoak}. */
export interface SoakOptions {
  /** Objects dropped at once. @default 200 */
  readonly objects?: number;
  /** Seed of every roll: objects, sizes, bytes and faults. @default 1 */
  readonly seed?: number;
  /** The sandbox's chunk size, in bytes; small, so that many chunks move in little time. @default 64 KiB */
  readonly chunkSize?: number;
  /**
   * The account's Lambda concurrency limit; the default is well below the peak demand of 200
   * uploads (each Map alone runs 8 transfers), so throttling is met. @default 40
   */
  readonly lambdaConcurrencyLimit?: number;
  /** Sandbox faults. @default SOAK_SANDBOX_FAULTS */
  readonly sandboxFaults?: SandboxFaults;
  /** SpatialGen sandbox faults. @default SOAK_SPATIALGEN_FAULTS */
  readonly spatialgenFaults?: SpatialGenSandboxFaults;
  /** AWS-side faults. @default SOAK_AWS_FAULTS */
  readonly awsFaults?: AwsFaultOptions;
  /**
   * Share of transfer invocations killed as their timeout would, at a random moment of their
   * work (most often in the middle of a chunk PUT). @default 0.02
   */
  readonly transferKillRate?: number;
  /** Most transfer invocations killed in all. @default no limit */
  readonly transferKillMax?: number;
  /** Sandbox clock jumps past every issued URL's lifetime, spread over the drops. @default 3 */
  readonly clockJumps?: number;
  /** An upload with no progress for this long is counted stuck, in milliseconds. @default 180000 */
  readonly stuckAfterMs?: number;
  /** Progress lines, about one per second. */
  readonly onProgress?: (line: string) => void;
}

/** Faults of the sandbox during a soak: every kind, at rates the retry bounds absorb. */
export const SOAK_SANDBOX_FAULTS: SandboxFaults = {
  create: {
    error429Rate: 0.05,
    retryAfterSeconds: 1,
    error500Rate: 0.03,
    htmlAnswerRate: 0.02,
    lostAnswerRate: 0.03,
    slowRate: 0.03,
    slowMs: 1500,
  },
  presignedUrls: {
    error429Rate: 0.05,
    retryAfterSeconds: 1,
    error500Rate: 0.03,
    htmlAnswerRate: 0.02,
    lostAnswerRate: 0.03,
  },
  report: {
    error429Rate: 0.05,
    retryAfterSeconds: 1,
    error500Rate: 0.03,
    htmlAnswerRate: 0.02,
    lostAnswerRate: 0.05,
    slowRate: 0.03,
    slowMs: 1500,
  },
  status: { error429Rate: 0.05, error500Rate: 0.03, htmlAnswerRate: 0.02, lostAnswerRate: 0.03 },
  partPut: { error500Rate: 0.02, resetMidPutRate: 0.03, slowRate: 0.02, slowMs: 1500 },
  failChunkRate: 0.03,
};

/** SpatialGen sandbox faults of a soak: the same kinds and rates on its endpoints. */
export const SOAK_SPATIALGEN_FAULTS: SpatialGenSandboxFaults = {
  start: SOAK_SANDBOX_FAULTS.create,
  partUrls: SOAK_SANDBOX_FAULTS.presignedUrls,
  complete: SOAK_SANDBOX_FAULTS.report,
  cancel: SOAK_SANDBOX_FAULTS.status,
  partPut: SOAK_SANDBOX_FAULTS.partPut,
};

/** Keys under this prefix go to SpatialGen in a soak; the others to TwelveLabs. */
export const SOAK_SPATIALGEN_PREFIX = "soak/sg/";

/** AWS-side faults of a soak: S3 SlowDown on reads, DynamoDB throttling. */
export const SOAK_AWS_FAULTS: AwsFaultOptions = { s3GetSlowDown: 0.03, dynamoThrottle: 0.02 };

/** One object that did not complete, and why. */
export interface SoakFailure {
  readonly key: string;
  readonly reason: string;
}

/** The account of a soak. */
export interface SoakSummary {
  readonly objects: number;
  /** Objects whose latest version completed with identical bytes. */
  readonly completed: number;
  /** Of `completed`, those relayed to SpatialGen. */
  readonly completedSpatialGen: number;
  /** Objects whose latest version ended otherwise, with the recorded reason. */
  readonly failed: readonly SoakFailure[];
  /** Objects whose latest version was still in flight when the soak gave up. */
  readonly stuck: readonly string[];
  /**
   * Provider sessions left open that no upload names: beyond one per upload, and not given up
   * (a losing create-session run cancels its SpatialGen group; TwelveLabs has no cancel).
   */
  readonly duplicateSessions: number;
  /** Create answers the sandbox dropped (lost, or not heard by a client that hung up). */
  readonly createAnswersDropped: number;
  /** Create-session runs cut off at their timeout: each may leave a session it never claimed. */
  readonly createRunsCut: number;
  /** Objects of which the relay kept no trace at all. */
  readonly lost: readonly string[];
  /** Faults that fired, by kind. */
  readonly faults: Readonly<Record<string, number>>;
  /** Most Lambda invocations in flight at once. */
  readonly peakLambdaInFlight: number;
  /** The account's Lambda concurrency limit during the soak. */
  readonly lambdaConcurrencyLimit: number;
  /** From the first drop to the last execution's end, in milliseconds. */
  readonly wallMs: number;
}

/** Whether no session was left open beyond those the relay could not have known of. */
export function noUnexplainedDuplicates(summary: SoakSummary): boolean {
  return summary.duplicateSessions <= summary.createAnswersDropped + summary.createRunsCut;
}

/** The soak's one line: `objects N, completed C (bytes identical), failed F (...), ...`. */
export function summaryLine(summary: SoakSummary): string {
  const reasons = summary.failed.map((f) => `${f.key}: ${f.reason}`).join("; ");
  return [
    `objects ${summary.objects}`,
    `completed ${summary.completed} (bytes identical)`,
    `failed ${summary.failed.length}${reasons ? ` (${reasons})` : ""}`,
    `stuck ${summary.stuck.length}`,
    `duplicate sessions ${summary.duplicateSessions}`,
    `lost ${summary.lost.length}`,
  ].join(", ");
}

/** The latest version of one key, as the soak tracks it. */
interface Tracked {
  readonly object: SoakObject;
  /** Seed and size of the bytes the key holds last. */
  latest: { readonly seed: string; readonly size: number };
  /** Object events of the key, in order. */
  readonly events: LocalS3Event[];
}

/** Runs one soak on a fresh local relay and accounts for every object. */
export async function runSoak(options: SoakOptions = {}): Promise<SoakSummary> {
  const objects = options.objects ?? 200;
  const seed = options.seed ?? 1;
  const chunkSize = options.chunkSize ?? 64 * KiB;
  const lambdaConcurrencyLimit = options.lambdaConcurrencyLimit ?? 40;
  const random = seededRandom(seed);
  const plan = planSoak({ objects, chunkSize, random });
  const say = options.onProgress ?? (() => undefined);

  const relay = await startLocalRelay({
    sandbox: {
      chunkSize,
      minChunkSize: chunkSize,
      initialUrls: 2,
      faults: options.sandboxFaults ?? SOAK_SANDBOX_FAULTS,
      random: seededRandom(seed ^ 0x5eed),
    },
    spatialgen: {
      partSize: chunkSize,
      minPartSize: chunkSize,
      faults: options.spatialgenFaults ?? SOAK_SPATIALGEN_FAULTS,
      random: seededRandom(seed ^ 0x56a7),
    },
    context: {
      "relay:routes": JSON.stringify([
        { keyPrefix: SOAK_SPATIALGEN_PREFIX, provider: "spatialgen" },
      ]),
    },
    awsFaults: { seed, ...(options.awsFaults ?? SOAK_AWS_FAULTS) },
    lambdaConcurrencyLimit,
    waitSeconds: 1,
    // Retry intervals a quarter of the shipped ones: the throttling Retry still outlasts a
    // burst that the local account serves four times slower than the real one would.
    retryIntervalSeconds: 0.5,
  });
  try {
    const sandbox = relay.sandbox;
    const spatialgen = relay.spatialgen;
    if (!sandbox || !spatialgen) throw new Error("the soak needs both local sandboxes");
    const transfer = relay.deployed.functions.find((f) => f.relayFunction === "transfer");
    const transferLambda = transfer && relay.lambdas.get(transfer.logicalId);
    if (!transferLambda) throw new Error("the relay has no transfer function");
    transferLambda.injectTimeouts({
      rate: options.transferKillRate ?? 0.02,
      withinMs: 400,
      random: seededRandom(seed ^ 0xdead),
      ...(options.transferKillMax !== undefined ? { maxKills: options.transferKillMax } : {}),
    });
    const tracked = new Map<string, Tracked>(
      plan.map((object) => [
        object.key,
        { object, latest: { seed: object.seed, size: object.size }, events: [] },
      ]),
    );
    relay.stack.events.on("object", (event: LocalS3Event) => {
      if (event.eventName.startsWith("ObjectCreated:")) tracked.get(event.key)?.events.push(event);
    });

    const started = Date.now();
    const put = (key: string, seedOf: string, size: number) =>
      relay.stack.s3.client.send(
        new PutObjectCommand({ Bucket: relay.bucket, Key: key, Body: bodyOf(seedOf, size) }),
      );
    const jumps = options.clockJumps ?? 3;
    const jumpEvery = Math.max(1, Math.floor(plan.length / (jumps + 1)));
    let dropped = 0;
    await runBounded(plan, 16, async (object) => {
      await put(object.key, object.seed, object.size);
      dropped += 1;
      // Past every URL issued so far: transfers meet expired URLs mid-run.
      if (jumps > 0 && dropped % jumpEvery === 0 && dropped / jumpEvery <= jumps) {
        sandbox.advanceClock((3600 + 60) * 1000);
        spatialgen.advanceClock((3600 + 60) * 1000);
      }
    });
    say(`dropped ${plan.length} objects in ${Date.now() - started} ms`);

    // S3 delivers at least once and in no order: duplicates, and late events of replaced objects.
    for (const entry of tracked.values()) {
      const first = entry.events[0];
      if (!first) continue;
      if (entry.object.duplicateEvent) void relay.onObjectEvent(first);
      if (entry.object.overwritten) {
        const seedOf = `${entry.object.seed}-v2`;
        const size = entry.object.size + 1;
        await put(entry.object.key, seedOf, size);
        entry.latest = { seed: seedOf, size };
        void relay.onObjectEvent(first);
      }
    }

    const expected = (): string[] =>
      [...tracked.values()].flatMap((entry) =>
        entry.events.map((event) => executionNameOf(versionOf(event))),
      );
    const wallMs = await settle(relay, expected, options.stuckAfterMs ?? 180_000, say, started);
    const summary = await account(relay, tracked, lambdaConcurrencyLimit, wallMs);
    const killed = { "lambda.transferKilled": transferLambda.stats.timeouts };
    return { ...summary, faults: { ...summary.faults, ...killed } };
  } finally {
    await relay.stop();
  }
}

/**
 * Waits until every object event has its execution and none runs (a start event may wait in
 * Lambda's async queue for minutes), or nothing changed for `stuckAfterMs`; answers the wall time.
 */
async function settle(
  relay: LocalRelay,
  expected: () => readonly string[],
  stuckAfterMs: number,
  say: (line: string) => void,
  started: number,
): Promise<number> {
  let lastChange = Date.now();
  let lastSeen = "";
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    const executions = relay.machine.list();
    const running = executions.filter((e) => e.status === "RUNNING").length;
    const completed = relay.events.list.filter((e) => e.detailType === "Upload Completed").length;
    const seen = `${executions.length}/${running}/${completed}`;
    if (seen !== lastSeen) {
      lastSeen = seen;
      lastChange = Date.now();
      say(`executions ${executions.length}, running ${running}, completed ${completed}`);
    }
    const names = new Set(executions.map((e) => e.name));
    const waiting = expected().filter((name) => !names.has(name)).length;
    if (running === 0 && waiting === 0) break;
    // Given up by Lambda's async queue: nothing more will start.
    if (running === 0 && waiting <= relay.deadLetters.length) break;
    if (Date.now() - lastChange > stuckAfterMs) break;
  }
  return Date.now() - started;
}

async function account(
  relay: LocalRelay,
  tracked: ReadonlyMap<string, Tracked>,
  lambdaConcurrencyLimit: number,
  wallMs: number,
): Promise<SoakSummary> {
  const sandbox = relay.sandbox;
  const spatialgen = relay.spatialgen;
  if (!sandbox || !spatialgen) throw new Error("the soak needs both local sandboxes");
  const failed: SoakFailure[] = [];
  const stuck: string[] = [];
  const lost: string[] = [];
  const sessions = new Set<string>();
  let completed = 0;
  let completedSpatialGen = 0;
  for (const entry of tracked.values()) {
    const records: UploadRecord[] = [];
    for (const event of entry.events) {
      const record = await relay.store.get(uploadKeyOf(versionOf(event)));
      if (record) records.push(record);
      if (record?.uploadId) sessions.add(record.uploadId);
    }
    const body = bodyOf(entry.latest.seed, entry.latest.size);
    const etag = md5Hex(body);
    const latest = records.find((r) => r.source.etag === etag);
    const key = entry.object.key;
    if (!latest) {
      const running = records.some((r) => !["completed", "failed", "rejected"].includes(r.status));
      (running ? stuck : lost).push(key);
    } else if (latest.status === "completed") {
      const toSpatialGen = latest.provider === "spatialgen";
      const asset = toSpatialGen
        ? await spatialgen.readFile(latest.uploadId as string, "video")
        : await sandbox.readAsset(latest.assetId as string);
      if (asset.length === body.length && md5Hex(asset) === etag) {
        completed += 1;
        if (toSpatialGen) completedSpatialGen += 1;
      } else failed.push({ key, reason: `asset ${latest.assetId} differs from the object` });
    } else if (latest.status === "failed" || latest.status === "rejected") {
      failed.push({ key, reason: `${latest.error?.code}: ${latest.error?.message}` });
    } else {
      stuck.push(key);
    }
  }
  const spatialgenFaults = Object.fromEntries(
    Object.entries(spatialgen.faultCounts()).map(([k, v]) => [`spatialgen.${k}`, v]),
  );
  const sandboxFaults = { ...sandbox.faultCounts(), ...spatialgenFaults };
  const createAnswersDropped =
    (sandboxFaults["create.lostAnswer"] ?? 0) +
    (sandboxFaults["create.clientGone"] ?? 0) +
    (sandboxFaults["spatialgen.start.lostAnswer"] ?? 0) +
    (sandboxFaults["spatialgen.start.clientGone"] ?? 0);
  const awsFaults = relay.awsFaults.counts();
  const lambda = relay.lambdaConcurrency.stats;
  const create = relay.deployed.functions.find((f) => f.relayFunction === "create-session");
  const createRuns = create && relay.lambdas.get(create.logicalId);
  return {
    objects: tracked.size,
    completed,
    completedSpatialGen,
    failed,
    stuck,
    duplicateSessions:
      sandbox.sessions().filter((s) => !sessions.has(s.uploadId)).length +
      spatialgen.groups().filter((g) => !sessions.has(g.uploadSessionId) && g.status !== "canceled")
        .length,
    createAnswersDropped,
    createRunsCut: createRuns?.stats.timeouts ?? 0,
    lost,
    faults: {
      ...sandboxFaults,
      ...Object.fromEntries(Object.entries(awsFaults).map(([k, v]) => [`aws.${k}`, v])),
      "lambda.throttles": lambda.throttles,
    },
    peakLambdaInFlight: lambda.peakInFlight,
    lambdaConcurrencyLimit,
    wallMs,
  };
}

/** The object version an S3 event names (s3rver keeps no versions). */
function versionOf(event: LocalS3Event) {
  return {
    bucket: event.bucket,
    key: event.key,
    versionId: null,
    etag: event.etag,
    sequencer: event.sequencer,
  };
}

/** Hex MD5 of `bytes`: a single-PUT object's ETag. */
function md5Hex(bytes: Uint8Array): string {
  return createHash("md5").update(bytes).digest("hex");
}
