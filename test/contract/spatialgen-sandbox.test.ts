import { randomBytes } from "node:crypto";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SPATIALGEN_LIMITS } from "../../functions/core/config/limits.js";
import type { StartGroupBody } from "../../functions/core/providers/spatialgen/spatialgen-requests.js";
import { type LocalStack, startLocalStack } from "../../local/local-stack.js";
import {
  type SpatialGenSandbox,
  type SpatialGenSandboxOptions,
  startSpatialGenSandbox,
} from "../../local/spatialgen-sandbox/index.js";
import {
  ANSWERS,
  callApi,
  expectApi,
  expectRefusal,
  filePath,
  md5,
  putPart,
  startGroup,
} from "./spatialgen-http.js";

const KiB = 1024;
const DAY_MS = 24 * 3600 * 1000;
const BUCKET = "spatialgen-contract";

let stack: LocalStack;
/** 1 KiB parts: files above 1 KiB are multipart, so a 26-part file is 26 KiB. */
let sandbox: SpatialGenSandbox;

/** A sandbox of its own (for tests that move its clock), stopped after the file. */
const owned: SpatialGenSandbox[] = [];
async function ownSandbox(options: Partial<SpatialGenSandboxOptions> = {}) {
  const started = await startSpatialGenSandbox({
    s3: stack.s3.client,
    s3Endpoint: stack.s3.endpoint,
    bucket: BUCKET,
    partSize: KiB,
    minPartSize: KiB,
    ...options,
  });
  owned.push(started);
  return started;
}

beforeAll(async () => {
  stack = await startLocalStack();
  sandbox = await startSpatialGenSandbox({
    s3: stack.s3.client,
    s3Endpoint: stack.s3.endpoint,
    bucket: BUCKET,
    partSize: KiB,
    minPartSize: KiB,
  });
});

afterAll(async () => {
  await Promise.all(owned.map((s) => s.stop()));
  await sandbox?.stop();
  await stack?.stop();
});

/** A one-file 2D group holding `fileName` of `size` bytes. */
function oneVideo(size: number, fileName = "clip.mp4"): StartGroupBody {
  return {
    videoName: "clip",
    layout: "2D",
    files: [{ fileName, fileRole: "video", sizeBytes: size }],
  };
}

/** The only file of a started group. */
function onlyFile<F>(group: { files: F[] }): F {
  const [file] = group.files;
  if (!file) throw new Error("the group has no file");
  return file;
}

/** Fetches URLs for `body`, PUTs each part's slice of `source`; answers `{partNumber, etag}`s. */
async function uploadParts(
  target: SpatialGenSandbox,
  group: string,
  file: string,
  source: Buffer,
  body: unknown,
) {
  const answer = await expectApi(
    target,
    "partUrls",
    "POST",
    filePath(group, file, "part-urls"),
    200,
    body,
  );
  const done: { partNumber: number; etag: string }[] = [];
  for (const part of answer.parts) {
    const bytes = source.subarray(part.byteStart, part.byteEnd + 1);
    expect(bytes.length).toBe(part.sizeBytes);
    const put = await putPart(part.url, bytes);
    expect(put.status).toBe(200);
    expect(put.etag).toBe(`"${md5(bytes)}"`);
    done.push({ partNumber: part.partNumber, etag: put.etag ?? "" });
  }
  return { answer, done };
}

describe("SpatialGen sandbox: happy paths", () => {
  it("uploads a single_put file with one PutObject URL and completes it without a parts list", async () => {
    const source = randomBytes(KiB);
    const group = await startGroup(sandbox, oneVideo(source.length));
    const file = onlyFile(group);
    expect(file).toMatchObject({
      fileRole: "video",
      fileName: "clip.mp4",
      totalBytes: KiB,
      partSizeBytes: KiB,
      totalParts: 1,
      uploadStrategy: "single_put",
    });

    const { answer } = await uploadParts(sandbox, group.uploadSessionId, file.uploadId, source, {});
    expect(answer.parts).toHaveLength(1);
    // Compared without the URL: a presigned URL is a secret, never printed by a failure.
    expect(answer.parts.map((p) => [p.partNumber, p.byteStart, p.byteEnd])).toEqual([
      [1, 0, KiB - 1],
    ]);
    const url = new URL(answer.parts[0]?.url ?? "");
    expect(url.host).toBe(sandbox.partHost);
    expect(url.searchParams.has("uploadId")).toBe(false);
    expect(url.searchParams.get("X-Amz-SignedHeaders")).toBe("host");
    expect(Date.parse(answer.parts[0]?.expiresAt ?? "") - sandbox.now()).toBeLessThanOrEqual(
      SPATIALGEN_LIMITS.urlLifetimeSeconds * 1000,
    );

    const done = await expectApi(
      sandbox,
      "complete",
      "POST",
      filePath(group.uploadSessionId, file.uploadId, "complete"),
      200,
    );
    expect(done.status).toBe("completed");
    expect(done.libraryId).toEqual(expect.any(String));
    expect(md5(await sandbox.readFile(group.uploadSessionId, "video"))).toBe(md5(source));
    const pieces: Buffer[] = [];
    for await (const piece of await sandbox.fileStream(group.uploadSessionId, "video")) {
      pieces.push(piece as Buffer);
    }
    expect(md5(Buffer.concat(pieces))).toBe(md5(source));
  });

  it("uploads a 26-part file in startPartNumber/count windows and completes it, safely twice", async () => {
    const source = randomBytes(25 * KiB + 17);
    const group = await startGroup(sandbox, oneVideo(source.length, "long.mov"));
    const file = onlyFile(group);
    expect(file).toMatchObject({ totalParts: 26, partSizeBytes: KiB, uploadStrategy: "multipart" });

    const parts: { partNumber: number; etag: string }[] = [];
    const ranges: [number, number, number][] = [];
    for (const [start, count] of [
      [1, 10],
      [11, 10],
      [21, 6],
    ] as const) {
      const { answer, done } = await uploadParts(
        sandbox,
        group.uploadSessionId,
        file.uploadId,
        source,
        { startPartNumber: start, count },
      );
      for (const part of answer.parts) {
        ranges.push([part.partNumber, part.byteStart, part.byteEnd]);
        const url = new URL(part.url);
        expect(url.searchParams.get("partNumber")).toBe(String(part.partNumber));
        expect(url.searchParams.has("uploadId")).toBe(true);
      }
      parts.push(...done);
    }
    // Consecutive inclusive ranges covering every byte; the last part is the 17 trailing bytes.
    expect(ranges).toEqual(
      Array.from({ length: 26 }, (_, i) => [
        i + 1,
        i * KiB,
        Math.min((i + 1) * KiB, source.length) - 1,
      ]),
    );
    expect(ranges[25]).toEqual([26, 25 * KiB, 25 * KiB + 16]);

    // Quoted and unquoted ETags both name the part.
    const body = {
      parts: parts.map((p, i) => (i % 2 === 0 ? p : { ...p, etag: p.etag.replaceAll('"', "") })),
    };
    const path = filePath(group.uploadSessionId, file.uploadId, "complete");
    const first = await expectApi(sandbox, "complete", "POST", path, 200, body);
    expect(first.libraryId).toEqual(expect.any(String));
    expect(first.status).toBe("completed");
    const again = await expectApi(sandbox, "complete", "POST", path, 200, body);
    expect(again).toEqual(first);
    expect(md5(await sandbox.readFile(group.uploadSessionId, file.uploadId))).toBe(md5(source));
  });

  it("gives URLs for explicit partNumbers, with each part's inclusive byte range", async () => {
    const source = randomBytes(5 * KiB + 3);
    const group = await startGroup(sandbox, oneVideo(source.length));
    const file = onlyFile(group);
    const { answer } = await uploadParts(sandbox, group.uploadSessionId, file.uploadId, source, {
      partNumbers: [6, 2],
    });
    expect(answer.parts.map((p) => [p.partNumber, p.byteStart, p.byteEnd, p.sizeBytes])).toEqual([
      [6, 5 * KiB, 5 * KiB + 2, 3],
      [2, KiB, 2 * KiB - 1, KiB],
    ]);
    // Asking again for the same part gives a fresh URL; a re-PUT replaces the stored part.
    const rest = await uploadParts(sandbox, group.uploadSessionId, file.uploadId, source, {
      partNumbers: [1, 3, 4, 5, 2],
    });
    const firstRound = await uploadParts(sandbox, group.uploadSessionId, file.uploadId, source, {
      partNumbers: [6],
    });
    const done = await expectApi(
      sandbox,
      "complete",
      "POST",
      filePath(group.uploadSessionId, file.uploadId, "complete"),
      200,
      { parts: [...rest.done, ...firstRound.done] },
    );
    expect(done.status).toBe("completed");
    expect(md5(await sandbox.readFile(group.uploadSessionId, "video"))).toBe(md5(source));
  });

  it("gives a Separate group its libraryId only when both eyes are complete", async () => {
    const left = randomBytes(3 * KiB);
    const right = randomBytes(2 * KiB + 1);
    const group = await startGroup(sandbox, {
      videoName: "stereo",
      layout: "Separate",
      perspective: "180",
      folderName: "trips",
      files: [
        { fileName: "left.mov", fileRole: "video_left", sizeBytes: left.length },
        { fileName: "right.mp4", fileRole: "video_right", sizeBytes: right.length },
      ],
    });
    const [l, r] = group.files;
    if (!l || !r) throw new Error("two files expected");
    const leftParts = await uploadParts(sandbox, group.uploadSessionId, l.uploadId, left, {});
    const rightParts = await uploadParts(sandbox, group.uploadSessionId, r.uploadId, right, {});

    const leftPath = filePath(group.uploadSessionId, l.uploadId, "complete");
    const leftDone = await expectApi(sandbox, "complete", "POST", leftPath, 200, {
      parts: leftParts.done,
    });
    expect(leftDone.libraryId).toBeNull();
    expect(sandbox.groups().find((g) => g.uploadSessionId === group.uploadSessionId)).toMatchObject(
      { status: "uploading", libraryId: null },
    );

    const rightDone = await expectApi(
      sandbox,
      "complete",
      "POST",
      filePath(group.uploadSessionId, r.uploadId, "complete"),
      200,
      { parts: rightParts.done },
    );
    expect(rightDone.libraryId).toEqual(expect.any(String));
    // A repeat of the first eye's complete now carries the group's libraryId.
    const leftAgain = await expectApi(sandbox, "complete", "POST", leftPath, 200, {
      parts: leftParts.done,
    });
    expect(leftAgain.libraryId).toBe(rightDone.libraryId);
    expect(sandbox.groups().find((g) => g.uploadSessionId === group.uploadSessionId)).toMatchObject(
      { status: "completed", libraryId: rightDone.libraryId, layout: "Separate" },
    );
    expect(md5(await sandbox.readFile(group.uploadSessionId, "video_left"))).toBe(md5(left));
    expect(md5(await sandbox.readFile(group.uploadSessionId, "right.mp4"))).toBe(md5(right));
  });

  it("answers concurrent completes alike, and gives the libraryId to exactly one of two eyes completed at once", async () => {
    const left = randomBytes(2 * KiB + 5);
    const right = randomBytes(3 * KiB);
    const group = await startGroup(sandbox, {
      videoName: "race",
      layout: "Separate",
      files: [
        { fileName: "l.mp4", fileRole: "video_left", sizeBytes: left.length },
        { fileName: "r.mp4", fileRole: "video_right", sizeBytes: right.length },
      ],
    });
    const [l, r] = group.files;
    if (!l || !r) throw new Error("two files expected");
    const leftParts = await uploadParts(sandbox, group.uploadSessionId, l.uploadId, left, {});
    const rightParts = await uploadParts(sandbox, group.uploadSessionId, r.uploadId, right, {});
    const leftPath = filePath(group.uploadSessionId, l.uploadId, "complete");
    const rightPath = filePath(group.uploadSessionId, r.uploadId, "complete");

    const [left1, left2, right1] = await Promise.all([
      expectApi(sandbox, "complete", "POST", leftPath, 200, { parts: leftParts.done }),
      expectApi(sandbox, "complete", "POST", leftPath, 200, { parts: leftParts.done }),
      expectApi(sandbox, "complete", "POST", rightPath, 200, { parts: rightParts.done }),
    ]);
    expect(left2).toEqual(left1);
    const ids = [left1.libraryId, right1.libraryId].filter((id) => id !== null);
    expect(ids).toHaveLength(1);
    const summary = sandbox.groups().find((g) => g.uploadSessionId === group.uploadSessionId);
    expect(summary?.libraryId).toBe(ids[0]);
    expect(md5(await sandbox.readFile(group.uploadSessionId, "video_left"))).toBe(md5(left));
    expect(md5(await sandbox.readFile(group.uploadSessionId, "video_right"))).toBe(md5(right));
  });

  it("accepts the documented optional files: audio and subtitle with language tags, AIV pairs", async () => {
    const groups: StartGroupBody[] = [
      {
        videoName: "tracks",
        layout: "MVHEVC",
        description: "two tracks",
        files: [
          { fileName: "v.mov", fileRole: "video", sizeBytes: 10 },
          { fileName: "en.m4a", fileRole: "audio", sizeBytes: 10, languageTag: "en" },
          { fileName: "pt.mp4", fileRole: "audio", sizeBytes: 10, languageTag: "pt-BR" },
          { fileName: "en.srt", fileRole: "subtitle", sizeBytes: 10, languageTag: "en-US" },
        ],
      },
      {
        videoName: "immersive",
        layout: "AIV",
        perspective: "180",
        files: [{ fileName: "v.AIVU", fileRole: "video", sizeBytes: 10 }],
      },
      {
        videoName: "immersive pair",
        layout: "AIV",
        perspective: "180",
        files: [
          { fileName: "v.mp4", fileRole: "video", sizeBytes: 10 },
          { fileName: "m.aime", fileRole: "aime", sizeBytes: 10 },
          { fileName: "p.zip", fileRole: "fcpxmld", sizeBytes: 10 },
        ],
      },
    ];
    for (const body of groups) {
      const group = await startGroup(sandbox, body);
      expect(group.files.map((f) => f.fileName)).toEqual(body.files.map((f) => f.fileName));
    }
  });

  it("cancels a group: aborts its S3 uploads, refuses later calls with 409, and repeats safely", async () => {
    const source = randomBytes(3 * KiB);
    const group = await startGroup(sandbox, {
      videoName: "to cancel",
      layout: "2D",
      files: [
        { fileName: "v.mp4", fileRole: "video", sizeBytes: source.length },
        { fileName: "en.srt", fileRole: "subtitle", sizeBytes: 5, languageTag: "en" },
      ],
    });
    const [video, subtitle] = group.files;
    if (!video || !subtitle) throw new Error("two files expected");
    const { answer } = await uploadParts(sandbox, group.uploadSessionId, video.uploadId, source, {
      partNumbers: [1],
    });
    const subtitleBytes = Buffer.from("1\nhi\n");
    const sub = await uploadParts(
      sandbox,
      group.uploadSessionId,
      subtitle.uploadId,
      subtitleBytes,
      {},
    );
    await expectApi(
      sandbox,
      "complete",
      "POST",
      filePath(group.uploadSessionId, subtitle.uploadId, "complete"),
      200,
      { parts: sub.done },
    );

    const canceled = await expectApi(sandbox, "cancel", "DELETE", `/${group.uploadSessionId}`, 200);
    expect(canceled).toMatchObject({
      sessionId: group.uploadSessionId,
      status: "canceled",
      fileCount: 2,
      canceledFileCount: 1,
    });
    const repeat = await expectApi(sandbox, "cancel", "DELETE", `/${group.uploadSessionId}`, 200);
    expect(repeat).toEqual(canceled);

    const summary = sandbox.groups().find((g) => g.uploadSessionId === group.uploadSessionId);
    expect(summary?.status).toBe("canceled");
    expect(summary?.files.map((f) => f.status)).toEqual(["canceled", "completed"]);

    const partUrls = await callApi(
      sandbox,
      "POST",
      filePath(group.uploadSessionId, video.uploadId, "part-urls"),
      { body: {} },
    );
    expectRefusal(partUrls, 409, "upload_canceled", group.uploadSessionId);
    const complete = await callApi(
      sandbox,
      "POST",
      filePath(group.uploadSessionId, video.uploadId, "complete"),
      { body: { parts: [] } },
    );
    expectRefusal(complete, 409, "upload_canceled", group.uploadSessionId);
    const put = await putPart(answer.parts[0]?.url ?? "", source.subarray(0, KiB));
    expect(put.status).toBe(403);
    expect(put.body).toContain("canceled");
  });
});

describe("SpatialGen sandbox: refusals of start", () => {
  const video = { fileName: "v.mp4", fileRole: "video", sizeBytes: 10 };
  const cases: { name: string; body: unknown; field: string }[] = [
    { name: "no videoName", body: { layout: "2D", files: [video] }, field: "videoName" },
    {
      name: "empty videoName",
      body: { videoName: "", layout: "2D", files: [video] },
      field: "videoName",
    },
    {
      name: "unknown layout",
      body: { videoName: "v", layout: "3D", files: [video] },
      field: "layout",
    },
    {
      name: "unknown perspective",
      body: { videoName: "v", layout: "2D", perspective: "90", files: [video] },
      field: "perspective",
    },
    { name: "no files", body: { videoName: "v", layout: "2D", files: [] }, field: "files" },
    {
      name: "unknown fileRole",
      body: { videoName: "v", layout: "2D", files: [{ ...video, fileRole: "thumbnail" }] },
      field: "files.0.fileRole",
    },
    {
      name: "sizeBytes 0",
      body: { videoName: "v", layout: "2D", files: [{ ...video, sizeBytes: 0 }] },
      field: "files.0.sizeBytes",
    },
    {
      name: "empty fileName",
      body: { videoName: "v", layout: "2D", files: [{ ...video, fileName: "" }] },
      field: "files.0.fileName",
    },
    {
      name: "video extension not allowed",
      body: { videoName: "v", layout: "2D", files: [{ ...video, fileName: "v.avi" }] },
      field: "files.0.fileName",
    },
    {
      name: "video_left as .aivu",
      body: {
        videoName: "v",
        layout: "Separate",
        files: [
          { fileName: "l.aivu", fileRole: "video_left", sizeBytes: 10 },
          { fileName: "r.mov", fileRole: "video_right", sizeBytes: 10 },
        ],
      },
      field: "files.0.fileName",
    },
    {
      name: "audio as .mp3",
      body: {
        videoName: "v",
        layout: "2D",
        files: [video, { fileName: "a.mp3", fileRole: "audio", sizeBytes: 10, languageTag: "en" }],
      },
      field: "files.1.fileName",
    },
    {
      name: "subtitle as .vtt",
      body: {
        videoName: "v",
        layout: "2D",
        files: [
          video,
          { fileName: "s.vtt", fileRole: "subtitle", sizeBytes: 10, languageTag: "en" },
        ],
      },
      field: "files.1.fileName",
    },
    {
      name: "aime not .aime",
      body: {
        videoName: "v",
        layout: "2D",
        files: [video, { fileName: "m.json", fileRole: "aime", sizeBytes: 10 }],
      },
      field: "files.1.fileName",
    },
    {
      name: "fcpxmld not .zip",
      body: {
        videoName: "v",
        layout: "2D",
        files: [video, { fileName: "p.xml", fileRole: "fcpxmld", sizeBytes: 10 }],
      },
      field: "files.1.fileName",
    },
    {
      name: "audio without languageTag",
      body: {
        videoName: "v",
        layout: "2D",
        files: [video, { fileName: "a.m4a", fileRole: "audio", sizeBytes: 10 }],
      },
      field: "files.1.languageTag",
    },
    {
      name: "subtitle without languageTag",
      body: {
        videoName: "v",
        layout: "2D",
        files: [video, { fileName: "s.srt", fileRole: "subtitle", sizeBytes: 10 }],
      },
      field: "files.1.languageTag",
    },
    {
      name: "languageTag on a video",
      body: { videoName: "v", layout: "2D", files: [{ ...video, languageTag: "en" }] },
      field: "files.0.languageTag",
    },
    {
      name: "malformed languageTag",
      body: {
        videoName: "v",
        layout: "2D",
        files: [
          video,
          { fileName: "a.m4a", fileRole: "audio", sizeBytes: 10, languageTag: "english!" },
        ],
      },
      field: "files.1.languageTag",
    },
    {
      name: "the same fileName twice",
      body: {
        videoName: "v",
        layout: "2D",
        files: [
          video,
          { fileName: "t.srt", fileRole: "subtitle", sizeBytes: 10, languageTag: "en" },
          { fileName: "t.srt", fileRole: "subtitle", sizeBytes: 10, languageTag: "fr" },
        ],
      },
      field: "files.2.fileName",
    },
    {
      name: "2D without a video",
      body: {
        videoName: "v",
        layout: "2D",
        files: [{ fileName: "a.m4a", fileRole: "audio", sizeBytes: 10, languageTag: "en" }],
      },
      field: "files",
    },
    {
      name: "2D with two videos",
      body: { videoName: "v", layout: "2D", files: [video, { ...video, fileName: "w.mov" }] },
      field: "files.1.fileRole",
    },
    {
      name: "SBS with an eye file",
      body: {
        videoName: "v",
        layout: "SBS",
        files: [video, { fileName: "l.mp4", fileRole: "video_left", sizeBytes: 10 }],
      },
      field: "files.1.fileRole",
    },
    {
      name: "Separate with a video",
      body: {
        videoName: "v",
        layout: "Separate",
        files: [
          { fileName: "l.mp4", fileRole: "video_left", sizeBytes: 10 },
          { fileName: "r.mp4", fileRole: "video_right", sizeBytes: 10 },
          video,
        ],
      },
      field: "files.2.fileRole",
    },
    {
      name: "Separate without video_right",
      body: {
        videoName: "v",
        layout: "Separate",
        files: [{ fileName: "l.mp4", fileRole: "video_left", sizeBytes: 10 }],
      },
      field: "video_right",
    },
    {
      name: "Separate with two video_left",
      body: {
        videoName: "v",
        layout: "Separate",
        files: [
          { fileName: "l.mp4", fileRole: "video_left", sizeBytes: 10 },
          { fileName: "l2.mp4", fileRole: "video_left", sizeBytes: 10 },
          { fileName: "r.mp4", fileRole: "video_right", sizeBytes: 10 },
        ],
      },
      field: "files.1.fileRole",
    },
    {
      name: "AIV without perspective 180",
      body: {
        videoName: "v",
        layout: "AIV",
        perspective: "360",
        files: [{ ...video, fileName: "v.aivu" }],
      },
      field: "perspective",
    },
    {
      name: "AIV with neither a .aivu video nor an aime + fcpxmld pair",
      body: {
        videoName: "v",
        layout: "AIV",
        perspective: "180",
        files: [video, { fileName: "m.aime", fileRole: "aime", sizeBytes: 10 }],
      },
      field: "files",
    },
    {
      name: "two aime files",
      body: {
        videoName: "v",
        layout: "2D",
        files: [
          video,
          { fileName: "m.aime", fileRole: "aime", sizeBytes: 10 },
          { fileName: "n.aime", fileRole: "aime", sizeBytes: 10 },
        ],
      },
      field: "files.2.fileRole",
    },
    {
      name: "two fcpxmld files",
      body: {
        videoName: "v",
        layout: "2D",
        files: [
          video,
          { fileName: "p.zip", fileRole: "fcpxmld", sizeBytes: 10 },
          { fileName: "q.zip", fileRole: "fcpxmld", sizeBytes: 10 },
        ],
      },
      field: "files.2.fileRole",
    },
    { name: "no body", body: undefined, field: "body" },
  ];

  it.each(cases)("refuses $name with 400 naming $field", async ({ body, field }) => {
    const before = sandbox.groups().length;
    const result = await callApi(sandbox, "POST", "", { body });
    expectRefusal(result, 400, "parameter_invalid", `${field}`);
    expect(sandbox.groups()).toHaveLength(before);
  });

  it("refuses a body that is not JSON with 400 naming the body", async () => {
    const result = await callApi(sandbox, "POST", "", { rawBody: "{nope" });
    expectRefusal(result, 400, "parameter_invalid", "body");
  });
});

describe("SpatialGen sandbox: refusals of the key, the ids and the routes", () => {
  it("refuses a missing or wrong X-SPATIALGEN-APPKEY with 403 on every endpoint", async () => {
    const group = await startGroup(sandbox, oneVideo(10));
    const file = onlyFile(group);
    const calls: ["POST" | "DELETE", string, unknown][] = [
      ["POST", "", oneVideo(10)],
      ["POST", filePath(group.uploadSessionId, file.uploadId, "part-urls"), {}],
      ["POST", filePath(group.uploadSessionId, file.uploadId, "complete"), {}],
      ["DELETE", `/${group.uploadSessionId}`, undefined],
    ];
    for (const [method, path, body] of calls) {
      for (const key of [null, "sg_wrong", `${sandbox.apiKey}x`]) {
        const result = await callApi(sandbox, method, path, { body, key });
        expectRefusal(result, 403, "api_key_invalid", "X-SPATIALGEN-APPKEY");
      }
    }
    expect(sandbox.groups().find((g) => g.uploadSessionId === group.uploadSessionId)?.status).toBe(
      "uploading",
    );
  });

  it("answers 404 naming the id for an unknown group or file", async () => {
    const group = await startGroup(sandbox, oneVideo(10));
    const file = onlyFile(group);
    const unknown = "00000000-0000-4000-8000-000000000000";
    for (const action of ["part-urls", "complete"] as const) {
      const noGroup = await callApi(sandbox, "POST", filePath(unknown, file.uploadId, action), {
        body: {},
      });
      expectRefusal(noGroup, 404, "not_found", unknown);
      const noFile = await callApi(
        sandbox,
        "POST",
        filePath(group.uploadSessionId, unknown, action),
        {
          body: {},
        },
      );
      expectRefusal(noFile, 404, "not_found", unknown);
    }
    expectRefusal(await callApi(sandbox, "DELETE", `/${unknown}`), 404, "not_found", unknown);
  });

  it("answers 404 for an unknown route and 405 for a wrong method", async () => {
    const group = await startGroup(sandbox, oneVideo(10));
    const file = onlyFile(group);
    expectRefusal(
      await callApi(sandbox, "POST", `/${group.uploadSessionId}/files`),
      404,
      "not_found",
      "route",
    );
    expectRefusal(
      await callApi(sandbox, "POST", `/${group.uploadSessionId}/files/${file.uploadId}/status`),
      404,
      "not_found",
      "route",
    );
    expectRefusal(await callApi(sandbox, "GET", ""), 405, "method_not_allowed", "GET");
    expectRefusal(
      await callApi(sandbox, "POST", `/${group.uploadSessionId}`),
      405,
      "method_not_allowed",
      "POST",
    );
  });
});

describe("SpatialGen sandbox: refusals of part-urls", () => {
  const cases: { name: string; body: unknown; field: string }[] = [
    { name: "both styles", body: { partNumbers: [1], startPartNumber: 1 }, field: "partNumbers" },
    { name: "partNumbers and count", body: { partNumbers: [1], count: 2 }, field: "partNumbers" },
    { name: "empty partNumbers", body: { partNumbers: [] }, field: "partNumbers" },
    { name: "part number 0", body: { partNumbers: [0] }, field: "partNumbers.0" },
    { name: "a part asked for twice", body: { partNumbers: [2, 2] }, field: "partNumbers.1" },
    { name: "a fractional part number", body: { partNumbers: [1.5] }, field: "partNumbers.0" },
    { name: "partNumbers not an array", body: { partNumbers: "1" }, field: "partNumbers" },
    { name: "a part beyond totalParts", body: { partNumbers: [1, 4] }, field: "partNumbers.1" },
    { name: "startPartNumber 0", body: { startPartNumber: 0, count: 1 }, field: "startPartNumber" },
    { name: "count 0", body: { startPartNumber: 1, count: 0 }, field: "count" },
    {
      name: "count above 10,000",
      body: { startPartNumber: 1, count: SPATIALGEN_LIMITS.maxUrlsPerCall + 1 },
      field: "count",
    },
    {
      name: "startPartNumber beyond totalParts",
      body: { startPartNumber: 4 },
      field: "startPartNumber",
    },
    { name: "a window past totalParts", body: { startPartNumber: 2, count: 3 }, field: "count" },
  ];

  it.each(cases)("refuses $name with 400 naming $field", async ({ body, field }) => {
    const group = await startGroup(sandbox, oneVideo(3 * KiB));
    const file = onlyFile(group);
    expect(file.totalParts).toBe(3);
    const result = await callApi(
      sandbox,
      "POST",
      filePath(group.uploadSessionId, file.uploadId, "part-urls"),
      {
        body,
      },
    );
    expectRefusal(result, 400, "parameter_invalid", field);
  });

  it("refuses URLs for a completed file with 409", async () => {
    const source = randomBytes(10);
    const group = await startGroup(sandbox, oneVideo(source.length));
    const file = onlyFile(group);
    await uploadParts(sandbox, group.uploadSessionId, file.uploadId, source, {});
    await expectApi(
      sandbox,
      "complete",
      "POST",
      filePath(group.uploadSessionId, file.uploadId, "complete"),
      200,
    );
    const result = await callApi(
      sandbox,
      "POST",
      filePath(group.uploadSessionId, file.uploadId, "part-urls"),
      {
        body: {},
      },
    );
    expectRefusal(result, 409, "file_completed", file.uploadId);
  });
});

describe("SpatialGen sandbox: refusals of complete", () => {
  /** A started 3-part file with parts 1 and 2 uploaded (part 3 not). */
  async function partly() {
    const source = randomBytes(2 * KiB + 100);
    const group = await startGroup(sandbox, oneVideo(source.length));
    const file = onlyFile(group);
    const { done } = await uploadParts(sandbox, group.uploadSessionId, file.uploadId, source, {
      partNumbers: [1, 2],
    });
    const path = filePath(group.uploadSessionId, file.uploadId, "complete");
    return { source, group, file, done, path };
  }

  it("refuses a multipart complete without a parts list, naming parts", async () => {
    const { path } = await partly();
    expectRefusal(
      await callApi(sandbox, "POST", path),
      400,
      "parameter_invalid",
      "parts: required",
    );
  });

  it("refuses a list that leaves out a part, naming the missing part", async () => {
    const { path, done } = await partly();
    const message = expectRefusal(
      await callApi(sandbox, "POST", path, { body: { parts: done } }),
      400,
      "parameter_invalid",
      "parts: 1 part(s) missing (3)",
    );
    expect(message).not.toContain("parts.0");
  });

  it("refuses a part never uploaded, naming its entry", async () => {
    const { path, done } = await partly();
    const result = await callApi(sandbox, "POST", path, {
      body: { parts: [...done, { partNumber: 3, etag: '"0123456789abcdef0123456789abcdef"' }] },
    });
    expectRefusal(result, 400, "parameter_invalid", "parts.2: part 3 has not been uploaded");
  });

  it("refuses a wrong ETag, naming its entry, and leaves the file open", async () => {
    const { path, done, source, group, file } = await partly();
    const rest = await uploadParts(sandbox, group.uploadSessionId, file.uploadId, source, {
      partNumbers: [3],
    });
    const [first, second] = done;
    if (!first || !second) throw new Error("two parts expected");
    const wrong = { partNumber: 2, etag: first.etag };
    const result = await callApi(sandbox, "POST", path, {
      body: { parts: [first, wrong, ...rest.done] },
    });
    expectRefusal(result, 400, "parameter_invalid", "parts.1.etag");
    const fixed = await expectApi(sandbox, "complete", "POST", path, 200, {
      parts: [first, second, ...rest.done],
    });
    expect(fixed.libraryId).toEqual(expect.any(String));
  });

  it("refuses a part listed twice or beyond totalParts, naming the entry", async () => {
    const { path, done } = await partly();
    const [first] = done;
    if (!first) throw new Error("a part expected");
    expectRefusal(
      await callApi(sandbox, "POST", path, { body: { parts: [...done, first] } }),
      400,
      "parameter_invalid",
      "parts.2.partNumber",
    );
    expectRefusal(
      await callApi(sandbox, "POST", path, {
        body: { parts: [...done, { ...first, partNumber: 4 }] },
      }),
      400,
      "parameter_invalid",
      "parts.2.partNumber",
    );
    expectRefusal(
      await callApi(sandbox, "POST", path, { body: { parts: [{ partNumber: 1, etag: "" }] } }),
      400,
      "parameter_invalid",
      "parts.0.etag",
    );
  });

  it("refuses a part stored with the wrong size, naming its entry", async () => {
    const source = randomBytes(2 * KiB);
    const group = await startGroup(sandbox, oneVideo(source.length));
    const file = onlyFile(group);
    const urls = await expectApi(
      sandbox,
      "partUrls",
      "POST",
      filePath(group.uploadSessionId, file.uploadId, "part-urls"),
      200,
      {},
    );
    const parts = [];
    for (const part of urls.parts) {
      const bytes = source.subarray(part.byteStart, part.byteEnd); // one byte short
      const put = await putPart(part.url, bytes);
      parts.push({ partNumber: part.partNumber, etag: put.etag ?? "" });
    }
    const result = await callApi(
      sandbox,
      "POST",
      filePath(group.uploadSessionId, file.uploadId, "complete"),
      {
        body: { parts },
      },
    );
    expectRefusal(
      result,
      400,
      "parameter_invalid",
      "parts.0: stored part 1 has 1023 bytes, expected 1024",
    );
  });

  it("refuses a single_put complete before the file was PUT", async () => {
    const group = await startGroup(sandbox, oneVideo(10));
    const file = onlyFile(group);
    const result = await callApi(
      sandbox,
      "POST",
      filePath(group.uploadSessionId, file.uploadId, "complete"),
    );
    expectRefusal(result, 400, "parameter_invalid", "parts: part 1 has not been uploaded");
  });

  it("refuses to cancel a completed group with 409", async () => {
    const source = randomBytes(10);
    const group = await startGroup(sandbox, oneVideo(source.length));
    const file = onlyFile(group);
    await uploadParts(sandbox, group.uploadSessionId, file.uploadId, source, {});
    await expectApi(
      sandbox,
      "complete",
      "POST",
      filePath(group.uploadSessionId, file.uploadId, "complete"),
      200,
    );
    expectRefusal(
      await callApi(sandbox, "DELETE", `/${group.uploadSessionId}`),
      409,
      "upload_completed",
      group.uploadSessionId,
    );
  });
});

describe("SpatialGen sandbox: expiry on the sandbox's clock", () => {
  it("refuses a part PUT once its URL expired, as S3 does", async () => {
    const own = await ownSandbox({ urlLifetimeSeconds: 60 });
    const source = randomBytes(2 * KiB);
    const group = await startGroup(own, oneVideo(source.length));
    const file = onlyFile(group);
    const urls = await expectApi(
      own,
      "partUrls",
      "POST",
      filePath(group.uploadSessionId, file.uploadId, "part-urls"),
      200,
      {
        partNumbers: [1],
      },
    );
    const [part] = urls.parts;
    if (!part) throw new Error("a part expected");
    own.advanceClock(61_000);
    const put = await putPart(part.url, source.subarray(0, KiB));
    expect(put.status).toBe(403);
    expect(put.body).toContain("<Code>AccessDenied</Code>");
    expect(put.body).toContain("Request has expired");
    // A fresh URL works: only the URL expired, not the group.
    const fresh = await uploadParts(own, group.uploadSessionId, file.uploadId, source, {
      partNumbers: [1],
    });
    expect(fresh.done).toHaveLength(1);
  });

  it("expires a group after 5 days: every call answers 410 naming the group", async () => {
    const own = await ownSandbox();
    const source = randomBytes(2 * KiB);
    const group = await startGroup(own, oneVideo(source.length));
    const file = onlyFile(group);
    const { done } = await uploadParts(own, group.uploadSessionId, file.uploadId, source, {});
    own.advanceClock(5 * DAY_MS - 60_000);
    const urls = await expectApi(
      own,
      "partUrls",
      "POST",
      filePath(group.uploadSessionId, file.uploadId, "part-urls"),
      200,
      {
        partNumbers: [1],
      },
    );
    own.advanceClock(60_001);

    const id = group.uploadSessionId;
    expectRefusal(
      await callApi(own, "POST", filePath(id, file.uploadId, "part-urls"), { body: {} }),
      410,
      "upload_expired",
      id,
    );
    expectRefusal(
      await callApi(own, "POST", filePath(id, file.uploadId, "complete"), {
        body: { parts: done },
      }),
      410,
      "upload_expired",
      id,
    );
    expectRefusal(await callApi(own, "DELETE", `/${id}`), 410, "upload_expired", id);
    const put = await putPart(urls.parts[0]?.url ?? "", source.subarray(0, KiB));
    expect(put.status).toBe(403);
    expect(put.body).toContain("expired");
    expect(own.groups()).toMatchObject([
      { uploadSessionId: id, status: "expired", libraryId: null },
    ]);
  });
});

describe("SpatialGen sandbox: fault injection (the TwelveLabs sandbox's injector)", () => {
  it("injects per-endpoint faults under SpatialGen's names, and complete stays safe to repeat", async () => {
    const own = await ownSandbox();
    own.setFaults({ start: { error500Rate: 1 } });
    expectRefusal(
      await callApi(own, "POST", "", { body: oneVideo(10) }),
      500,
      "internal_error",
      "injected",
    );
    own.setFaults({ start: { error429Rate: 1, retryAfterSeconds: 7 } });
    const limited = await callApi(own, "POST", "", { body: oneVideo(10) });
    expectRefusal(limited, 429, "too_many_requests", "rate limited");
    expect(limited.headers["retry-after"]).toBe("7");
    expect(own.groups()).toHaveLength(0);

    own.setFaults({});
    const source = randomBytes(10);
    const group = await startGroup(own, oneVideo(source.length));
    const file = onlyFile(group);
    own.setFaults({ partPut: { resetMidPutRate: 1 } });
    const urls = await expectApi(
      own,
      "partUrls",
      "POST",
      filePath(group.uploadSessionId, file.uploadId, "part-urls"),
      200,
      {},
    );
    const url = urls.parts[0]?.url ?? "";
    await expect(request(url, { method: "PUT", body: source })).rejects.toThrow();
    own.setFaults({});
    expect((await putPart(url, source)).status).toBe(200);

    // The complete is processed, but its answer is lost: the repeat answers the same file, completed.
    own.setFaults({ complete: { lostAnswerRate: 1 } });
    const path = filePath(group.uploadSessionId, file.uploadId, "complete");
    await expect(callApi(own, "POST", path)).rejects.toThrow();
    own.setFaults({ cancel: { htmlAnswerRate: 1 } });
    const repeat = await expectApi(own, "complete", "POST", path, 200);
    expect(repeat.libraryId).toEqual(expect.any(String));
    const html = await request(`${own.baseUrl}/api/videos/uploads/${group.uploadSessionId}`, {
      method: "DELETE",
      headers: { "x-spatialgen-appkey": own.apiKey },
    });
    expect(String(html.headers["content-type"])).toMatch(/^text\/html/);
    await html.body.text();

    expect(own.faultCounts()).toEqual({
      "start.500": 1,
      "start.429": 1,
      "partPut.resetMidPut": 1,
      "complete.lostAnswer": 1,
      "cancel.htmlAnswer": 1,
    });
    expect(own.calls()).toMatchObject({
      start: 3,
      partUrls: 1,
      partPut: 2,
      complete: 2,
      cancel: 1,
    });
  });

  it("rewrites successful answers for tests: drift the lenient schemas read and the strict ones refuse", async () => {
    const own = await ownSandbox();
    own.setRewriteAnswer((endpoint, answer) =>
      endpoint === "start" && typeof answer === "object" && answer !== null
        ? { ...answer, expiresAt: "soon", files: [] }
        : answer,
    );
    const result = await callApi(own, "POST", "", { body: oneVideo(10) });
    expect(result.status).toBe(201);
    expect(ANSWERS.start.lenient.parse(result.body).files).toEqual([]);
    expect(ANSWERS.start.strict.safeParse(result.body).success).toBe(false);
    own.setRewriteAnswer(undefined);
    await startGroup(own, oneVideo(10));
  });

  it("asks its random source with SpatialGen's endpoint names, and refuses misspelt faults", async () => {
    const rolls: string[] = [];
    const own = await ownSandbox({
      faults: { partUrls: { error500Rate: 0.5 } },
      random: (roll) => {
        rolls.push(`${roll.endpoint}.${roll.kind}`);
        return 0.9;
      },
    });
    const group = await startGroup(own, oneVideo(10));
    const file = onlyFile(group);
    await expectApi(
      own,
      "partUrls",
      "POST",
      filePath(group.uploadSessionId, file.uploadId, "part-urls"),
      200,
      {},
    );
    expect(rolls).toEqual(["partUrls.500"]);
    expect(() => own.setFaults({ create: {} } as never)).toThrow(/create/);
    expect(() => own.setFaults({ complete: { error500Rate: 2 } })).toThrow(
      /complete\.error500Rate/,
    );
  });
});
