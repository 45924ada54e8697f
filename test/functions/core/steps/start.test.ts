/**
 * The start step: an EventBridge S3 "Object Created" event in, one execution out, started
 * through the real `SFNClient` on the local Step Functions endpoint
 * (`local/step-functions/local-sfn-endpoint.ts`), which applies Step Functions' own rules to
 * execution names (validity, and one execution per name).
 */

import { SFNClient } from "@aws-sdk/client-sfn";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { InvalidInputError } from "../../../../functions/core/errors.js";
import { type StartDeps, start } from "../../../../functions/core/steps/start.js";
import type { ExecutionInput } from "../../../../functions/core/steps/step-inputs.js";
import { executionNameOf, uploadKeyOf } from "../../../../functions/core/upload-identity.js";
import {
  localFunctionArn,
  localStateMachineArn,
} from "../../../../local/step-functions/local-arns.js";
import {
  type LocalSfnEndpoint,
  startLocalSfnEndpoint,
} from "../../../../local/step-functions/local-sfn-endpoint.js";
import { LocalStateMachine } from "../../../../local/step-functions/local-state-machine.js";

const FN_ARN = localFunctionArn("AdmitFn");
const MACHINE_ARN = localStateMachineArn("Relay");

/** An S3 "Object Created" event as EventBridge delivers it to the start function. */
function objectCreated(
  object: { key: string; size?: number; etag?: string; "version-id"?: string; sequencer?: string },
  bucket = "drop",
): Record<string, unknown> {
  return {
    version: "0",
    id: "17793124-05d4-b198-2fde-7ededc63b103",
    "detail-type": "Object Created",
    source: "aws.s3",
    account: "123456789012",
    time: "2026-11-25T14:00:00Z",
    region: "us-east-1",
    resources: [`arn:aws:s3:::${bucket}`],
    detail: {
      version: "0",
      bucket: { name: bucket },
      object,
      "request-id": "N4N7GDK58NMKJ12R",
      requester: "123456789012",
      "source-ip-address": "1.2.3.4",
      reason: "PutObject",
    },
  };
}

const clip = {
  key: "videos/event.mp4",
  size: 5_000_000,
  etag: "b1946ac92492d2347c6235b4d2611184",
  sequencer: "0062E99A88DC407460",
};

/** Keys whose execution the Task holds until the test releases it. */
const held = new Map<string, Promise<void>>();
/** Holds the next execution for `key` in its Task; answers its release. */
function hold(key: string): () => void {
  let release: () => void = () => undefined;
  held.set(
    key,
    new Promise<void>((resolve) => {
      release = resolve;
    }),
  );
  return release;
}

let machine: LocalStateMachine;
let endpoint: LocalSfnEndpoint;
let deps: StartDeps;

/** Executions started since `before` (a count taken at the start of the test). */
const since = (before: number) => machine.list().slice(before);

beforeAll(async () => {
  // One Task that returns its input, held while the test says so.
  machine = new LocalStateMachine({
    definition: {
      StartAt: "Admit",
      States: { Admit: { Type: "Task", Resource: FN_ARN, End: true } },
    },
    functionsByArn: { [FN_ARN]: { logicalId: "AdmitFn", relayFunction: "admit", environment: {} } },
    handlers: {
      admit: async (input) => {
        await held.get((input as ExecutionInput).key);
        return input;
      },
    },
    stateMachineArn: MACHINE_ARN,
  });
  endpoint = await startLocalSfnEndpoint([{ arn: MACHINE_ARN, machine }]);
  deps = {
    sfn: new SFNClient({
      region: "us-east-1",
      endpoint: endpoint.endpoint,
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
    }),
    stateMachineArn: MACHINE_ARN,
  };
});

afterEach(async () => {
  await machine.waitForIdle();
});

afterAll(async () => {
  deps?.sfn.destroy();
  await endpoint?.stop();
});

describe("Function: start", () => {
  it("starts one execution, named after the file and the object version, with the execution input", async () => {
    const before = machine.list().length;
    const out = await start(objectCreated({ ...clip, key: "videos/clip.mp4" }), deps);

    const input: ExecutionInput = {
      bucket: "drop",
      key: "videos/clip.mp4",
      size: 5_000_000,
      etag: clip.etag,
      versionId: null,
      sequencer: clip.sequencer,
    };
    // The name ends with the upload key, so an operator finds the execution of an upload.
    expect(out).toEqual({ started: true, executionName: `clip-mp4-${uploadKeyOf(input)}` });
    expect(out.executionName).toBe(executionNameOf(input));
    const started = since(before);
    expect(started.map((e) => e.name)).toEqual([out.executionName]);
    expect(JSON.parse(started[0]?.inputJson ?? "null")).toEqual(input);
    await started[0]?.done;
    expect(started[0]?.status).toBe("SUCCEEDED");
  });

  it("starts nothing for a duplicate event once the first execution has ended: started false, the same name", async () => {
    const event = objectCreated({ ...clip, key: "videos/duplicate.mp4" });
    const before = machine.list().length;
    const first = await start(event, deps);
    await machine.waitForIdle();
    expect(machine.get(first.executionName).status).toBe("SUCCEEDED");

    const again = await start(event, deps);

    expect(again).toEqual({ started: false, executionName: first.executionName });
    expect(since(before)).toHaveLength(1);
  });

  it("starts no second execution for a duplicate event while the first still runs", async () => {
    const key = "videos/running.mp4";
    const release = hold(key);
    const event = objectCreated({ ...clip, key });
    const before = machine.list().length;
    const first = await start(event, deps);
    expect(machine.get(first.executionName).status).toBe("RUNNING");

    const again = await start(event, deps);

    // Step Functions answers a StartExecution with the same name and input as a running
    // execution with that execution, not an error, so `started` is not asserted here.
    expect(again.executionName).toBe(first.executionName);
    expect(since(before)).toHaveLength(1);
    release();
  });

  it("starts one execution per object version: a new version, or a rewrite of the key, is a new upload", async () => {
    const key = "videos/versions.mp4";
    const before = machine.list().length;
    const outs = [];
    outs.push(await start(objectCreated({ ...clip, key, "version-id": "v1" }), deps));
    outs.push(await start(objectCreated({ ...clip, key, "version-id": "v2" }), deps));
    // Unversioned: the key written again with other bytes (new ETag, later sequencer).
    const rewritten = { etag: "0cc175b9c0f1b6a831c399e269772661", sequencer: "0062E99A88DC407461" };
    outs.push(await start(objectCreated({ ...clip, key, ...rewritten }), deps));
    // Unversioned, identical bytes written twice: only the sequencer tells them apart.
    outs.push(await start(objectCreated({ ...clip, key, sequencer: "0062E99A88DC407462" }), deps));
    outs.push(await start(objectCreated({ ...clip, key }), deps));

    expect(outs.every((o) => o.started)).toBe(true);
    expect(new Set(outs.map((o) => o.executionName)).size).toBe(5);
    expect(since(before).map((e) => e.name)).toEqual(outs.map((o) => o.executionName));
    const second = machine.get(outs[1]?.executionName ?? "");
    expect(JSON.parse(second.inputJson)).toMatchObject({ key, versionId: "v2" });
  });

  it("unquotes the ETag, so the object named with or without quotes is one upload", async () => {
    const key = "videos/quoted.mp4";
    const quoted = await start(objectCreated({ ...clip, key, etag: `"${clip.etag}"` }), deps);
    expect(JSON.parse(machine.get(quoted.executionName).inputJson)).toMatchObject({
      etag: clip.etag,
    });
    await machine.waitForIdle();

    const plain = await start(objectCreated({ ...clip, key }), deps);
    expect(plain).toEqual({ started: false, executionName: quoted.executionName });
  });

  it("fills the fields an event may lack: size 0, etag and sequencer empty, versionId null", async () => {
    const out = await start(objectCreated({ key: "a.mov" }), deps);
    expect(JSON.parse(machine.get(out.executionName).inputJson)).toEqual({
      bucket: "drop",
      key: "a.mov",
      size: 0,
      etag: "",
      versionId: null,
      sequencer: "",
    });
  });

  it.each([
    [
      "spaces, brackets and non-ASCII",
      "videos/My Holiday (2024) – part 1.mov",
      /^My-Holiday-2024-part-1-mov-[0-9a-f]{32}$/,
    ],
    [
      "a very long file name",
      `clips/${"a".repeat(200)}.mp4`,
      new RegExp(`^${"a".repeat(40)}-[0-9a-f]{32}$`),
    ],
    ["no readable character", "videos/$$$.%%%", /^[0-9a-f]{32}$/],
    ["a trailing slash", "videos/folder/", /^[0-9a-f]{32}$/],
  ])("gives a key with %s a name Step Functions accepts", async (_, key, name) => {
    const out = await start(objectCreated({ ...clip, key }), deps);
    expect(out.started).toBe(true);
    expect(out.executionName).toMatch(name);
    expect(out.executionName.length).toBeLessThanOrEqual(80);
    expect(JSON.parse(machine.get(out.executionName).inputJson)).toMatchObject({ key });
  });

  it.each([
    ["an object deleted event", { ...objectCreated(clip), "detail-type": "Object Deleted" }],
    ["an event from another source", { ...objectCreated(clip), source: "relay" }],
    ["an event without an object key", objectCreated({ ...clip, key: "" })],
    ["an event without a bucket name", objectCreated(clip, "")],
    ["a negative size", objectCreated({ ...clip, size: -1 })],
    ["a fractional size", objectCreated({ ...clip, size: 1.5 })],
    ["no detail", { "detail-type": "Object Created", source: "aws.s3" }],
    [
      "an S3 notification record instead of an EventBridge event",
      { Records: [{ eventName: "ObjectCreated:Put" }] },
    ],
    ["null", null],
  ])("refuses %s with InvalidInputError and starts nothing", async (_, event) => {
    const before = machine.list().length;
    const error = await start(event, deps).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error).toMatchObject({ name: "InvalidInputError", code: "RELAY_INVALID_INPUT" });
    expect((error as Error).message).toMatch(/^start: bad input: /);
    expect(since(before)).toEqual([]);
  });

  it("lets any other StartExecution failure through with its AWS name (an unknown state machine)", async () => {
    const before = machine.list().length;
    const stateMachineArn = localStateMachineArn("Gone");
    const error = await start(objectCreated({ ...clip, key: "videos/nowhere.mp4" }), {
      ...deps,
      stateMachineArn,
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "StateMachineDoesNotExist" });
    expect((error as Error).message).toContain(stateMachineArn);
    expect(since(before)).toEqual([]);
  });
});
