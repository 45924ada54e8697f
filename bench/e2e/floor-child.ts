/**
 * The raw-copy floor, run as its own process: what the relay's work costs with nothing of the
 * pipeline around it. It opens a session through the same provider port, streams every chunk
 * ranged GET → PUT with the relay's `transferChunks` (MD5 tap included) and the relay's number
 * of chunks in flight, reports every proof, then polls until the asset is complete. No state
 * machine, no DynamoDB, no Lambda: reads a {@link FloorTask} on stdin, prints a
 * {@link PathResult}.
 */

import type { ChunkProof } from "../../functions/core/provider.js";
import { createProvider } from "../../functions/core/providers/create-provider.js";
import { transferChunks } from "../../functions/core/transfer-batch.js";
import type { TransferChunkInput } from "../../functions/core/transfer-chunk.js";
import { cpuSince } from "../shared/cpu-time.js";
import { startMemoryProbe } from "../shared/memory-probe.js";
import { type FloorTask, type PathResult, sourceClient } from "./protocol.js";

let input = "";
for await (const piece of process.stdin) input += piece.toString();
const task = JSON.parse(input) as FloorTask;
const { source, api } = task;
const s3 = sourceClient(source);
const host = new URL(`http://${api.partHost}`).hostname;
const provider = createProvider({
  provider: "twelvelabs",
  baseUrl: api.baseUrl,
  apiKey: async () => api.apiKey,
  allowedUrlHosts: [host],
  insecureHosts: [host],
});

globalThis.gc?.();
const cpuBefore = process.cpuUsage();
const probe = startMemoryProbe();
const began = process.hrtime.bigint();
const session = await provider.createSession({
  files: [{ name: source.key.split("/").pop() ?? "video.mp4", size: source.size }],
});
const urls = new Map(session.urls.map((u) => [u.index, u.url]));
const missing = session.plan.map((c) => c.index).filter((i) => !urls.has(i));
for (const u of await provider.getChunkUrls(session, missing)) urls.set(u.index, u.url);
const chunks: TransferChunkInput[] = session.plan.map((c) => ({
  bucket: source.bucket,
  key: source.key,
  index: c.index,
  start: c.start,
  end: c.start + c.size - 1,
  url: urls.get(c.index) as string,
  headers: session.uploadHeaders,
}));
const { done, failed } = await transferChunks(chunks, { s3, concurrency: task.concurrency });
if (failed.length > 0) {
  throw new Error(`${failed.length} chunks failed: ${failed[0]?.error.message ?? ""}`);
}
const proofs: ChunkProof[] = done.map((c) => ({ index: c.index, etag: c.etag, size: c.size }));
await provider.reportChunks(session, proofs);
let assetId = session.assetId;
for (;;) {
  const status = await provider.getStatus(session, proofs);
  if (status.state === "completed") {
    assetId = status.assetId ?? assetId;
    break;
  }
  if (status.state === "failed") throw new Error("the sandbox failed the upload");
  await new Promise((resolve) => setTimeout(resolve, task.pollIntervalMs));
}
const seconds = Number(process.hrtime.bigint() - began) / 1e9;
const memory = probe.stop();
s3.destroy();
const result: PathResult = {
  seconds,
  assetId: assetId ?? "",
  cpuSeconds: cpuSince(cpuBefore),
  ...memory,
};
process.stdout.write(`${JSON.stringify(result)}\n`);
