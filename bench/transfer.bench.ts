/**
 * Throughput and memory of the hot path against the SDK-style way of moving a chunk.
 *
 * The parent process hosts the local S3 server and a receiving sink; every measured run is a
 * fresh child process (`node --import tsx` on this same file) that only moves bytes, so one
 * variant's retained memory never pollutes the next one's figures and the servers' memory is
 * not counted. Peak RSS is the kernel's high-water mark of the child's own address space
 * (`VmHWM` in /proc/self/status: exact, not sampled; `resourceUsage().maxRSS` would not do, as
 * Linux carries the parent's peak across fork and exec); elsewhere RSS is sampled. Heap + buffer
 * growth is sampled every 5 ms (`heapUsed + external`; Buffers live in `external`) and includes
 * garbage not yet collected.
 *
 * Variants, each run against two receivers (presigned UploadPart URLs on the local S3, and a
 * sink that hashes and counts what it receives and answers the MD5 as ETag, as S3 does):
 * - baseline: what an SDK-style uploader does, one chunk at a time: GetObject →
 *   `transformToByteArray()` → PUT the whole buffer;
 * - relay: {@link transferChunks} streaming each ranged GET into its PUT, with concurrency 4,
 *   and with concurrency 1 to separate the effect of streaming from that of concurrency.
 *
 * Every run is checked byte for byte: each part's ETag must be the MD5 of its source range, the
 * sink must have received exactly those bytes, and the completed S3 object must have the
 * source's MD5. A run that moved wrong bytes fails the bench instead of producing a figure.
 */

import { spawn } from "node:child_process";
import { createHash, randomFillSync } from "node:crypto";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { availableParallelism, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { request } from "undici";
import { chunkRange, totalChunks } from "../functions/core/chunk-plan.js";
import { transferChunks } from "../functions/core/transfer-batch.js";
import type { TransferChunkInput } from "../functions/core/transfer-chunk.js";

const MiB = 1024 * 1024;
/** Chunks moved per variant and receiver in the unmeasured warm-up. */
const WARM_UP_CHUNKS = 8;
/** Slowest rate a child may move at before it is killed, so a hang cannot stall the bench. */
const MIN_MIB_PER_SECOND = 1;
/** Floor of a child's deadline: process start, tsx and the SDK take a few seconds alone. */
const MIN_CHILD_DEADLINE_MS = 60_000;

/** Options of {@link runTransferBench}; each can also come from the environment. */
export interface TransferBenchOptions {
  /** Object size in MiB. @default 256 (env `BENCH_SIZE_MIB`) */
  readonly sizeMiB?: number;
  /** Chunk size in MiB. @default 8 (env `BENCH_CHUNK_MIB`) */
  readonly chunkMiB?: number;
  /** Runs per variant and receiver; the median is reported. @default 1 (env `BENCH_ROUNDS`) */
  readonly rounds?: number;
}

/** One measured row of the report; every ratio is against the same run's baseline. */
export interface TransferBenchRow {
  readonly target: Target;
  readonly variant: string;
  /** Median MiB/s over the rounds. */
  readonly mibPerSecond: number;
  /** Slowest and fastest round, MiB/s. */
  readonly mibPerSecondRange: readonly [number, number];
  /** This variant's MiB/s over the baseline's, on the same receiver. */
  readonly ratio: number;
  readonly peakRssMiB: number;
  /** Peak RSS over the baseline's, on the same receiver. */
  readonly peakRssRatio: number;
  readonly rssGrowthMiB: number;
  /** RSS growth over the baseline's, on the same receiver. */
  readonly rssGrowthRatio: number;
  readonly heapGrowthMiB: number;
}

type Target = "local-s3" | "sink";
type Variant = "baseline" | "relay-c4" | "relay-c1";

const TARGETS: readonly Target[] = ["sink", "local-s3"];
const VARIANTS: Record<Variant, string> = {
  baseline: "baseline: buffer whole chunk, serial",
  "relay-c4": "relay: stream, concurrency 4",
  "relay-c1": "relay: stream, concurrency 1",
};
const VARIANT_KEYS = Object.keys(VARIANTS) as Variant[];

/** What the parent hands a child on stdin (URLs included, so never on a command line). */
interface ChildTask {
  readonly variant: Variant;
  readonly endpoint: string;
  readonly region: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly bucket: string;
  readonly key: string;
  readonly size: number;
  readonly chunkSize: number;
  /** One URL per chunk, from chunk 1; fewer than the plan's chunks moves only a prefix. */
  readonly urls: readonly string[];
}

/** What a child reports on stdout. */
interface ChildResult {
  readonly seconds: number;
  /** Bytes the child actually sent, counted by the child. */
  readonly bytes: number;
  /** One quoted ETag per chunk, in chunk order. */
  readonly etags: readonly string[];
  readonly rssStart: number;
  readonly maxRss: number;
  readonly heapStart: number;
  readonly heapPeak: number;
}

/** The generated source and the digests every run is checked against. */
interface Source {
  readonly md5: string;
  /** MD5 (hex) of each chunk's byte range, from chunk 1. */
  readonly chunkMd5s: readonly string[];
}

/** A part the sink received. */
interface SinkPart {
  readonly bytes: number;
  readonly md5: string;
}

/** The receiving sink: hashes and counts each part's body. */
interface Sink {
  readonly server: Server;
  readonly base: string;
  readonly parts: Map<number, SinkPart>;
}

/** Runs the benchmark and prints a table; returns the rows too. */
export async function runTransferBench(
  options: TransferBenchOptions = {},
): Promise<TransferBenchRow[]> {
  const sizeMiB = options.sizeMiB ?? readKnob("BENCH_SIZE_MIB", 256);
  const chunkMiB = options.chunkMiB ?? readKnob("BENCH_CHUNK_MIB", 8);
  const rounds = options.rounds ?? readKnob("BENCH_ROUNDS", 1);
  if (!Number.isSafeInteger(rounds)) throw new Error(`rounds must be an integer, got ${rounds}`);
  const size = Math.round(sizeMiB * MiB);
  const chunkSize = Math.round(chunkMiB * MiB);
  const count = totalChunks(size, chunkSize);
  const deadlineMs = Math.max(MIN_CHILD_DEADLINE_MS, (size / MiB / MIN_MIB_PER_SECOND) * 1000);

  // A Ctrl-C or kill must still stop the child and remove the S3 server's temp data; the
  // handlers turn the signal into an error so the `finally` below runs.
  const interrupt = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    interrupt.abort(new Error(`interrupted by ${signal}`));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);

  // Loaded here, not at the top: children import this file and must not load the servers.
  const { startLocalStack, LOCAL_CREDENTIALS, LOCAL_REGION } = await import(
    "../local/local-stack.js"
  );
  const stack = await startLocalStack({ buckets: ["bench-source", "bench-target"] });
  const sink = await startSink();
  try {
    const s3 = stack.s3.client;
    const sourceKey = "drop/bench.bin";
    const source = await putRandomObject(s3, "bench-source", sourceKey, size, chunkSize);
    console.log(
      `transfer bench: ${sizeMiB} MiB in ${count} chunks of ${chunkMiB} MiB, ${rounds} round(s), ` +
        `Node ${process.version}, ${availableParallelism()} cores, ${loadLine()}`,
    );
    const base = {
      endpoint: stack.s3.endpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
      bucket: "bench-source",
      key: sourceKey,
      size,
      chunkSize,
    };

    /** One child run of `variant` over the first `chunks` chunks, checked byte for byte. */
    const measure = async (
      target: Target,
      variant: Variant,
      chunks: number,
    ): Promise<ChildResult> => {
      interrupt.signal.throwIfAborted();
      const label = `${target} ${variant}`;
      const run = (urls: string[]): Promise<ChildResult> =>
        runChild({ ...base, variant, urls }, deadlineMs, interrupt.signal);
      const expected = source.chunkMd5s.slice(0, chunks);
      if (target === "sink") {
        sink.parts.clear();
        const result = await run(
          Array.from({ length: chunks }, (_, i) => `${sink.base}/part/${i + 1}`),
        );
        checkSinkParts(label, sink.parts, expected, chunkSize, size);
        checkEtags(label, result.etags, expected);
        return result;
      }
      const whole = chunks === count ? source.md5 : undefined;
      const result = await relayToLocalS3(s3, chunks, whole, run);
      checkEtags(label, result.etags, expected);
      return result;
    };

    // The first transfers through a freshly started server run on cold JIT and caches; without
    // this, whichever variant goes first (the baseline, originally) is measured slower.
    for (const target of TARGETS) {
      for (const variant of ["baseline", "relay-c4"] as const) {
        await measure(target, variant, Math.min(count, WARM_UP_CHUNKS));
      }
    }

    const samples = new Map<string, ChildResult[]>();
    for (let round = 0; round < rounds; round += 1) {
      // Each round starts with a different variant, so no variant always runs first or last.
      const order = [...VARIANT_KEYS.slice(round % 3), ...VARIANT_KEYS.slice(0, round % 3)];
      for (const target of TARGETS) {
        for (const variant of order) {
          const result = await measure(target, variant, count);
          if (result.bytes !== size) {
            throw new Error(`${target} ${variant}: child sent ${result.bytes} bytes, not ${size}`);
          }
          const key = `${target}\u0000${variant}`;
          samples.set(key, [...(samples.get(key) ?? []), result]);
        }
      }
    }

    const rows = summarize(samples);
    printTable(rows);
    // Other work on the machine skews the figures; the load says whether this run was quiet.
    console.log(`At the end: ${loadLine()}.`);
    return rows;
  } catch (error) {
    // Said before cleaning up, so a failure while stopping the servers cannot hide the cause.
    console.error(`transfer bench failed, cleaning up: ${describe(error)}`);
    throw error;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    await closeServer(sink.server);
    await stack.stop();
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The 1-minute load average, for judging how much else the machine was doing. */
function loadLine(): string {
  return `load average ${(loadavg()[0] ?? 0).toFixed(2)}`;
}

/** Reads a positive number from the environment, or the fallback when unset. */
function readKnob(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) {
    throw new Error(`${name} must be a positive number, got "${raw}"`);
  }
  return value;
}

function summarize(samples: ReadonlyMap<string, readonly ChildResult[]>): TransferBenchRow[] {
  const rows: TransferBenchRow[] = [];
  for (const target of TARGETS) {
    const of = (variant: Variant): readonly ChildResult[] =>
      samples.get(`${target}\u0000${variant}`) ?? [];
    const speedOf = (runs: readonly ChildResult[]): number => median(runs.map(mibPerSecond));
    const peakOf = (runs: readonly ChildResult[]): number =>
      median(runs.map((r) => r.maxRss / MiB));
    const growthOf = (runs: readonly ChildResult[]): number =>
      median(runs.map((r) => (r.maxRss - r.rssStart) / MiB));
    const baseline = of("baseline");
    for (const variant of VARIANT_KEYS) {
      const runs = of(variant);
      const speeds = runs.map(mibPerSecond);
      rows.push({
        target,
        variant: VARIANTS[variant],
        mibPerSecond: speedOf(runs),
        mibPerSecondRange: [Math.min(...speeds), Math.max(...speeds)],
        ratio: speedOf(runs) / speedOf(baseline),
        peakRssMiB: peakOf(runs),
        peakRssRatio: peakOf(runs) / peakOf(baseline),
        rssGrowthMiB: growthOf(runs),
        rssGrowthRatio: growthOf(runs) / growthOf(baseline),
        heapGrowthMiB: median(runs.map((r) => (r.heapPeak - r.heapStart) / MiB)),
      });
    }
  }
  return rows;
}

/** One run against presigned UploadPart URLs; the completed object is checked by MD5. */
async function relayToLocalS3(
  s3: S3Client,
  count: number,
  sourceMd5: string | undefined,
  run: (urls: string[]) => Promise<ChildResult>,
): Promise<ChildResult> {
  const Bucket = "bench-target";
  const Key = "relayed/bench.bin";
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key }));
  const urls = await Promise.all(
    Array.from({ length: count }, (_, i) =>
      getSignedUrl(s3, new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: i + 1 }), {
        expiresIn: 3600,
      }),
    ),
  );
  const result = await run(urls);
  await s3.send(
    new CompleteMultipartUploadCommand({
      Bucket,
      Key,
      UploadId,
      MultipartUpload: { Parts: result.etags.map((ETag, i) => ({ PartNumber: i + 1, ETag })) },
    }),
  );
  if (sourceMd5 !== undefined) {
    // s3rver accepts wrong part ETags at complete, so the assembled object is hashed here.
    const out = await s3.send(new GetObjectCommand({ Bucket, Key }));
    const hash = createHash("md5");
    for await (const piece of out.Body as AsyncIterable<Buffer>) hash.update(piece);
    if (hash.digest("hex") !== sourceMd5) throw new Error("relayed object differs from the source");
  }
  await s3.send(new DeleteObjectCommand({ Bucket, Key }));
  return result;
}

/** Every ETag the child collected must be the MD5 of its chunk's source bytes. */
function checkEtags(label: string, etags: readonly string[], expected: readonly string[]): void {
  if (etags.length !== expected.length) {
    throw new Error(`${label}: ${etags.length} ETags for ${expected.length} chunks`);
  }
  etags.forEach((etag, i) => {
    if (etag.replace(/"/g, "").toLowerCase() !== expected[i]) {
      throw new Error(`${label}: chunk ${i + 1} ETag ${etag} is not its source MD5`);
    }
  });
}

/** The sink must hold each chunk exactly as the source has it, and nothing else. */
function checkSinkParts(
  label: string,
  parts: ReadonlyMap<number, SinkPart>,
  expected: readonly string[],
  chunkSize: number,
  size: number,
): void {
  if (parts.size !== expected.length) {
    throw new Error(`${label}: sink holds ${parts.size} parts, expected ${expected.length}`);
  }
  expected.forEach((md5, i) => {
    const part = parts.get(i + 1);
    const { size: bytes } = chunkRange(i + 1, chunkSize, size);
    if (part?.bytes !== bytes || part.md5 !== md5) {
      throw new Error(`${label}: sink part ${i + 1} differs from the source range`);
    }
  });
}

async function putRandomObject(
  s3: S3Client,
  bucket: string,
  key: string,
  size: number,
  chunkSize: number,
): Promise<Source> {
  const body = Buffer.allocUnsafe(size);
  // Random bytes in slices: one randomFillSync call is capped at 2 GiB and blocks longer.
  for (let at = 0; at < size; at += 64 * MiB) {
    randomFillSync(body, at, Math.min(64 * MiB, size - at));
  }
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  const chunkMd5s = Array.from({ length: totalChunks(size, chunkSize) }, (_, i) => {
    const { start, end } = chunkRange(i + 1, chunkSize, size);
    return createHash("md5")
      .update(body.subarray(start, end + 1))
      .digest("hex");
  });
  return { md5: createHash("md5").update(body).digest("hex"), chunkMd5s };
}

/**
 * A receiver that keeps nothing but each part's size and MD5, and answers the MD5 as ETag like
 * S3: faster than s3rver (no disk), and the relay verifies its ETags as it would against S3.
 */
async function startSink(): Promise<Sink> {
  const parts = new Map<number, SinkPart>();
  const server = createServer((req, res) => {
    const hash = createHash("md5");
    let bytes = 0;
    req.on("data", (piece: Buffer) => {
      hash.update(piece);
      bytes += piece.length;
    });
    // A client that breaks off mid-body must not crash the parent with an unhandled error.
    req.on("error", () => undefined);
    req.on("end", () => {
      const part = Number(/^\/part\/(\d+)$/.exec(req.url ?? "")?.[1] ?? Number.NaN);
      if (req.method !== "PUT" || !Number.isSafeInteger(part)) {
        res.writeHead(404).end();
        return;
      }
      const md5 = hash.digest("hex");
      parts.set(part, { bytes, md5 });
      res.writeHead(200, { etag: `"${md5}"` }).end();
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    server,
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    parts,
  };
}

/** Runs one child; kills it when it outlives `deadlineMs` or the bench is interrupted. */
async function runChild(
  task: ChildTask,
  deadlineMs: number,
  signal: AbortSignal,
): Promise<ChildResult> {
  signal.throwIfAborted();
  // --expose-gc: the child collects garbage once before it starts measuring, so every variant
  // starts from the same clean heap.
  const child = spawn(
    process.execPath,
    ["--expose-gc", "--import", "tsx", fileURLToPath(import.meta.url)],
    { env: { ...process.env, RELAY_BENCH_CHILD: "1" }, stdio: ["pipe", "pipe", "pipe"] },
  );
  let timedOut = false;
  const kill = (): void => {
    child.kill("SIGKILL");
  };
  const timer = setTimeout(() => {
    timedOut = true;
    kill();
  }, deadlineMs);
  signal.addEventListener("abort", kill, { once: true });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (piece: Buffer) => {
    stdout += piece.toString();
  });
  child.stderr.on("data", (piece: Buffer) => {
    stderr += piece.toString();
  });
  child.stdin.end(JSON.stringify(task));
  try {
    const [code] = (await once(child, "close")) as [number | null];
    signal.throwIfAborted();
    if (timedOut) {
      throw new Error(`bench child ${task.variant} ran over ${deadlineMs / 1000} s and was killed`);
    }
    const line = stdout.trim().split("\n").pop() ?? "";
    if (code !== 0 || !line.startsWith("{")) {
      throw new Error(`bench child ${task.variant} exited ${code}: ${stderr.slice(-2000)}`);
    }
    return JSON.parse(line) as ChildResult;
  } finally {
    clearTimeout(timer);
    signal.removeEventListener("abort", kill);
  }
}

/** Child side: move the object once with one variant, report time and memory. */
async function childMain(): Promise<void> {
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

  globalThis.gc?.();
  const heapNow = (): number => {
    const m = process.memoryUsage();
    return m.heapUsed + m.external;
  };
  const rssStart = process.memoryUsage().rss;
  const heapStart = heapNow();
  let heapPeak = heapStart;
  let rssPeak = rssStart;
  const sampler = setInterval(() => {
    heapPeak = Math.max(heapPeak, heapNow());
    rssPeak = Math.max(rssPeak, process.memoryUsage.rss());
  }, 5);

  const began = process.hrtime.bigint();
  const sent =
    task.variant === "baseline"
      ? await bufferedSerial(s3, chunks)
      : await streamed(s3, chunks, task.variant === "relay-c4" ? 4 : 1);
  const seconds = Number(process.hrtime.bigint() - began) / 1e9;
  clearInterval(sampler);
  heapPeak = Math.max(heapPeak, heapNow());

  const result: ChildResult = {
    seconds,
    bytes: sent.bytes,
    etags: sent.etags,
    rssStart,
    maxRss: Math.max(rssPeak, residentHighWaterMark() ?? 0),
    heapStart,
    heapPeak,
  };
  s3.destroy();
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

/** What a variant sent: the receiver's ETags in chunk order, and the bytes counted. */
interface Sent {
  readonly etags: string[];
  readonly bytes: number;
}

/** The relay's way; a failed chunk fails the run, as a figure without it would be wrong. */
async function streamed(
  s3: S3Client,
  chunks: readonly TransferChunkInput[],
  concurrency: number,
): Promise<Sent> {
  const { done, failed } = await transferChunks(chunks, { s3, concurrency });
  if (failed.length > 0) {
    const reasons = failed.map((f) => `chunk ${f.index}: ${f.error.message}`).join("; ");
    throw new Error(`${failed.length}/${chunks.length} chunks failed: ${reasons}`);
  }
  return {
    etags: done.map((c) => `"${c.etag}"`),
    bytes: done.reduce((sum, c) => sum + c.size, 0),
  };
}

/** The SDK-style way: each whole chunk into memory, then PUT, one at a time. */
async function bufferedSerial(s3: S3Client, chunks: readonly TransferChunkInput[]): Promise<Sent> {
  const etags: string[] = [];
  let sent = 0;
  for (const chunk of chunks) {
    const out = await s3.send(
      new GetObjectCommand({
        Bucket: chunk.bucket,
        Key: chunk.key,
        Range: `bytes=${chunk.start}-${chunk.end}`,
      }),
    );
    const bytes = await (
      out.Body as { transformToByteArray(): Promise<Uint8Array> }
    ).transformToByteArray();
    const res = await request(chunk.url, {
      method: "PUT",
      body: bytes,
      headers: { ...chunk.headers, "content-length": String(bytes.length) },
    });
    await res.body.dump();
    if (res.statusCode !== 200) throw new Error(`chunk ${chunk.index}: HTTP ${res.statusCode}`);
    etags.push(String(res.headers.etag));
    sent += bytes.length;
  }
  return { etags, bytes: sent };
}

/** The kernel's peak RSS of this process's address space, in bytes (Linux only). */
function residentHighWaterMark(): number | undefined {
  try {
    const kib = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync("/proc/self/status", "utf8"))?.[1];
    return kib ? Number(kib) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

function mibPerSecond(result: ChildResult): number {
  return result.bytes / MiB / result.seconds;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function printTable(rows: readonly TransferBenchRow[]): void {
  const header = [
    "receiver",
    "variant",
    "MiB/s",
    "min-max",
    "vs baseline",
    "peak RSS",
    "vs baseline",
    "RSS growth",
    "vs baseline",
    "heap+buf growth",
  ];
  const body = rows.map((r) => [
    r.target,
    r.variant,
    r.mibPerSecond.toFixed(1),
    `${r.mibPerSecondRange[0].toFixed(0)}-${r.mibPerSecondRange[1].toFixed(0)}`,
    `${r.ratio.toFixed(2)}x`,
    `${r.peakRssMiB.toFixed(0)} MiB`,
    `${r.peakRssRatio.toFixed(2)}x`,
    `${r.rssGrowthMiB.toFixed(0)} MiB`,
    `${r.rssGrowthRatio.toFixed(2)}x`,
    `${r.heapGrowthMiB.toFixed(1)} MiB`,
  ]);
  const widths = header.map((h, i) =>
    Math.max(h.length, ...body.map((row) => (row[i] as string).length)),
  );
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i < 2 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number)))
      .join("  ");
  console.log(line(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const row of body) console.log(line(row));
  console.log(
    "\nAll bytes verified: every part's ETag is the MD5 of its source range, the sink received " +
      "exactly those bytes, the completed S3 object has the source's MD5. Ratios are medians " +
      "against this run's baseline on the same receiver. Each run is a fresh child process; " +
      "peak RSS is the kernel's high-water mark for it (includes Node, tsx and the SDK, about " +
      "the same for every variant); growth is from the start of the transfer. No thresholds: " +
      "figures depend on the machine.",
  );
}

async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

if (process.env.RELAY_BENCH_CHILD === "1") {
  await childMain();
}
