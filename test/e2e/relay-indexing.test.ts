/**
 * Indexing after upload and the functions' metrics, end to end on the embedded local stack:
 * the synthesized state machine indexes a completed TwelveLabs asset into the sandbox's index
 * and publishes `Asset Indexed`; an index the provider refuses leaves the upload completed and
 * publishes `Asset Indexing Failed` with its reason. The functions' EMF lines (Powertools
 * Metrics, as CloudWatch Logs would receive them) carry every metric the dashboard graphs.
 */

import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EVENT_SCHEMA_VERSION } from "../../functions/core/event-publisher.js";
import { RELAY_METRICS, RELAY_METRICS_NAMESPACE } from "../../functions/core/metrics.js";
import { RELAY_CONTEXT_KEYS } from "../../infra/relay-stack.js";
import { type LocalRelay, startLocalRelay } from "../../local/local-relay.js";
import { DEFAULT_INDEX_ID } from "../../local/twelvelabs-sandbox/index.js";
import {
  captureOutput,
  drop,
  expectDelivered,
  expectNoSecrets,
  logsSince,
} from "./relay-harness.js";

const MiB = 1024 * 1024;
const CHUNK = MiB;

let relay: LocalRelay;
let output: ReturnType<typeof captureOutput>;
/** Fault rolls of the sandbox: a test queues 0 to make the next roll hit. */
const rolls: number[] = [];

beforeAll(async () => {
  output = captureOutput();
  relay = await startLocalRelay({
    sandbox: {
      chunkSize: CHUNK,
      minChunkSize: CHUNK,
      initialUrls: 2,
      random: () => rolls.shift() ?? 0.999,
    },
    settings: { chunksPerBatch: 2 },
    context: {
      [RELAY_CONTEXT_KEYS.indexId]: DEFAULT_INDEX_ID,
      [RELAY_CONTEXT_KEYS.routes]: [
        { keyPrefix: "elsewhere/", provider: "twelvelabs", indexId: "no-such-index" },
      ],
    },
  });
});

afterAll(async () => {
  output?.stop();
  await relay?.stop();
});

/** The events of one detail-type about one upload. */
function eventsOf(detailType: string, uploadKey: string): Record<string, unknown>[] {
  return relay.events.list
    .filter((e) => e.detailType === detailType && e.detail.uploadKey === uploadKey)
    .map((e) => e.detail as unknown as Record<string, unknown>);
}

/** One EMF data point: a metric's value with the dimensions of its line. */
interface DataPoint {
  readonly name: string;
  readonly unit: string | undefined;
  readonly value: number;
  readonly dimensions: Readonly<Record<string, string>>;
  readonly namespace: string;
}

/** Every data point in the functions' EMF lines since `from` (a length of `relay.logs`). */
function dataPoints(from: number): DataPoint[] {
  const points: DataPoint[] = [];
  for (const line of relay.logs.slice(from)) {
    const json = line.slice(line.indexOf(" ") + 1);
    if (!json.startsWith("{") || !json.includes('"_aws"')) continue;
    const emf = JSON.parse(json) as {
      _aws: {
        CloudWatchMetrics: {
          Namespace: string;
          Dimensions: string[][];
          Metrics: { Name: string; Unit?: string }[];
        }[];
      };
    } & Record<string, unknown>;
    for (const directive of emf._aws.CloudWatchMetrics) {
      const names = directive.Dimensions.flat();
      const dimensions = Object.fromEntries(names.map((n) => [n, String(emf[n])]));
      for (const metric of directive.Metrics) {
        const raw = emf[metric.Name];
        for (const value of Array.isArray(raw) ? raw : [raw]) {
          points.push({
            name: metric.Name,
            unit: metric.Unit,
            value: Number(value),
            dimensions,
            namespace: directive.Namespace,
          });
        }
      }
    }
  }
  return points;
}

const sum = (points: readonly DataPoint[], name: string, dims: Record<string, string> = {}) =>
  points
    .filter((p) => p.name === name)
    .filter((p) => Object.entries(dims).every(([k, v]) => p.dimensions[k] === v))
    .reduce((n, p) => n + p.value, 0);

describe("the relay, end to end: indexing after upload", () => {
  it("indexes a completed asset into the route's index and publishes Asset Indexed", async () => {
    const body = randomBytes(3 * CHUNK + 5);
    const relayed = await drop(relay, "videos/indexed.mp4", body);
    await expectDelivered(relay, relayed, body);
    const record = await relay.store.require(relayed.record.uploadKey);
    expect(record).toMatchObject({
      status: "completed",
      indexId: DEFAULT_INDEX_ID,
      indexing: { indexId: DEFAULT_INDEX_ID, status: "ready" },
    });
    const indexed = relay.sandbox?.indexedAssets() ?? [];
    expect(indexed.filter((a) => a.assetId === record.assetId)).toEqual([
      {
        id: record.indexing?.indexedAssetId,
        indexId: DEFAULT_INDEX_ID,
        assetId: record.assetId,
        status: "ready",
      },
    ]);
    expect(eventsOf("Asset Indexed", record.uploadKey)).toEqual([
      {
        schemaVersion: EVENT_SCHEMA_VERSION,
        uploadKey: record.uploadKey,
        bucket: relay.bucket,
        key: "videos/indexed.mp4",
        provider: "twelvelabs",
        assetId: record.assetId,
        indexId: DEFAULT_INDEX_ID,
        indexedAssetId: record.indexing?.indexedAssetId,
        durationMs: expect.any(Number),
      },
    ]);
    expect(eventsOf("Asset Indexing Failed", record.uploadKey)).toEqual([]);
    // The state machine went through its indexing states and ended in Done.
    const states = relayed.execution.history.map((e) => ("state" in e ? e.state.name : ""));
    expect(states).toContain("IndexAsset");
    expect(states).toContain("WaitForIndex");
  });

  it("a refused indexing leaves the upload completed and publishes Asset Indexing Failed with its reason", async () => {
    const body = randomBytes(CHUNK + 1);
    const relayed = await drop(relay, "elsewhere/refused.mp4", body);
    await expectDelivered(relay, relayed, body);
    const record = await relay.store.require(relayed.record.uploadKey);
    expect(record.status).toBe("completed");
    expect(record.indexing).toMatchObject({
      indexId: "no-such-index",
      indexedAssetId: null,
      status: "failed",
      error: { code: "RELAY_INDEX_REFUSED" },
    });
    const [failed, ...more] = eventsOf("Asset Indexing Failed", record.uploadKey);
    expect(more).toEqual([]);
    expect(failed).toMatchObject({
      schemaVersion: EVENT_SCHEMA_VERSION,
      assetId: record.assetId,
      indexId: "no-such-index",
      indexedAssetId: null,
      code: "RELAY_INDEX_REFUSED",
      reason: expect.stringMatching(/HTTP 404/),
    });
    expect(eventsOf("Upload Completed", record.uploadKey)).toHaveLength(1);
    expect(eventsOf("Upload Failed", record.uploadKey)).toEqual([]);
  });

  it("an indexing the provider fails is recorded and published, the upload still completed", async () => {
    // The asset id is reserved when the session opens: fail its indexing from then on.
    const before = relay.sandbox?.sessions().length ?? 0;
    const body = randomBytes(CHUNK + 2);
    const pending = drop(relay, "videos/fails-indexing.mp4", body);
    let assetId: string | undefined;
    while (!assetId) {
      assetId = relay.sandbox?.sessions()[before]?.assetId;
      if (!assetId) await new Promise((resolve) => setTimeout(resolve, 10));
    }
    relay.sandbox?.setFaults({ failIndexing: [assetId] });
    const relayed = await pending;
    relay.sandbox?.setFaults({});
    const record = await relay.store.require(relayed.record.uploadKey);
    expect(record.status).toBe("completed");
    expect(record.indexing).toMatchObject({
      status: "failed",
      error: { code: "RELAY_INDEX_FAILED" },
    });
    expect(eventsOf("Asset Indexing Failed", record.uploadKey)).toEqual([
      expect.objectContaining({ code: "RELAY_INDEX_FAILED", indexedAssetId: expect.any(String) }),
    ]);
  });
});

describe("the relay, end to end: metrics (EMF)", () => {
  it("emits every dashboard metric: bytes, chunks, retries, URL refreshes, duration, outcomes by code, indexing", async () => {
    const from = relay.logs.length;
    // One chunk PUT answers 500 once: a retried chunk.
    relay.sandbox?.setFaults({ partPut: { error500Rate: 0.5 } });
    rolls.push(0);
    const body = randomBytes(5 * CHUNK + 7);
    const relayed = await drop(relay, "videos/metered.mp4", body);
    relay.sandbox?.setFaults({});
    await expectDelivered(relay, relayed, body);
    const rejected = await drop(relay, "videos/empty.mp4", new Uint8Array(0));
    expect(rejected.record.status).toBe("rejected");

    const points = dataPoints(from);
    for (const p of points) {
      expect(p.namespace).toBe(RELAY_METRICS_NAMESPACE);
      expect(p.dimensions.service).toBe("relay");
      expect(p.unit).toBe(RELAY_METRICS[p.name as keyof typeof RELAY_METRICS]);
    }
    // Every byte and chunk of the file, counted once (the failed PUT is not a transfer).
    expect(sum(points, "BytesTransferred")).toBe(body.length);
    expect(sum(points, "ChunksTransferred")).toBe(6);
    expect(sum(points, "Retries")).toBeGreaterThanOrEqual(1);
    // Two URLs came with the session; the other four were fetched, and the retried one again.
    expect(sum(points, "UrlRefreshes")).toBeGreaterThanOrEqual(4);
    const durations = points.filter((p) => p.name === "UploadDuration");
    expect(durations).toHaveLength(1);
    expect(durations[0]?.value).toBeGreaterThan(0);
    expect(sum(points, "Uploads", { outcome: "completed", code: "OK" })).toBe(1);
    expect(sum(points, "Uploads", { outcome: "rejected", code: "RELAY_OBJECT_REJECTED" })).toBe(1);
    expect(sum(points, "AssetsIndexed", { outcome: "ready" })).toBe(1);
    const names = new Set(points.map((p) => p.name));
    expect([...names].sort()).toEqual(Object.keys(RELAY_METRICS).sort());
    expectNoSecrets(relay, logsSince(relay, from));
  });
});
