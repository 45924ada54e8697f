/**
 * End to end on the embedded local stack: the relay against a provider that answers the way
 * the real service may, and the official SDK accepts. Every answer shape below completes the
 * upload with identical bytes; a report whose answer is lost is settled from the status; a
 * provider that keeps asking to wait fails the upload cleanly, before any function times out.
 */

import { randomBytes } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type LocalRelay, startLocalRelay } from "../../local/local-relay.js";
import type { AnswerRewriter } from "../../local/twelvelabs-sandbox/faults.js";
import { drop, expectDelivered } from "./relay-harness.js";

const CHUNK = 128 * 1024;
/** Three chunks and a tail: URLs come from create and from presigned-urls. */
const SIZE = 3 * CHUNK + 999;

/** Scripted fault rolls; a roll past the script never faults. */
const rolls: number[] = [];
let relay: LocalRelay;
let dropped = 0;

beforeAll(async () => {
  relay = await startLocalRelay({
    sandbox: {
      chunkSize: CHUNK,
      minChunkSize: CHUNK,
      initialUrls: 2,
      random: () => rolls.shift() ?? 0.999,
    },
    settings: { chunksPerBatch: 2 },
  });
}, 180_000);

afterEach(() => {
  relay.sandbox?.setFaults({});
  relay.sandbox?.setRewriteAnswer(undefined);
  rolls.length = 0;
});

afterAll(async () => {
  await relay?.stop();
});

type Json = Record<string, unknown>;
const urlsOf = (answer: Json): Json[] => (answer.upload_urls as Json[] | undefined) ?? [];
const chunksOf = (answer: Json): Json[] => (answer.uploaded_chunks as Json[] | undefined) ?? [];

/** Answers a test's rewriter changed: a shape that was never sent proves nothing. */
let rewritten = 0;

/** One field change on one endpoint's answers (on the first `times` of them, if given). */
function on(endpoint: string, change: (answer: Json) => void, times = Infinity): AnswerRewriter {
  let seen = 0;
  return (at, answer) => {
    if (at !== endpoint || typeof answer !== "object" || answer === null) return answer;
    if (++seen > times) return answer;
    const before = JSON.stringify(answer);
    change(answer as Json);
    if (JSON.stringify(answer) !== before) rewritten += 1;
    return answer;
  };
}

const SHAPES: [string, AnswerRewriter][] = [
  ["create without expires_at", on("create", (a) => delete a.expires_at)],
  ["create with expires_at: null", on("create", (a) => (a.expires_at = null))],
  ["create without total_chunks", on("create", (a) => delete a.total_chunks)],
  [
    "create URLs without expires_at",
    on("create", (a) => {
      for (const u of urlsOf(a)) delete u.expires_at;
    }),
  ],
  [
    "presigned URLs with expires_at: null",
    on("presignedUrls", (a) => {
      for (const u of urlsOf(a)) u.expires_at = null;
    }),
  ],
  ["report without duplicate_chunks", on("report", (a) => delete a.duplicate_chunks)],
  ["status without page_info", on("status", (a) => delete a.page_info)],
  [
    "status without page_info.total_page",
    on("status", (a) => delete (a.page_info as Json | undefined)?.total_page),
  ],
  ["status without uploaded_size", on("status", (a) => delete a.uploaded_size)],
  ["status without chunks_pending", on("status", (a) => delete a.chunks_pending)],
  ["status with upload_id: null", on("status", (a) => (a.upload_id = null))],
  // A provider still assembling the asset: the relay waits and polls again.
  ['session status "processing"', on("status", (a) => (a.status = "processing"), 2)],
  [
    'chunk status "uploading"',
    on(
      "status",
      (a) => {
        a.status = "processing";
        for (const c of chunksOf(a)) c.status = "uploading";
      },
      2,
    ),
  ],
];

describe("the relay, end to end: answers the official SDK accepts", () => {
  it.each(SHAPES)("%s: the upload completes", async (_name, rewrite) => {
    relay.sandbox?.setRewriteAnswer(rewrite);
    rewritten = 0;
    const body = randomBytes(SIZE);
    const relayed = await drop(relay, `answers/shape-${++dropped}.mp4`, body);
    await expectDelivered(relay, relayed, body);
    expect(rewritten).toBeGreaterThan(0);
  });

  it("a single HTML 200 page (a proxy's) in place of a create answer: retried, the upload completes", async () => {
    relay.sandbox?.setFaults({ create: { htmlAnswerRate: 0.5 } });
    rolls.push(0);
    const body = randomBytes(SIZE);
    const relayed = await drop(relay, `answers/html-${++dropped}.mp4`, body);
    await expectDelivered(relay, relayed, body);
    expect(relay.sandbox?.faultCounts()["create.htmlAnswer"]).toBe(1);
  });
});

describe("the relay, end to end: disagreements and waits", () => {
  it("a report applied, its answer lost, a chunk then failed: settled from status, bytes identical", async () => {
    const sandbox = relay.sandbox;
    if (!sandbox) throw new Error("no sandbox");
    // Only report calls roll: the first is processed and its answer dropped; chunk 2 is then
    // marked failed, so the retried report meets a chunk the provider no longer holds.
    sandbox.setFaults({ report: { lostAnswerRate: 0.5 }, failChunksOnFirstReport: [2] });
    rolls.push(0);
    const lostBefore = sandbox.faultCounts()["report.lostAnswer"] ?? 0;
    const body = randomBytes(SIZE);
    const relayed = await drop(relay, `answers/lost-report-${++dropped}.mp4`, body);

    await expectDelivered(relay, relayed, body);
    expect((sandbox.faultCounts()["report.lostAnswer"] ?? 0) - lostBefore).toBe(1);
    const chunks = await relay.store.getChunks(relayed.record.uploadKey);
    expect(chunks.find((c) => c.index === 2)?.resends).toBeGreaterThanOrEqual(1);
  });

  it("create answered 429 with Retry-After: 50 every time: fails RELAY_PROVIDER_UNAVAILABLE, no timeout, no session", async () => {
    const sandbox = relay.sandbox;
    if (!sandbox) throw new Error("no sandbox");
    sandbox.setFaults({ create: { error429Rate: 1, retryAfterSeconds: 50 } });
    const sessionsBefore = sandbox.sessionsCreated();
    const relayed = await drop(relay, `answers/throttled-${++dropped}.mp4`, randomBytes(SIZE));

    expect(relayed.execution.status).toBe("FAILED");
    expect(relayed.record.status).toBe("failed");
    expect(relayed.record.error?.code).toBe("RELAY_PROVIDER_UNAVAILABLE");
    expect(relayed.record.error?.message).toMatch(/the server asked to wait 50 s \(Retry-After\)/);
    const timedOut = relayed.execution.history.filter((e) =>
      JSON.stringify(e).includes("Sandbox.Timedout"),
    );
    expect(timedOut).toEqual([]);
    const failed = relay.events.list.find(
      (e) => e.detailType === "Upload Failed" && e.detail.uploadKey === relayed.record.uploadKey,
    );
    expect(failed?.detail).toMatchObject({ code: "RELAY_PROVIDER_UNAVAILABLE", status: "failed" });
    expect(sandbox.sessionsCreated()).toBe(sessionsBefore);
  });
});
