/**
 * The measured child, run as its own process by `run-child.ts`
 * (`node --expose-gc --import tsx bench/transfer/child.ts`): reads a {@link ChildTask} on stdin,
 * moves the chunks once with that task's variant, and prints a {@link ChildResult} as the last
 * line of stdout. A fresh process per run, so no variant inherits another's heap and the
 * servers (in the parent) are not counted.
 */

import { S3Client } from "@aws-sdk/client-s3";
import { chunkRange } from "../../functions/core/chunk-plan.js";
import type { TransferChunkInput } from "../../functions/core/transfer-chunk.js";
import { startMemoryProbe } from "../shared/memory-probe.js";
import { moveChunks } from "./movers.js";
import type { ChildResult, ChildTask } from "./protocol.js";

let input = "";
for await (const piece of process.stdin) input += piece.toString();
const task = JSON.parse(input) as ChildTask;
const s3 = new S3Client({
  region: task.region,
  endpoint: task.endpoint,
  forcePathStyle: true,
  credentials: task.credentials,
  requestChecksumCalculation: "WHEN_REQUIRED",
  responseChecksumValidation: "WHEN_REQUIRED",
});
const chunks: TransferChunkInput[] = task.urls.map((url, i) => {
  const { start, end } = chunkRange(i + 1, task.chunkSize, task.size);
  return { bucket: task.bucket, key: task.key, index: i + 1, start, end, url, headers: {} };
});

// Started with --expose-gc so every variant starts measuring from the same clean heap.
globalThis.gc?.();
const probe = startMemoryProbe();
const began = process.hrtime.bigint();
const sent = await moveChunks(task.variant, s3, chunks);
const seconds = Number(process.hrtime.bigint() - began) / 1e9;
const memory = probe.stop();

const result: ChildResult = { seconds, bytes: sent.bytes, etags: sent.etags, ...memory };
s3.destroy();
process.stdout.write(`${JSON.stringify(result)}\n`);
