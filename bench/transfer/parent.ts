/**
 * Throughput and memory of the hot path against the SDK-style way of moving a chunk: the
 * parent. It hosts the local S3 server and the receiving sink, plans the runs, starts a fresh
 * child process for each one (`run-child.ts`), checks every run byte for byte (`checks.ts`),
 * and prints the report (`report.ts`). The children only move bytes, so one variant's retained
 * memory never pollutes the next one's figures and the servers' memory is not counted.
 */

import { availableParallelism, loadavg } from "node:os";
import { messageOf } from "../../local/cli/text.js";
import { LOCAL_CREDENTIALS, LOCAL_REGION, startLocalStack } from "../../local/local-stack.js";
import { checkEtags, checkSinkParts } from "./checks.js";
import { runIntoMultipartUpload, TARGET_BUCKET } from "./multipart-target.js";
import { type PlannedRun, planRuns } from "./plan.js";
import type { ChildResult } from "./protocol.js";
import { printReport, type Sample } from "./report.js";
import { runChild } from "./run-child.js";
import { readBenchSettings } from "./settings.js";
import { startSink } from "./sink.js";
import { putRandomObject } from "./source.js";

const SOURCE_BUCKET = "bench-source";
const SOURCE_KEY = "drop/bench.bin";

/**
 * Runs the transfer bench with the settings in the environment (see `settings.ts`) and prints
 * its report; rejects, after cleaning up, on any failure or on SIGINT/SIGTERM.
 */
export async function runTransferBench(): Promise<void> {
  const { sizeMiB, chunkMiB, rounds, size, chunkSize, count, deadlineMs } = readBenchSettings();

  // A Ctrl-C or kill must still stop the child and remove the S3 server's temp data; the
  // handlers turn the signal into an error so the `finally` below runs.
  const interrupt = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    interrupt.abort(new Error(`interrupted by ${signal}`));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);

  const stack = await startLocalStack({ buckets: [SOURCE_BUCKET, TARGET_BUCKET] });
  const sink = await startSink();
  try {
    const s3 = stack.s3.client;
    const source = await putRandomObject(s3, SOURCE_BUCKET, SOURCE_KEY, size, chunkSize);
    console.log(
      `transfer bench: ${sizeMiB} MiB in ${count} chunks of ${chunkMiB} MiB, ${rounds} round(s), ` +
        `Node ${process.version}, ${availableParallelism()} cores, ${loadLine()}`,
    );
    const base = {
      endpoint: stack.s3.endpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
      bucket: SOURCE_BUCKET,
      key: SOURCE_KEY,
      size,
      chunkSize,
    };

    /** One child run over the first `chunks` chunks, checked byte for byte. */
    const measure = async ({ target, variant, chunks }: PlannedRun): Promise<ChildResult> => {
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
      const result = await runIntoMultipartUpload(s3, chunks, whole, run);
      checkEtags(label, result.etags, expected);
      return result;
    };

    const samples: Sample[] = [];
    for (const planned of planRuns(count, rounds)) {
      const result = await measure(planned);
      if (planned.warmUp) continue;
      const { target, variant } = planned;
      if (result.bytes !== size) {
        throw new Error(`${target} ${variant}: child sent ${result.bytes} bytes, not ${size}`);
      }
      samples.push({ target, variant, result });
    }

    printReport(samples);
    // Other work on the machine skews the figures; the load says whether this run was quiet.
    console.log(`At the end: ${loadLine()}.`);
  } catch (error) {
    // Said before cleaning up, so a failure while stopping the servers cannot hide the cause.
    console.error(`transfer bench failed, cleaning up: ${messageOf(error)}`);
    throw error;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    await sink.close();
    await stack.stop();
  }
}

/** The 1-minute load average, for judging how much else the machine was doing. */
function loadLine(): string {
  return `load average ${(loadavg()[0] ?? 0).toFixed(2)}`;
}
