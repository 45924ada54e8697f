/**
 * The relay's SpatialGen client against the local SpatialGen sandbox, over real HTTP: every
 * refusal the client can make itself is `InvalidInputError` with nothing sent; every refusal
 * only the server can make is a non-retryable `ProviderHttpError` naming the call, with no API
 * key in it; passing faults are retried; persistent ones end retryable. Part bytes really go
 * through the presigned URLs, and completes are checked against what the sandbox stored.
 */

import { randomBytes } from "node:crypto";
import { Agent, type Dispatcher, request } from "undici";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  InvalidInputError,
  ProviderHttpError,
  ProviderUnavailableError,
} from "../../functions/core/errors.js";
import {
  SpatialGenClient,
  type SpatialGenClientOptions,
} from "../../functions/core/providers/spatialgen/spatialgen-client.js";
import type {
  CompletedPart,
  CompleteFileBody,
  PartUrlsBody,
  StartGroupBody,
} from "../../functions/core/providers/spatialgen/spatialgen-requests.js";
import type {
  FileAnswer,
  PartUrlsAnswer,
} from "../../functions/core/providers/spatialgen/spatialgen-schemas.js";
import { type LocalStack, startLocalStack } from "../../local/local-stack.js";
import type { EndpointFaults } from "../../local/sandbox-kit/faults.js";
import {
  type SpatialGenApiEndpoint,
  type SpatialGenFaultRoll,
  type SpatialGenSandbox,
  type SpatialGenSandboxFaults,
  startSpatialGenSandbox,
} from "../../local/spatialgen-sandbox/index.js";
import { md5 } from "../helpers/md5.js";

const KiB = 1024;
const DAY_MS = 24 * 3600 * 1000;
const BUCKET = "spatialgen-client-contract";
/** An id no group or file has. */
const UNKNOWN_ID = "00000000-0000-4000-8000-000000000000";

let stack: LocalStack;
/** 1 KiB parts: a file above 1 KiB is multipart. Its fault rolls are scripted by {@link failNext}. */
let sandbox: SpatialGenSandbox;
/** A sandbox whose clock the expiry test moves, so the shared one keeps its groups alive. */
let clocked: SpatialGenSandbox;

/** Fault rolls still to hit, by `<endpoint>.<kind>`; every other roll misses (unless rate 1). */
const script = new Map<string, number>();

/** Scripted random source: a roll hits (0) while its script lasts, else misses (0.99). */
function scriptedRoll(roll: SpatialGenFaultRoll): number {
  const key = `${roll.endpoint}.${roll.kind}`;
  const left = script.get(key) ?? 0;
  if (left <= 0) return 0.99;
  script.set(key, left - 1);
  return 0;
}

/** Every request the clients put on the wire (each attempt), as `METHOD path`. */
const sent: string[] = [];
/** Delays the clients asked to wait between attempts, in milliseconds. */
const slept: number[] = [];
/** The agent under {@link recording}; closed after the file. */
const agent = new Agent();
/** The clients' dispatcher: the agent, recording every request it is given in {@link sent}. */
const recording: Dispatcher = agent.compose((dispatch) => (options, handler) => {
  sent.push(`${options.method} ${options.path}`);
  return dispatch(options, handler);
});

beforeAll(async () => {
  stack = await startLocalStack();
  const common = {
    s3: stack.s3.client,
    s3Endpoint: stack.s3.endpoint,
    bucket: BUCKET,
    partSize: KiB,
    minPartSize: KiB,
  };
  sandbox = await startSpatialGenSandbox({ ...common, random: scriptedRoll });
  clocked = await startSpatialGenSandbox(common);
});

beforeEach(() => {
  sent.length = 0;
  slept.length = 0;
});

afterEach(() => {
  sandbox.setFaults({});
  script.clear();
});

afterAll(async () => {
  await sandbox?.stop();
  await clocked?.stop();
  await agent.close();
  await stack?.stop();
});

/** A client of `target` as the task builds one: 2 attempts, no real waits, recorded requests. */
function clientOf(
  target: SpatialGenSandbox = sandbox,
  overrides: Partial<SpatialGenClientOptions> = {},
): SpatialGenClient {
  return new SpatialGenClient({
    baseUrl: target.baseUrl,
    apiKey: target.apiKey,
    maxAttempts: 2,
    sleep: async (ms) => {
      slept.push(ms);
    },
    dispatcher: recording,
    ...overrides,
  });
}

/** A one-file 2D group holding `fileName` of `size` bytes. */
function oneVideo(size: number, fileName = "clip.mp4"): StartGroupBody {
  return {
    videoName: "clip",
    layout: "2D",
    files: [{ fileName, fileRole: "video", sizeBytes: size }],
  };
}

/** The only file of a started group. */
function onlyFile(group: { files: FileAnswer[] }): FileAnswer {
  const [file, ...others] = group.files;
  if (!file || others.length > 0) throw new Error("one file expected");
  return file;
}

/** PUTs each part's inclusive byte range of `source` to its presigned URL; answers the ETags. */
async function putParts(answer: PartUrlsAnswer, source: Buffer): Promise<CompletedPart[]> {
  const done: CompletedPart[] = [];
  for (const part of answer.parts) {
    const bytes = source.subarray(part.byteStart, part.byteEnd + 1);
    const put = await request(part.url, { method: "PUT", body: bytes });
    await put.body.text();
    // The URL is not printed: a presigned URL is a secret.
    expect(put.statusCode).toBe(200);
    const etag = put.headers.etag;
    expect(etag).toBe(`"${md5(bytes)}"`);
    done.push({ partNumber: part.partNumber, etag: String(etag) });
  }
  return done;
}

/** A started one-file group whose file is multipart with `parts` parts, its bytes and ids. */
async function startMultipart(parts: number, client = clientOf()) {
  const source = randomBytes((parts - 1) * KiB + 100);
  const group = await client.startGroup(oneVideo(source.length));
  const file = onlyFile(group);
  expect(file).toMatchObject({ totalParts: parts, uploadStrategy: "multipart" });
  return { client, source, group: group.uploadSessionId, file: file.uploadId };
}

/** A started one-file group with every part PUT, not completed; answers its ETags too. */
async function uploaded(parts: number) {
  const started = await startMultipart(parts);
  const urls = await started.client.getPartUrls(started.group, started.file, {});
  return { ...started, done: await putParts(urls, started.source) };
}

/** A one-file group uploaded and completed. */
async function completedGroup() {
  const up = await uploaded(2);
  const answer = await up.client.completeFile(up.group, up.file, { parts: up.done });
  expect(answer.libraryId).toEqual(expect.any(String));
  return up;
}

/** The rejection of `act`; fails the test if it resolves. */
async function rejectionOf(act: () => Promise<unknown>): Promise<unknown> {
  try {
    await act();
  } catch (error) {
    return error;
  }
  throw new Error("expected the call to fail, it succeeded");
}

/** Expects `act` to throw `InvalidInputError` naming `field`, with no request sent at all. */
async function expectRefusedBeforeSending(
  act: () => Promise<unknown>,
  operation: string,
  field: string,
): Promise<void> {
  const calls = sandbox.calls();
  const groups = sandbox.groups().length;
  sent.length = 0;
  const error = await rejectionOf(act);
  expect(error).toBeInstanceOf(InvalidInputError);
  const message = (error as InvalidInputError).message;
  expect(message).toContain(operation);
  expect(message).toContain(field);
  expect(sent).toEqual([]);
  expect(sandbox.calls()).toEqual(calls);
  expect(sandbox.groups()).toHaveLength(groups);
}

/** What a refusal only the server can make looks like to a user. */
interface HttpRefusal {
  readonly operation: string;
  readonly status: number;
  /** The sandbox's error code, or a part of its message, found in the error's detail. */
  readonly detail: string;
  /** Keys that must not appear anywhere in the error. @default the sandbox's key */
  readonly keys?: readonly string[];
}

/**
 * Expects `act` to throw a non-retryable `ProviderHttpError` as `want` says, after exactly one
 * request (it is not retried), with no API key in its message or detail.
 */
async function expectHttpRefusal(
  act: () => Promise<unknown>,
  want: HttpRefusal,
): Promise<ProviderHttpError> {
  sent.length = 0;
  const error = await rejectionOf(act);
  expect(error).toBeInstanceOf(ProviderHttpError);
  const http = error as ProviderHttpError;
  expect({ operation: http.operation, status: http.status, retryable: http.retryable }).toEqual({
    operation: want.operation,
    status: want.status,
    retryable: false,
  });
  expect(http.detail).toContain(want.detail);
  expect(http.message).toContain(`${want.operation} failed with HTTP ${want.status}`);
  for (const key of want.keys ?? [sandbox.apiKey]) {
    expect(http.message).not.toContain(key);
    expect(http.detail).not.toContain(key);
  }
  expect(sent).toHaveLength(1);
  return http;
}

/** The fault rate field of each refusal kind a test scripts. */
const RATE_OF = {
  "500": "error500Rate",
  "429": "error429Rate",
  htmlAnswer: "htmlAnswerRate",
  lostAnswer: "lostAnswerRate",
} as const;

/** Makes the next `times` calls of `endpoint` on the shared sandbox meet `kind`; later ones pass. */
function failNext(
  endpoint: SpatialGenApiEndpoint,
  kind: keyof typeof RATE_OF,
  times = 1,
  extra: EndpointFaults = {},
): void {
  script.set(`${endpoint}.${kind}`, times);
  const faults: SpatialGenSandboxFaults = { [endpoint]: { [RATE_OF[kind]]: 0.5, ...extra } };
  sandbox.setFaults(faults);
}

/** Calls of `endpoint` the shared sandbox received during `act` (faulted attempts included). */
async function callsDuring<T>(
  endpoint: SpatialGenApiEndpoint,
  act: () => Promise<T>,
): Promise<{ result: T; calls: number }> {
  const before = sandbox.calls()[endpoint] ?? 0;
  const result = await act();
  return { result, calls: (sandbox.calls()[endpoint] ?? 0) - before };
}

describe("SpatialGen client: happy paths", () => {
  it("uploads a 2D single-file group: URLs by window and by partNumbers, PUTs, complete", async () => {
    const client = clientOf();
    const source = randomBytes(4 * KiB + 321);
    const group = await client.startGroup(oneVideo(source.length, "long.mov"));
    const file = onlyFile(group);
    expect(file).toMatchObject({
      fileName: "long.mov",
      fileRole: "video",
      totalParts: 5,
      partSizeBytes: KiB,
      uploadStrategy: "multipart",
    });

    const window = await client.getPartUrls(group.uploadSessionId, file.uploadId, {
      startPartNumber: 1,
      count: 3,
    });
    const picked = await client.getPartUrls(group.uploadSessionId, file.uploadId, {
      partNumbers: [5, 4],
    });
    const ranges = [...window.parts, ...picked.parts].map((p) => [
      p.partNumber,
      p.byteStart,
      p.byteEnd,
    ]);
    expect(ranges).toEqual([
      [1, 0, KiB - 1],
      [2, KiB, 2 * KiB - 1],
      [3, 2 * KiB, 3 * KiB - 1],
      [5, 4 * KiB, source.length - 1],
      [4, 3 * KiB, 4 * KiB - 1],
    ]);
    for (const part of [...window.parts, ...picked.parts]) {
      expect(new URL(part.url).host).toBe(sandbox.partHost);
    }
    const done = [...(await putParts(window, source)), ...(await putParts(picked, source))];

    const complete = await client.completeFile(group.uploadSessionId, file.uploadId, {
      parts: done,
    });
    expect(complete).toMatchObject({ uploadId: file.uploadId, status: "completed" });
    expect(complete.libraryId).toEqual(expect.any(String));
    // Safe to repeat: the same answer.
    expect(
      await client.completeFile(group.uploadSessionId, file.uploadId, { parts: done }),
    ).toEqual(complete);
    expect(md5(await sandbox.readFile(group.uploadSessionId, file.uploadId))).toBe(md5(source));
  });

  it("uploads a single_put file with a key fetched per call, with no parts list", async () => {
    let fetched = 0;
    const client = clientOf(sandbox, {
      apiKey: async () => {
        fetched += 1;
        return sandbox.apiKey;
      },
    });
    const source = randomBytes(700);
    const group = await client.startGroup(oneVideo(source.length));
    const file = onlyFile(group);
    expect(file).toMatchObject({ totalParts: 1, uploadStrategy: "single_put" });
    const urls = await client.getPartUrls(group.uploadSessionId, file.uploadId, {});
    expect(urls.parts.map((p) => [p.partNumber, p.byteStart, p.byteEnd])).toEqual([
      [1, 0, source.length - 1],
    ]);
    await putParts(urls, source);
    const complete = await client.completeFile(group.uploadSessionId, file.uploadId, {});
    expect(complete.libraryId).toEqual(expect.any(String));
    expect(fetched).toBe(3);
    expect(md5(await sandbox.readFile(group.uploadSessionId, "video"))).toBe(md5(source));
  });

  it("uploads a Separate group: libraryId null after the first eye, set after the second", async () => {
    const client = clientOf();
    const left = randomBytes(2 * KiB + 10);
    const right = randomBytes(KiB + 1);
    const group = await client.startGroup({
      videoName: "stereo",
      layout: "Separate",
      perspective: "180",
      files: [
        { fileName: "left.mov", fileRole: "video_left", sizeBytes: left.length },
        { fileName: "right.mp4", fileRole: "video_right", sizeBytes: right.length },
      ],
    });
    const [l, r] = group.files;
    if (!l || !r) throw new Error("two files expected");
    expect([l.fileRole, r.fileRole]).toEqual(["video_left", "video_right"]);
    const id = group.uploadSessionId;

    const leftParts = await putParts(await client.getPartUrls(id, l.uploadId, {}), left);
    const leftDone = await client.completeFile(id, l.uploadId, { parts: leftParts });
    expect(leftDone.status).toBe("completed");
    expect(leftDone.libraryId).toBeNull();

    const rightParts = await putParts(
      await client.getPartUrls(id, r.uploadId, { startPartNumber: 1, count: 2 }),
      right,
    );
    const rightDone = await client.completeFile(id, r.uploadId, { parts: rightParts });
    expect(rightDone.libraryId).toEqual(expect.any(String));
    expect(sandbox.groups().find((g) => g.uploadSessionId === id)).toMatchObject({
      status: "completed",
      libraryId: rightDone.libraryId,
    });
    expect(md5(await sandbox.readFile(id, "video_left"))).toBe(md5(left));
    expect(md5(await sandbox.readFile(id, "video_right"))).toBe(md5(right));
  });

  it("cancels a group twice harmlessly, and the group stays cancelled", async () => {
    const { client, group } = await startMultipart(3);
    const first = await client.cancelGroup(group);
    expect(first.status).toBe("canceled");
    expect(first.canceledAt).toEqual(expect.any(String));
    const again = await client.cancelGroup(group);
    expect(again).toEqual(first);
    expect(sandbox.groups().find((g) => g.uploadSessionId === group)?.status).toBe("canceled");
  });
});

describe("SpatialGen client: refusals it makes before sending anything", () => {
  const video = { fileName: "v.mp4", fileRole: "video", sizeBytes: 10 } as const;
  const startCases: { name: string; body: unknown; field: string }[] = [
    {
      name: "an unknown layout",
      body: { videoName: "v", layout: "3D", files: [video] },
      field: "layout",
    },
    {
      name: "an extension the video role does not take",
      body: { videoName: "v", layout: "2D", files: [{ ...video, fileName: "v.mkv" }] },
      field: 'files.0.fileName: extension ".mkv"',
    },
    {
      name: "an extension the subtitle role does not take",
      body: {
        videoName: "v",
        layout: "2D",
        files: [
          video,
          { fileName: "en.vtt", fileRole: "subtitle", sizeBytes: 5, languageTag: "en" },
        ],
      },
      field: "files.1.fileName",
    },
    {
      name: "an audio file without languageTag",
      body: {
        videoName: "v",
        layout: "2D",
        files: [video, { fileName: "a.m4a", fileRole: "audio", sizeBytes: 5 }],
      },
      field: "files.1.languageTag: languageTag is required",
    },
    {
      name: "a languageTag on a video",
      body: { videoName: "v", layout: "2D", files: [{ ...video, languageTag: "en" }] },
      field: "files.0.languageTag: languageTag is only for audio and subtitle",
    },
    {
      name: "a languageTag that is not BCP 47",
      body: {
        videoName: "v",
        layout: "2D",
        files: [
          video,
          { fileName: "en.srt", fileRole: "subtitle", sizeBytes: 5, languageTag: "not a tag" },
        ],
      },
      field: "files.1.languageTag",
    },
    {
      name: "a file named twice",
      body: {
        videoName: "v",
        layout: "2D",
        files: [video, { fileName: "v.mp4", fileRole: "audio", sizeBytes: 5, languageTag: "en" }],
      },
      field: 'files.1.fileName: fileName "v.mp4" is already files.0',
    },
    {
      name: "a Separate group without a right eye",
      body: {
        videoName: "v",
        layout: "Separate",
        files: [{ fileName: "l.mp4", fileRole: "video_left", sizeBytes: 5 }],
      },
      field: "needs exactly one video_right",
    },
    {
      name: "a Separate group with a plain video",
      body: {
        videoName: "v",
        layout: "Separate",
        files: [
          { fileName: "l.mp4", fileRole: "video_left", sizeBytes: 5 },
          { fileName: "r.mp4", fileRole: "video_right", sizeBytes: 5 },
          video,
        ],
      },
      field: "takes no video",
    },
    {
      name: "an eye file in a 2D group",
      body: {
        videoName: "v",
        layout: "2D",
        files: [video, { fileName: "l.mp4", fileRole: "video_left", sizeBytes: 5 }],
      },
      field: "takes no video_left",
    },
    {
      name: "an AIV group not in perspective 180",
      body: {
        videoName: "v",
        layout: "AIV",
        perspective: "360",
        files: [{ ...video, fileName: "v.aivu" }],
      },
      field: "perspective: layout AIV needs perspective 180",
    },
    {
      name: "an AIV group with neither a .aivu video nor an aime + fcpxmld pair",
      body: {
        videoName: "v",
        layout: "AIV",
        perspective: "180",
        files: [video, { fileName: "m.aime", fileRole: "aime", sizeBytes: 5 }],
      },
      field: "layout AIV needs a .aivu video",
    },
    {
      name: "two aime files",
      body: {
        videoName: "v",
        layout: "AIV",
        perspective: "180",
        files: [
          video,
          { fileName: "a.aime", fileRole: "aime", sizeBytes: 5 },
          { fileName: "b.aime", fileRole: "aime", sizeBytes: 5 },
          { fileName: "p.zip", fileRole: "fcpxmld", sizeBytes: 5 },
        ],
      },
      field: "at most one aime",
    },
    { name: "no files", body: { videoName: "v", layout: "2D", files: [] }, field: "files" },
    {
      name: "an empty file",
      body: { videoName: "v", layout: "2D", files: [{ ...video, sizeBytes: 0 }] },
      field: "files.0.sizeBytes",
    },
  ];

  it.each(startCases)("startGroup refuses $name", async ({ body, field }) => {
    await expectRefusedBeforeSending(
      () => clientOf().startGroup(body as StartGroupBody),
      "spatialgen.startGroup",
      field,
    );
  });

  const partUrlsCases: { name: string; body: unknown; field: string }[] = [
    {
      name: "partNumbers with startPartNumber",
      body: { partNumbers: [1], startPartNumber: 1 },
      field: "partNumbers: partNumbers cannot be combined",
    },
    {
      name: "partNumbers with count",
      body: { partNumbers: [1], count: 1 },
      field: "partNumbers: partNumbers cannot be combined",
    },
    { name: "count above 10,000", body: { startPartNumber: 1, count: 10_001 }, field: "count" },
    { name: "count 0", body: { startPartNumber: 1, count: 0 }, field: "count" },
    {
      name: "empty partNumbers",
      body: { partNumbers: [] },
      field: "partNumbers must not be empty",
    },
    {
      name: "a part asked for twice",
      body: { partNumbers: [2, 1, 2] },
      field: "partNumbers.2: part 2 is asked for twice",
    },
    { name: "part number 0", body: { partNumbers: [0] }, field: "partNumbers.0" },
    {
      name: "a part number above S3's 10,000",
      body: { partNumbers: [10_001] },
      field: "partNumbers.0",
    },
    { name: "a fractional part number", body: { partNumbers: [1.5] }, field: "partNumbers.0" },
    { name: "startPartNumber 0", body: { startPartNumber: 0 }, field: "startPartNumber" },
    {
      name: "more than 10,000 partNumbers",
      body: { partNumbers: Array.from({ length: 10_001 }, (_, i) => i + 1) },
      field: "partNumbers",
    },
  ];

  it.each(partUrlsCases)("getPartUrls refuses $name", async ({ body, field }) => {
    const { client, group, file } = await startMultipart(3);
    await expectRefusedBeforeSending(
      () => client.getPartUrls(group, file, body as PartUrlsBody),
      "spatialgen.getPartUrls",
      field,
    );
  });

  const completeCases: { name: string; body: unknown; field: string }[] = [
    {
      name: "an empty etag",
      body: { parts: [{ partNumber: 1, etag: "" }] },
      field: "parts.0.etag",
    },
    {
      name: "part number 0",
      body: { parts: [{ partNumber: 0, etag: '"a"' }] },
      field: "parts.0.partNumber",
    },
    {
      name: "more than 10,000 parts",
      body: {
        parts: Array.from({ length: 10_001 }, (_, i) => ({
          partNumber: 1 + (i % 10_000),
          etag: '"a"',
        })),
      },
      field: "parts",
    },
  ];

  it.each(completeCases)("completeFile refuses $name", async ({ body, field }) => {
    const { client, group, file } = await startMultipart(3);
    await expectRefusedBeforeSending(
      () => client.completeFile(group, file, body as CompleteFileBody),
      "spatialgen.completeFile",
      field,
    );
  });

  it("refuses empty ids on every call that takes them", async () => {
    const { client, group, file } = await startMultipart(2);
    await expectRefusedBeforeSending(
      () => client.getPartUrls("", file, {}),
      "spatialgen.getPartUrls",
      "uploadSessionId is empty",
    );
    await expectRefusedBeforeSending(
      () => client.getPartUrls(group, "", {}),
      "spatialgen.getPartUrls",
      "uploadId is empty",
    );
    await expectRefusedBeforeSending(
      () => client.completeFile("", file, {}),
      "spatialgen.completeFile",
      "uploadSessionId is empty",
    );
    await expectRefusedBeforeSending(
      () => client.completeFile(group, "", {}),
      "spatialgen.completeFile",
      "uploadId is empty",
    );
    await expectRefusedBeforeSending(
      () => client.cancelGroup(""),
      "spatialgen.cancelGroup",
      "uploadSessionId is empty",
    );
  });

  it("refuses to call with an empty API key, given or fetched", async () => {
    for (const apiKey of ["", async () => ""]) {
      const client = clientOf(sandbox, { apiKey });
      await expectRefusedBeforeSending(
        () => client.startGroup(oneVideo(10)),
        "spatialgen.startGroup",
        "the API key is empty",
      );
      await expectRefusedBeforeSending(
        () => client.cancelGroup(UNKNOWN_ID),
        "spatialgen.cancelGroup",
        "the API key is empty",
      );
    }
  });
});

describe("SpatialGen client: refusals only the server makes", () => {
  it("throws 403 for a wrong API key on every call, unretried, without the key", async () => {
    const { group, file } = await startMultipart(2);
    const wrongKey = `sg_sandbox_wrong_${randomBytes(8).toString("hex")}`;
    const wrong = clientOf(sandbox, { apiKey: wrongKey });
    const keys = [wrongKey, sandbox.apiKey];
    const groups = sandbox.groups().length;
    const calls = sandbox.calls();
    const refusal = (operation: string) => ({
      operation,
      status: 403,
      detail: "api_key_invalid",
      keys,
    });
    await expectHttpRefusal(() => wrong.startGroup(oneVideo(10)), refusal("spatialgen.startGroup"));
    await expectHttpRefusal(
      () => wrong.getPartUrls(group, file, {}),
      refusal("spatialgen.getPartUrls"),
    );
    await expectHttpRefusal(
      () => wrong.completeFile(group, file, {}),
      refusal("spatialgen.completeFile"),
    );
    await expectHttpRefusal(() => wrong.cancelGroup(group), refusal("spatialgen.cancelGroup"));
    // Refused at the door: no endpoint ran, nothing changed.
    expect(sandbox.calls()).toEqual(calls);
    expect(sandbox.groups()).toHaveLength(groups);
    expect(sandbox.groups().find((g) => g.uploadSessionId === group)?.status).toBe("uploading");
  });

  it("throws 404 for an unknown group or file", async () => {
    const { client, group, file } = await startMultipart(2);
    const notFound = (operation: string) => ({ operation, status: 404, detail: "not_found" });
    await expectHttpRefusal(
      () => client.getPartUrls(UNKNOWN_ID, file, {}),
      notFound("spatialgen.getPartUrls"),
    );
    await expectHttpRefusal(
      () => client.getPartUrls(group, UNKNOWN_ID, {}),
      notFound("spatialgen.getPartUrls"),
    );
    await expectHttpRefusal(
      () => client.completeFile(UNKNOWN_ID, file, {}),
      notFound("spatialgen.completeFile"),
    );
    const noFile = await expectHttpRefusal(
      () => client.completeFile(group, UNKNOWN_ID, {}),
      notFound("spatialgen.completeFile"),
    );
    expect(noFile.detail).toContain(UNKNOWN_ID);
    await expectHttpRefusal(
      () => client.cancelGroup(UNKNOWN_ID),
      notFound("spatialgen.cancelGroup"),
    );
  });

  it("blanks the API key out of an error answer that echoes it", async () => {
    const client = clientOf();
    // The sandbox's 404 names the group id it was given: here, the key itself.
    const error = await expectHttpRefusal(() => client.cancelGroup(`x${sandbox.apiKey}x`), {
      operation: "spatialgen.cancelGroup",
      status: 404,
      detail: "upload group x[redacted]x not found",
    });
    expect(String(error.cause ?? "")).not.toContain(sandbox.apiKey);
  });

  it("throws 409 upload_canceled for part-urls and complete on a cancelled group", async () => {
    const up = await uploaded(2);
    await up.client.cancelGroup(up.group);
    await expectHttpRefusal(() => up.client.getPartUrls(up.group, up.file, {}), {
      operation: "spatialgen.getPartUrls",
      status: 409,
      detail: "upload_canceled",
    });
    await expectHttpRefusal(() => up.client.completeFile(up.group, up.file, { parts: up.done }), {
      operation: "spatialgen.completeFile",
      status: 409,
      detail: "upload_canceled",
    });
  });

  it("throws 410 upload_expired on every call once the group is past its 5 days", async () => {
    const client = clientOf(clocked);
    const source = randomBytes(2 * KiB);
    const group = await client.startGroup(oneVideo(source.length));
    const file = onlyFile(group);
    const id = group.uploadSessionId;
    const done = await putParts(await client.getPartUrls(id, file.uploadId, {}), source);
    clocked.advanceClock(5 * DAY_MS + 1000);
    const keys = [clocked.apiKey];
    const expired = (operation: string) => ({
      operation,
      status: 410,
      detail: "upload_expired",
      keys,
    });
    await expectHttpRefusal(
      () => client.getPartUrls(id, file.uploadId, {}),
      expired("spatialgen.getPartUrls"),
    );
    await expectHttpRefusal(
      () => client.completeFile(id, file.uploadId, { parts: done }),
      expired("spatialgen.completeFile"),
    );
    await expectHttpRefusal(() => client.cancelGroup(id), expired("spatialgen.cancelGroup"));
    expect(clocked.groups().find((g) => g.uploadSessionId === id)?.status).toBe("expired");
  });

  it("throws 400 for a wrong ETag, and the file stays open for the right one", async () => {
    const up = await uploaded(3);
    const [first, second, third] = up.done;
    if (!first || !second || !third) throw new Error("three parts expected");
    await expectHttpRefusal(
      () =>
        up.client.completeFile(up.group, up.file, {
          parts: [first, { partNumber: 2, etag: first.etag }, third],
        }),
      { operation: "spatialgen.completeFile", status: 400, detail: "parts.1.etag" },
    );
    const fixed = await up.client.completeFile(up.group, up.file, { parts: up.done });
    expect(fixed.libraryId).toEqual(expect.any(String));
  });

  it("throws 400 for a complete that leaves out a part, lists one twice or one beyond the file", async () => {
    const up = await uploaded(3);
    const [first, second] = up.done;
    if (!first || !second) throw new Error("parts expected");
    const refused = (detail: string) => ({
      operation: "spatialgen.completeFile",
      status: 400,
      detail,
    });
    await expectHttpRefusal(
      () => up.client.completeFile(up.group, up.file, { parts: [first, second] }),
      refused("parts: 1 part(s) missing (3)"),
    );
    await expectHttpRefusal(
      () => up.client.completeFile(up.group, up.file, {}),
      refused("parts: required for a multipart file"),
    );
    await expectHttpRefusal(
      () => up.client.completeFile(up.group, up.file, { parts: [...up.done, first] }),
      refused("parts.3.partNumber: part 1 is listed twice"),
    );
    await expectHttpRefusal(
      () =>
        up.client.completeFile(up.group, up.file, {
          parts: [...up.done, { partNumber: 4, etag: first.etag }],
        }),
      refused("parts.3.partNumber: part 4 is beyond totalParts 3"),
    );
  });

  it("throws 400 for a complete before the parts were PUT", async () => {
    const { client, group, file } = await startMultipart(2);
    await expectHttpRefusal(
      () =>
        client.completeFile(group, file, {
          parts: [
            { partNumber: 1, etag: '"0123456789abcdef0123456789abcdef"' },
            { partNumber: 2, etag: '"0123456789abcdef0123456789abcdef"' },
          ],
        }),
      { operation: "spatialgen.completeFile", status: 400, detail: "has not been uploaded" },
    );
    const single = clientOf();
    const group2 = await single.startGroup(oneVideo(10));
    await expectHttpRefusal(
      () => single.completeFile(group2.uploadSessionId, onlyFile(group2).uploadId, {}),
      { operation: "spatialgen.completeFile", status: 400, detail: "part 1 has not been uploaded" },
    );
  });

  it("throws 400 for part numbers beyond totalParts", async () => {
    const { client, group, file } = await startMultipart(3);
    const refused = (detail: string) => ({
      operation: "spatialgen.getPartUrls",
      status: 400,
      detail,
    });
    await expectHttpRefusal(
      () => client.getPartUrls(group, file, { partNumbers: [1, 4] }),
      refused("partNumbers.1: part 4 is beyond totalParts 3"),
    );
    await expectHttpRefusal(
      () => client.getPartUrls(group, file, { startPartNumber: 4 }),
      refused("startPartNumber: 4 is beyond totalParts 3"),
    );
    await expectHttpRefusal(
      () => client.getPartUrls(group, file, { startPartNumber: 2, count: 3 }),
      refused("count: parts 2..4 run past totalParts 3"),
    );
  });

  it("throws 409 for part-urls on a completed file", async () => {
    const { client, group, file } = await completedGroup();
    await expectHttpRefusal(() => client.getPartUrls(group, file, { partNumbers: [1] }), {
      operation: "spatialgen.getPartUrls",
      status: 409,
      detail: "file_completed",
    });
  });

  it("throws 409 for a cancel of a completed group, which stays completed", async () => {
    const { client, group } = await completedGroup();
    await expectHttpRefusal(() => client.cancelGroup(group), {
      operation: "spatialgen.cancelGroup",
      status: 409,
      detail: "upload_completed",
    });
    expect(sandbox.groups().find((g) => g.uploadSessionId === group)?.status).toBe("completed");
  });
});

describe("SpatialGen client: faults are retried", () => {
  it("retries a start that met a 500 once: two attempts, one group", async () => {
    const client = clientOf();
    const groups = sandbox.groups().length;
    failNext("start", "500");
    const { result, calls } = await callsDuring("start", () => client.startGroup(oneVideo(10)));
    expect(calls).toBe(2);
    expect(sandbox.faultCounts()["start.500"]).toBe(1);
    expect(sandbox.groups()).toHaveLength(groups + 1);
    expect(sandbox.groups().at(-1)?.uploadSessionId).toBe(result.uploadSessionId);
  });

  it("retries part-urls after a 429 once, waiting its Retry-After", async () => {
    const { client, group, file } = await startMultipart(2);
    failNext("partUrls", "429", 1, { retryAfterSeconds: 3 });
    const { result, calls } = await callsDuring("partUrls", () =>
      client.getPartUrls(group, file, {}),
    );
    expect(calls).toBe(2);
    expect(result.parts.map((p) => p.partNumber)).toEqual([1, 2]);
    expect(slept).toEqual([3000]);
  });

  it("retries part-urls after a proxy's HTML page once", async () => {
    const { client, group, file } = await startMultipart(2);
    failNext("partUrls", "htmlAnswer");
    const { result, calls } = await callsDuring("partUrls", () =>
      client.getPartUrls(group, file, { partNumbers: [2] }),
    );
    expect(calls).toBe(2);
    expect(result.parts.map((p) => p.partNumber)).toEqual([2]);
  });

  it("retries a complete that met a 500 once", async () => {
    const up = await uploaded(2);
    failNext("complete", "500");
    const { result, calls } = await callsDuring("complete", () =>
      up.client.completeFile(up.group, up.file, { parts: up.done }),
    );
    expect(calls).toBe(2);
    expect(result.libraryId).toEqual(expect.any(String));
  });

  it("retries a complete whose answer was lost: the repeat answers the completed file", async () => {
    const up = await uploaded(2);
    failNext("complete", "lostAnswer");
    const { result, calls } = await callsDuring("complete", () =>
      up.client.completeFile(up.group, up.file, { parts: up.done }),
    );
    expect(calls).toBe(2);
    expect(sandbox.faultCounts()["complete.lostAnswer"]).toBe(1);
    expect(result).toMatchObject({ status: "completed", libraryId: expect.any(String) });
    expect(md5(await sandbox.readFile(up.group, up.file))).toBe(md5(up.source));
  });

  it("retries a start whose answer was lost: the lost attempt leaves a group of its own", async () => {
    const client = clientOf();
    const groups = sandbox.groups().length;
    failNext("start", "lostAnswer");
    const { result, calls } = await callsDuring("start", () => client.startGroup(oneVideo(10)));
    expect(calls).toBe(2);
    // The documented cost of retrying a start: an orphan group that simply expires.
    expect(sandbox.groups()).toHaveLength(groups + 2);
    expect(sandbox.groups().at(-1)?.uploadSessionId).toBe(result.uploadSessionId);
  });

  it("retries a cancel that met a 429 once", async () => {
    const { client, group } = await startMultipart(2);
    failNext("cancel", "429", 1, { retryAfterSeconds: 0 });
    const { result, calls } = await callsDuring("cancel", () => client.cancelGroup(group));
    expect(calls).toBe(2);
    expect(result.status).toBe("canceled");
  });

  const persistent: {
    endpoint: SpatialGenApiEndpoint;
    operation: string;
    status: 500 | 429;
  }[] = [
    { endpoint: "start", operation: "spatialgen.startGroup", status: 500 },
    { endpoint: "partUrls", operation: "spatialgen.getPartUrls", status: 500 },
    { endpoint: "complete", operation: "spatialgen.completeFile", status: 500 },
    { endpoint: "cancel", operation: "spatialgen.cancelGroup", status: 500 },
    { endpoint: "partUrls", operation: "spatialgen.getPartUrls", status: 429 },
  ];

  it.each(persistent)(
    "gives up on a persistent $status at $endpoint after maxAttempts, retryable",
    async ({ endpoint, operation, status }) => {
      const up = await uploaded(2);
      const act: Record<SpatialGenApiEndpoint, () => Promise<unknown>> = {
        start: () => up.client.startGroup(oneVideo(10)),
        partUrls: () => up.client.getPartUrls(up.group, up.file, {}),
        complete: () => up.client.completeFile(up.group, up.file, { parts: up.done }),
        cancel: () => up.client.cancelGroup(up.group),
      };
      sandbox.setFaults(
        status === 500
          ? { [endpoint]: { error500Rate: 1 } }
          : { [endpoint]: { error429Rate: 1, retryAfterSeconds: 0 } },
      );
      const { result: error, calls } = await callsDuring(endpoint, () =>
        rejectionOf(act[endpoint]),
      );
      expect(calls).toBe(2);
      expect(error).toBeInstanceOf(ProviderUnavailableError);
      const unavailable = error as ProviderUnavailableError;
      expect({ operation: unavailable.operation, retryable: unavailable.retryable }).toEqual({
        operation,
        retryable: true,
      });
      expect(unavailable.message).toContain(
        `gave up after 2 attempts, last failure HTTP ${status}`,
      );
      expect(unavailable.message).not.toContain(sandbox.apiKey);
      expect(unavailable.cause).toBeInstanceOf(ProviderHttpError);
      expect(unavailable.cause).toMatchObject({ status, retryable: true, operation });
      // The group is as the faults left it: nothing was processed.
      sandbox.setFaults({});
      expect(sandbox.groups().find((g) => g.uploadSessionId === up.group)?.status).toBe(
        "uploading",
      );
    },
  );
});
