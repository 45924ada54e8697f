import { describe, expect, it } from "vitest";
import { InvalidInputError } from "../../../../../functions/core/errors.js";
import { checkRequest } from "../../../../../functions/core/providers/check-request.js";
import {
  DocumentedCancelAnswerSchema,
  DocumentedCompleteAnswerSchema,
  DocumentedPartUrlsAnswerSchema,
  DocumentedStartAnswerSchema,
} from "../../../../../functions/core/providers/spatialgen/spatialgen-documented-answers.js";
import {
  CompleteFileBodySchema,
  PartUrlsBodySchema,
  StartGroupBodySchema,
  validateGroup,
} from "../../../../../functions/core/providers/spatialgen/spatialgen-requests.js";
import {
  CancelAnswerSchema,
  CompleteAnswerSchema,
  PartUrlsAnswerSchema,
  StartAnswerSchema,
} from "../../../../../functions/core/providers/spatialgen/spatialgen-schemas.js";

/** The example answer of the part-urls page (seeds/004), verbatim but for the URL's query. */
const SEED_PART_URLS_ANSWER = {
  uploadId: "402f0bda-a0fa-4551-ae28-7300ab6678dd",
  fileRole: "video_left",
  fileName: "left-eye.mov",
  totalBytes: 1287340032,
  partSizeBytes: 104857600,
  totalParts: 13,
  uploadStrategy: "multipart",
  status: "uploading",
  parts: [
    {
      partNumber: 1,
      sizeBytes: 104857600,
      byteStart: 0,
      byteEnd: 104857599,
      url: "https://s3.us-west-004.spatialgen.com/sg-library/42/direct-uploads/5ea97a59-95e0-4c8b-a634-b0fa9976f6ff/402f0bda-a0fa-4551-ae28-7300ab6678dd/Ab3dEfGhJkLmNoPqRsTuV.mov?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=EXAMPLE",
      expiresAt: "2026-05-06T18:42:11.000Z",
    },
  ],
};

const FILE = {
  uploadId: "f",
  fileRole: "video",
  fileName: "v.mp4",
  totalBytes: 10,
  partSizeBytes: 10,
  totalParts: 1,
  uploadStrategy: "single_put",
  status: "uploading",
};

describe("SpatialGen wire format: documented and lenient answers", () => {
  it("reads the docs' own example part-urls answer strictly and leniently", () => {
    expect(DocumentedPartUrlsAnswerSchema.parse(SEED_PART_URLS_ANSWER)).toEqual(
      SEED_PART_URLS_ANSWER,
    );
    const read = PartUrlsAnswerSchema.parse(SEED_PART_URLS_ANSWER);
    expect(read.parts[0]).toMatchObject({ partNumber: 1, byteStart: 0, byteEnd: 104857599 });
  });

  it("reads every documented answer with the lenient schemas", () => {
    const answers = [
      [DocumentedStartAnswerSchema, StartAnswerSchema, { uploadSessionId: "g", files: [FILE] }],
      [DocumentedCompleteAnswerSchema, CompleteAnswerSchema, { ...FILE, libraryId: null }],
      [DocumentedCompleteAnswerSchema, CompleteAnswerSchema, { ...FILE, libraryId: "lib" }],
      [
        DocumentedCancelAnswerSchema,
        CancelAnswerSchema,
        {
          sessionId: "g",
          status: "canceled",
          canceledAt: "2026-05-06T18:42:11.000Z",
          fileCount: 2,
          canceledFileCount: 1,
        },
      ],
    ] as const;
    for (const [strict, lenient, answer] of answers) {
      expect(strict.parse(answer)).toEqual(answer);
      expect(() => lenient.parse(answer)).not.toThrow();
    }
  });

  it("holds the documented shapes strict at every level", () => {
    expect(() =>
      DocumentedStartAnswerSchema.parse({ uploadSessionId: "g", files: [FILE], x: 1 }),
    ).toThrow();
    expect(() =>
      DocumentedStartAnswerSchema.parse({ uploadSessionId: "g", files: [{ ...FILE, x: 1 }] }),
    ).toThrow();
    const [part] = SEED_PART_URLS_ANSWER.parts;
    expect(() =>
      DocumentedPartUrlsAnswerSchema.parse({
        ...SEED_PART_URLS_ANSWER,
        parts: [{ ...part, x: 1 }],
      }),
    ).toThrow();
    expect(() => DocumentedCompleteAnswerSchema.parse(FILE)).toThrow(/libraryId/);
  });

  it("accepts extra fields, unknown statuses and strategies, and a missing libraryId when reading", () => {
    const drifted = {
      ...FILE,
      status: "verifying",
      uploadStrategy: "resumable",
      totalBytes: null,
      newField: { nested: true },
    };
    expect(
      StartAnswerSchema.parse({ uploadSessionId: "g", files: [drifted], expiresAt: 1 }).files[0],
    ).toMatchObject({ status: "verifying", uploadStrategy: "resumable", totalBytes: undefined });
    expect(CompleteAnswerSchema.parse(drifted).libraryId).toBeNull();
    expect(CancelAnswerSchema.parse({}).status).toBeUndefined();
  });

  it("requires what a relay cannot work without, naming it", () => {
    const [part] = SEED_PART_URLS_ANSWER.parts;
    const { url: _url, ...noUrl } = part ?? { url: "" };
    const missingUrl = PartUrlsAnswerSchema.safeParse({ ...SEED_PART_URLS_ANSWER, parts: [noUrl] });
    expect(missingUrl.error?.issues.map((i) => i.path.join("."))).toEqual(["parts.0.url"]);
    expect(StartAnswerSchema.safeParse({ files: [] }).error?.issues[0]?.path).toEqual([
      "uploadSessionId",
    ]);
    const { uploadId: _id, ...noId } = FILE;
    expect(CompleteAnswerSchema.safeParse(noId).error?.issues[0]?.path).toEqual(["uploadId"]);
  });
});

describe("SpatialGen wire format: requests", () => {
  const video = { fileName: "v.mp4", fileRole: "video", sizeBytes: 10 } as const;

  it("lets a client refuse a group the server would, before sending it", () => {
    expect(() =>
      checkRequest("start group", StartGroupBodySchema, {
        videoName: "v",
        layout: "Separate",
        files: [video],
      }),
    ).toThrow(InvalidInputError);
    expect(() =>
      checkRequest("start group", StartGroupBodySchema, {
        videoName: "v",
        layout: "2D",
        files: [video],
      }),
    ).not.toThrow();
  });

  it("validateGroup is pure and reports every broken rule at once", () => {
    const issues = validateGroup({
      videoName: "v",
      layout: "AIV",
      perspective: "360",
      files: [
        { fileName: "v.avi", fileRole: "video", sizeBytes: 1 },
        { fileName: "a.m4a", fileRole: "audio", sizeBytes: 1 },
      ],
    });
    expect(issues.map((i) => i.path.join("."))).toEqual([
      "files.0.fileName",
      "files.1.languageTag",
      "perspective",
      "files",
    ]);
  });

  it("reads both part-urls styles and an empty body, and every complete body", () => {
    expect(PartUrlsBodySchema.parse({})).toEqual({});
    expect(PartUrlsBodySchema.parse({ partNumbers: [3, 1] })).toEqual({ partNumbers: [3, 1] });
    expect(PartUrlsBodySchema.parse({ startPartNumber: 11, count: 10_000 })).toEqual({
      startPartNumber: 11,
      count: 10_000,
    });
    expect(CompleteFileBodySchema.parse({})).toEqual({});
    expect(CompleteFileBodySchema.parse({ parts: [{ partNumber: 1, etag: '"a"' }] })).toEqual({
      parts: [{ partNumber: 1, etag: '"a"' }],
    });
    expect(
      CompleteFileBodySchema.safeParse({ parts: [{ partNumber: 10_001, etag: "a" }] }).success,
    ).toBe(false);
  });
});
