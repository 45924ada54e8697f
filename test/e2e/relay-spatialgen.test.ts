/**
 * End to end on the embedded local stack, through the synthesized artefacts: a mixed
 * deployment where `spatialgen/` goes to the SpatialGen sandbox and every other key to the
 * TwelveLabs sandbox. Single videos, a stereo group from a manifest, refusals before any group
 * opens, and a failed upload whose group is left cancelled. Bytes are compared by MD5.
 */

import { randomBytes } from "node:crypto";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalRelay, startLocalRelay } from "../../local/local-relay.js";
import type { SpatialGenSandbox } from "../../local/spatialgen-sandbox/index.js";
import { md5 } from "../helpers/md5.js";
import { drop, expectDelivered, type Relayed } from "./relay-harness.js";

const MiB = 1024 * 1024;
const PART = 5 * MiB;

let relay: LocalRelay;
let sandbox: SpatialGenSandbox;

beforeAll(async () => {
  relay = await startLocalRelay({
    spatialgen: { partSize: PART },
    sandbox: { chunkSize: PART },
    context: {
      "relay:routes": JSON.stringify([
        { keyPrefix: "spatialgen/", provider: "spatialgen", perspective: "Regular" },
      ]),
    },
  });
  sandbox = relay.spatialgen as SpatialGenSandbox;
});

afterAll(async () => {
  await relay?.stop();
});

/** Puts an object without waiting for what it starts (a group's member files). */
async function put(key: string, body: Uint8Array): Promise<void> {
  await relay.stack.s3.client.send(
    new PutObjectCommand({ Bucket: relay.bucket, Key: key, Body: body }),
  );
}

/** The sandbox group the upload's record names, as the sandbox holds it. */
function groupOf(relayed: Relayed) {
  const group = sandbox.groups().find((g) => g.uploadSessionId === relayed.record.uploadId);
  if (!group) throw new Error(`no SpatialGen group ${relayed.record.uploadId}`);
  return group;
}

/** Asserts a SpatialGen upload completed with the group's libraryId as its asset. */
function expectCompleted(relayed: Relayed): void {
  const { execution, record } = relayed;
  expect(execution.status, `${execution.error}: ${execution.cause}`).toBe("SUCCEEDED");
  expect(record).toMatchObject({ status: "completed", provider: "spatialgen" });
  const group = groupOf(relayed);
  expect(group.status).toBe("completed");
  expect(record.assetId).toBe(group.libraryId);
  const event = relay.events.list.find(
    (e) => e.detailType === "Upload Completed" && e.detail.uploadKey === record.uploadKey,
  );
  expect(event?.detail).toMatchObject({ provider: "spatialgen", assetId: group.libraryId });
}

describe("the relay, end to end: SpatialGen beside TwelveLabs", () => {
  it("sends a small video as one single_put file of a 2D group named after its key", async () => {
    const body = randomBytes(3 * MiB);
    const relayed = await drop(relay, "spatialgen/trailer.mp4", body);
    expectCompleted(relayed);
    const group = groupOf(relayed);
    expect(group).toMatchObject({ videoName: "trailer", layout: "2D" });
    expect(group.files).toMatchObject([{ fileRole: "video", uploadStrategy: "single_put" }]);
    const stored = await sandbox.readFile(group.uploadSessionId, "video");
    expect(md5(stored)).toBe(md5(body));
  });

  it("sends a video of 21 parts by the sandbox's byte ranges, completed once", async () => {
    const body = randomBytes(20 * PART + 12_345);
    const completesBefore = sandbox.calls().complete ?? 0;
    const relayed = await drop(relay, "spatialgen/long/feature.mov", body);
    expectCompleted(relayed);
    const group = groupOf(relayed);
    expect(group.files).toMatchObject([{ uploadStrategy: "multipart", totalParts: 21 }]);
    expect(relayed.record.totalChunks).toBe(21);
    expect((sandbox.calls().complete ?? 0) - completesBefore).toBe(1);
    expect(md5(await sandbox.readFile(group.uploadSessionId, "video"))).toBe(md5(body));
  });

  it("takes layout and folder from the object's S3 user metadata over the route's", async () => {
    const body = randomBytes(MiB);
    const key = "spatialgen/sbs.mp4";
    const before = relay.machine.list().length;
    await relay.stack.s3.client.send(
      new PutObjectCommand({
        Bucket: relay.bucket,
        Key: key,
        Body: body,
        Metadata: { "relay-layout": "SBS", "relay-folder-name": "Shorts" },
      }),
    );
    await relay.delivered();
    const execution = relay.machine.list().slice(before)[0];
    await execution?.done;
    expect(execution?.status, execution?.cause).toBe("SUCCEEDED");
    const group = sandbox.groups().at(-1);
    expect(group).toMatchObject({ videoName: "sbs", layout: "SBS", status: "completed" });
  });

  it("relays a Separate group from its manifest: both eyes and a subtitle, one library entry", async () => {
    const left = randomBytes(2 * PART + 7);
    const right = randomBytes(2 * PART + 11);
    const subtitle = Buffer.from("1\n00:00:00,000 --> 00:00:01,000\nHello\n");
    const before = relay.machine.list().length;
    await put("spatialgen/concert.group/left.mov", left);
    await put("spatialgen/concert.group/right.mov", right);
    await put("spatialgen/concert.group/en.srt", subtitle);
    await relay.delivered();
    // The members' own executions end at once: their manifest relays them.
    const members = relay.machine.list().slice(before);
    expect(members).toHaveLength(3);
    for (const member of members) {
      await member.done;
      expect(member.status).toBe("SUCCEEDED");
      expect(member.output).toMatchObject({ next: "skip" });
      expect(JSON.stringify(member.history)).toContain('"Skipped"');
    }
    const groupsBefore = sandbox.groups().length;

    const manifest = {
      videoName: "Concert",
      layout: "Separate",
      perspective: "180",
      files: [
        { key: "left.mov", fileRole: "video_left" },
        { key: "right.mov", fileRole: "video_right" },
        { key: "en.srt", fileRole: "subtitle", languageTag: "en" },
      ],
    };
    const relayed = await drop(
      relay,
      "spatialgen/concert.group/manifest.json",
      Buffer.from(JSON.stringify(manifest)),
    );
    expectCompleted(relayed);
    expect(sandbox.groups()).toHaveLength(groupsBefore + 1);
    const group = groupOf(relayed);
    expect(group).toMatchObject({ videoName: "Concert", layout: "Separate" });
    expect(group.files.map((f) => [f.fileRole, f.status])).toEqual([
      ["video_left", "completed"],
      ["video_right", "completed"],
      ["subtitle", "completed"],
    ]);
    expect(relayed.record.totalChunks).toBe(3 + 3 + 1);
    expect(md5(await sandbox.readFile(group.uploadSessionId, "video_left"))).toBe(md5(left));
    expect(md5(await sandbox.readFile(group.uploadSessionId, "video_right"))).toBe(md5(right));
    expect(md5(await sandbox.readFile(group.uploadSessionId, "subtitle"))).toBe(md5(subtitle));
  });

  it("sends two prefixes to the two providers in one deployment, at the same time", async () => {
    const tl = randomBytes(2 * PART + 3);
    const sg = randomBytes(2 * PART + 5);
    const [toTwelveLabs, toSpatialGen] = await Promise.all([
      drop(relay, "videos/mixed.mp4", tl),
      drop(relay, "spatialgen/mixed.mp4", sg),
    ]);
    await expectDelivered(relay, toTwelveLabs, tl);
    expect(toTwelveLabs.record.provider).toBe("twelvelabs");
    expectCompleted(toSpatialGen);
    const group = groupOf(toSpatialGen);
    expect(md5(await sandbox.readFile(group.uploadSessionId, "video"))).toBe(md5(sg));
  });

  it.each([
    [
      "an extension the role does not allow",
      "spatialgen/notes.txt",
      "x",
      /fileName: extension ".txt" is not allowed for fileRole video/,
    ],
    [
      "a manifest naming a missing key",
      "spatialgen/missing.group/manifest.json",
      JSON.stringify({
        videoName: "Missing",
        layout: "2D",
        files: [{ key: "nowhere.mp4", fileRole: "video" }],
      }),
      /names 1 missing object\(s\): spatialgen\/missing\.group\/nowhere\.mp4/,
    ],
    [
      "a manifest breaking a layout rule",
      "spatialgen/concert.group/one-eye.json",
      JSON.stringify({
        videoName: "One eye",
        layout: "Separate",
        files: [{ key: "left.mov", fileRole: "video_left" }],
      }),
      /layout Separate needs exactly one video_right/,
    ],
    [
      "a manifest naming a file twice",
      "spatialgen/concert.group/twice.json",
      JSON.stringify({
        videoName: "Twice",
        layout: "Separate",
        files: [
          { key: "left.mov", fileRole: "video_left" },
          { key: "left.mov", fileRole: "video_right" },
        ],
      }),
      /names file left\.mov twice/,
    ],
    ["a manifest that is not JSON", "spatialgen/broken.json", "{", /is not JSON/],
  ])("rejects %s with a reason, opening no group", async (_, key, text, reason) => {
    const groupsBefore = sandbox.groups().length;
    const startsBefore = sandbox.calls().start ?? 0;
    const relayed = await drop(relay, key, Buffer.from(text));
    expect(relayed.execution.status).toBe("FAILED");
    expect(relayed.record.status).toBe("rejected");
    expect(relayed.record.error?.message).toMatch(reason);
    expect(sandbox.groups()).toHaveLength(groupsBefore);
    expect(sandbox.calls().start ?? 0).toBe(startsBefore);
    const failed = relay.events.list.find(
      (e) => e.detailType === "Upload Failed" && e.detail.uploadKey === relayed.record.uploadKey,
    );
    expect(failed?.detail).toMatchObject({ status: "rejected", provider: "spatialgen" });
    expect(String((failed?.detail as { reason?: string } | undefined)?.reason)).toMatch(reason);
  });

  it("a failed upload leaves its group cancelled, and says so in Upload Failed", async () => {
    // Every complete fails with a 500: the relay retries within its bounds, then gives up.
    sandbox.setFaults({ complete: { error500Rate: 1 } });
    try {
      const relayed = await drop(relay, "spatialgen/doomed.mp4", randomBytes(PART + 1));
      expect(relayed.execution.status).toBe("FAILED");
      expect(relayed.record.status).toBe("failed");
      expect(groupOf(relayed).status).toBe("canceled");
      const failed = relay.events.list.find(
        (e) => e.detailType === "Upload Failed" && e.detail.uploadKey === relayed.record.uploadKey,
      );
      expect(failed?.detail).toMatchObject({
        status: "failed",
        provider: "spatialgen",
        sessionCancelled: true,
      });
    } finally {
      sandbox.setFaults({});
    }
  });

  it("no history, output or log line carries the SpatialGen key or a part URL", () => {
    const text = JSON.stringify(
      relay.machine.list().map((e) => ({ history: e.history, output: e.output, cause: e.cause })),
    );
    const logs = relay.logs.join("\n");
    for (const haystack of [text, logs]) {
      expect(haystack).not.toContain(sandbox.apiKey);
      expect(haystack).not.toContain(sandbox.partHost);
      expect(haystack).not.toMatch(/X-Amz-(Signature|Credential)/i);
    }
  });
});
