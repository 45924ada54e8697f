/**
 * Helpers of the end-to-end tests: drop an object into the local relay's bucket, wait for the
 * execution it starts, and collect what a secret could leak into (histories and log lines).
 */

import { PutObjectCommand } from "@aws-sdk/client-s3";
import { expect, vi } from "vitest";
import { uploadKeyOf } from "../../functions/core/upload-identity.js";
import type { UploadRecord } from "../../functions/core/upload-store.js";
import type { LocalRelay } from "../../local/local-relay.js";
import type { LocalS3Event } from "../../local/local-stack.js";
import type { LocalExecution } from "../../local/step-functions/local-state-machine.js";
import { md5 } from "../helpers/md5.js";

/** What one dropped object turned into. */
export interface Relayed {
  readonly execution: LocalExecution;
  readonly record: UploadRecord;
  /** The S3 event the drop produced, to deliver again. */
  readonly s3Event: LocalS3Event;
}

/**
 * Puts `body` at `key` in the drop bucket and waits until the execution that the object event
 * started has ended, with the upload record it left.
 */
export async function drop(relay: LocalRelay, key: string, body: Uint8Array): Promise<Relayed> {
  const before = relay.machine.list().length;
  const seen = new Promise<LocalS3Event>((resolve) => {
    const listener = (event: LocalS3Event): void => {
      if (event.key !== key || !event.eventName.startsWith("ObjectCreated:")) return;
      relay.stack.events.off("object", listener);
      resolve(event);
    };
    relay.stack.events.on("object", listener);
  });
  await relay.stack.s3.client.send(
    new PutObjectCommand({ Bucket: relay.bucket, Key: key, Body: body }),
  );
  const s3Event = await seen;
  // The relay's own listener ran first and put the event on the bus; once its deliveries have
  // ended, start has run and the execution exists.
  await relay.delivered();
  const execution = relay.machine
    .list()
    .slice(before)
    .find((e) => (JSON.parse(e.inputJson) as { key: string }).key === key);
  if (!execution) {
    throw new Error(
      `start ran for ${key} but started no execution (${relay.deadLetters.length} dead letters)`,
    );
  }
  await execution.done;
  const record = await relay.store.get(uploadKeyOf(JSON.parse(execution.inputJson)));
  if (!record) throw new Error(`no upload record for ${key}`);
  return { execution, record, s3Event };
}

/** Asserts the drop completed and the provider's asset holds exactly `body`. */
export async function expectDelivered(relay: LocalRelay, relayed: Relayed, body: Uint8Array) {
  const { execution, record } = relayed;
  expect(execution.status, `${execution.error}: ${execution.cause}`).toBe("SUCCEEDED");
  expect(record.status).toBe("completed");
  expect(execution.output).toMatchObject({ uploadKey: record.uploadKey, assetId: record.assetId });
  const asset = await relay.sandbox?.readAsset(record.assetId as string);
  expect(asset?.length).toBe(body.length);
  expect(md5(asset ?? new Uint8Array())).toBe(md5(body));
  const completed = relay.events.list.find(
    (e) => e.detailType === "Upload Completed" && e.detail.uploadKey === record.uploadKey,
  );
  expect(completed?.detail).toMatchObject({
    bucket: relay.bucket,
    key: record.source.key,
    size: body.length,
    assetId: record.assetId,
    provider: "twelvelabs",
  });
}

/** Collects every line written to stdout and stderr until `stop()`, still passing it on. */
export function captureOutput(): { readonly text: () => string; stop: () => void } {
  const chunks: string[] = [];
  const spies = [process.stdout, process.stderr].map((stream) => {
    const original = stream.write.bind(stream);
    return vi.spyOn(stream, "write").mockImplementation(((
      chunk: string | Uint8Array,
      ...rest: never[]
    ) => {
      chunks.push(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
      return original(chunk, ...rest);
    }) as typeof stream.write);
  });
  return {
    text: () => chunks.join(""),
    stop: () => {
      for (const spy of spies) spy.mockRestore();
    },
  };
}

/**
 * Asserts no secret is in `haystack`: the API key, a presigned URL's signing query, or the
 * presigned-URL host (a URL to it can only be a presigned part URL).
 */
export function expectNoSecrets(relay: LocalRelay, haystack: string): void {
  const sandbox = relay.sandbox;
  if (!sandbox) throw new Error("the secret check needs the sandbox");
  expect(haystack).not.toContain(sandbox.apiKey);
  expect(haystack).not.toContain(sandbox.partHost);
  expect(haystack).not.toMatch(/X-Amz-(Signature|Credential|Security-Token)/i);
}

/** Every execution's history and outcome, as one text. */
export function allHistories(relay: LocalRelay): string {
  return JSON.stringify(
    relay.machine.list().map((e) => ({ history: e.history, output: e.output, cause: e.cause })),
  );
}

/** The histories and outcomes of the given executions only, as one text. */
export function historiesOf(executions: readonly LocalExecution[]): string {
  return JSON.stringify(
    executions.map((e) => ({ history: e.history, output: e.output, cause: e.cause })),
  );
}

/** The functions' log lines written from `from` (a length of `relay.logs` read earlier) on. */
export function logsSince(relay: LocalRelay, from: number): string {
  return relay.logs.slice(from).join("\n");
}
