/**
 * The user's alternative, run as its own process: download the object from the local S3
 * server to a file, then upload it with the official `twelvelabs-js` SDK's `uploadFile`
 * (its defaults, or a given `batchSize`). Reads an {@link SdkTask} on stdin, prints a
 * {@link PathResult}; the SDK's own narration goes to stderr.
 */

import { createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { cpuSince } from "../shared/cpu-time.js";
import { startMemoryProbe } from "../shared/memory-probe.js";
import { type PathResult, type SdkTask, sourceClient } from "./protocol.js";

let input = "";
for await (const piece of process.stdin) input += piece.toString();
const task = JSON.parse(input) as SdkTask;
const { source, api } = task;
// The SDK narrates every step on stdout, where the result line goes.
console.log = (...args: unknown[]) => console.error(...args);
process.env.TWELVELABS_BASE_URL = api.baseUrl;
const { TwelveLabs } = await import("twelvelabs-js");
const s3 = sourceClient(source);
// A directory of its own: the parent's source file lies beside it under the same name.
const own = await mkdtemp(join(task.directory, "sdk-"));
const path = join(own, source.key.split("/").pop() ?? "video.mp4");

globalThis.gc?.();
const cpuBefore = process.cpuUsage();
const probe = startMemoryProbe();
const began = process.hrtime.bigint();
try {
  const object = await s3.send(new GetObjectCommand({ Bucket: source.bucket, Key: source.key }));
  await pipeline(object.Body as Readable, createWriteStream(path));
  const downloadSeconds = Number(process.hrtime.bigint() - began) / 1e9;
  const client = new TwelveLabs({ apiKey: api.apiKey });
  const uploaded = await client.multipartUpload.uploadFile(path, {
    ...(task.batchSize !== undefined ? { batchSize: task.batchSize } : {}),
  });
  const seconds = Number(process.hrtime.bigint() - began) / 1e9;
  const memory = probe.stop();
  const result: PathResult = {
    seconds,
    downloadSeconds,
    assetId: uploaded.assetId,
    cpuSeconds: cpuSince(cpuBefore),
    ...memory,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
} finally {
  s3.destroy();
  await rm(own, { recursive: true, force: true });
}
