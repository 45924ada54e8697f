import { describe, expect, it } from "vitest";
import type { z } from "zod";
import {
  DocumentedCreateSessionAnswerSchema,
  DocumentedErrorBodySchema,
  DocumentedListIncompleteAnswerSchema,
  DocumentedPresignedUrlsAnswerSchema,
  DocumentedReportChunksAnswerSchema,
  DocumentedStatusAnswerSchema,
} from "../../../../../functions/core/providers/twelvelabs/twelvelabs-documented-answers.js";
import {
  CompletedChunkSchema,
  createSessionBodySchema,
  PageQuerySchema,
  PresignedUrlsBodySchema,
  ReportChunksBodySchema,
} from "../../../../../functions/core/providers/twelvelabs/twelvelabs-requests.js";
import {
  CreateSessionAnswerSchema,
  ListIncompleteAnswerSchema,
  PresignedUrlsAnswerSchema,
  ReportChunksAnswerSchema,
  StatusAnswerSchema,
} from "../../../../../functions/core/providers/twelvelabs/twelvelabs-schemas.js";
import {
  createAnswer,
  listIncompleteAnswer,
  presignedUrlsAnswer,
  reportAnswer,
  statusAnswer,
  without,
} from "../../../../helpers/twelvelabs-answers.js";

/** Each documented answer, a sample of it, and the lenient schema the relay reads it with. */
const ANSWERS: [string, z.ZodType, z.ZodType, Record<string, unknown>][] = [
  ["create", DocumentedCreateSessionAnswerSchema, CreateSessionAnswerSchema, createAnswer()],
  [
    "presigned-urls",
    DocumentedPresignedUrlsAnswerSchema,
    PresignedUrlsAnswerSchema,
    presignedUrlsAnswer(3, 2),
  ],
  ["report", DocumentedReportChunksAnswerSchema, ReportChunksAnswerSchema, reportAnswer(1, 0, 1)],
  [
    "status",
    DocumentedStatusAnswerSchema,
    StatusAnswerSchema,
    statusAnswer(1, 1, [
      { index: 1, status: "completed" },
      { index: 2, status: "failed" },
      { index: 3, status: "pending" },
    ]),
  ],
  [
    "list incomplete",
    DocumentedListIncompleteAnswerSchema,
    ListIncompleteAnswerSchema,
    listIncompleteAnswer(),
  ],
];

/** A copy of `answer` with `value` set at `path` (`a.0.b`). */
function withField(answer: object, path: string, value: unknown): Record<string, unknown> {
  const copy = structuredClone(answer) as Record<string, unknown>;
  const keys = path.split(".");
  const last = keys.pop() as string;
  let at: Record<string, unknown> = copy;
  for (const key of keys) at = at[key] as Record<string, unknown>;
  at[last] = value;
  return copy;
}

describe("TwelveLabs documented answers", () => {
  it.each(ANSWERS)(
    "%s: a documented answer passes both the exact and the lenient schema",
    (_, exact, lenient, sample) => {
      expect(exact.safeParse(sample).success).toBe(true);
      expect(lenient.safeParse(sample).success).toBe(true);
    },
  );

  it("refuses an unknown field at every depth", () => {
    const cases: [z.ZodType, object, string][] = [
      [DocumentedCreateSessionAnswerSchema, createAnswer(), "extra"],
      [DocumentedCreateSessionAnswerSchema, createAnswer(), "upload_urls.0.extra"],
      [DocumentedPresignedUrlsAnswerSchema, presignedUrlsAnswer(1, 1), "upload_urls.0.extra"],
      [DocumentedReportChunksAnswerSchema, reportAnswer(1, 0, 1), "extra"],
      [
        DocumentedStatusAnswerSchema,
        statusAnswer(1, 1, [{ index: 1, status: "pending" }]),
        "uploaded_chunks.0.extra",
      ],
      [DocumentedStatusAnswerSchema, statusAnswer(1, 1, []), "page_info.extra"],
      [DocumentedListIncompleteAnswerSchema, listIncompleteAnswer(), "data.0.extra"],
      [DocumentedListIncompleteAnswerSchema, listIncompleteAnswer(), "page_info.extra"],
      [DocumentedErrorBodySchema, { code: "not_found", message: "gone" }, "extra"],
    ];
    for (const [schema, sample, path] of cases) {
      expect(schema.safeParse(sample).success, path).toBe(true);
      expect(schema.safeParse(withField(sample, path, 1)).success, path).toBe(false);
    }
  });

  it("refuses a wrong type, a missing field, an unknown status and a time not to the second", () => {
    const status = statusAnswer(1, 1, [{ index: 1, status: "completed" }]);
    expect(
      DocumentedCreateSessionAnswerSchema.safeParse(createAnswer({ chunk_size: "10" })).success,
    ).toBe(false);
    expect(
      DocumentedCreateSessionAnswerSchema.safeParse(without(createAnswer(), "total_chunks"))
        .success,
    ).toBe(false);
    expect(DocumentedStatusAnswerSchema.safeParse({ ...status, status: "done" }).success).toBe(
      false,
    );
    expect(
      DocumentedStatusAnswerSchema.safeParse(withField(status, "uploaded_chunks.0.status", "lost"))
        .success,
    ).toBe(false);
    expect(
      DocumentedStatusAnswerSchema.safeParse({ ...status, created_at: "2025-12-01T11:00:00.123Z" })
        .success,
    ).toBe(false);
    expect(
      DocumentedReportChunksAnswerSchema.safeParse({ ...reportAnswer(1, 0, 1), url: null }).success,
    ).toBe(false);
  });
});

describe("TwelveLabs request schemas", () => {
  const chunk = { chunk_index: 1, proof: "abc", proof_type: "etag", chunk_size: 5 };

  it("take what the docs describe", () => {
    const create = createSessionBodySchema({ maxTotalSize: 100 });
    expect(create.parse({ filename: "a", type: "image", total_size: 100 })).toEqual({
      filename: "a",
      type: "image",
      total_size: 100,
    });
    expect(PresignedUrlsBodySchema.parse({ start: 1, count: 50 })).toEqual({ start: 1, count: 50 });
    expect(ReportChunksBodySchema.parse({ completed_chunks: [chunk] })).toEqual({
      completed_chunks: [chunk],
    });
    expect(PageQuerySchema.parse({ page: "2", page_limit: "50" })).toEqual({
      page: 2,
      page_limit: 50,
    });
  });

  it("narrow type to the accepted list only when one is given, and cap total_size", () => {
    const create = createSessionBodySchema({ maxTotalSize: 100, assetTypes: ["video", "audio"] });
    expect(create.safeParse({ filename: "a", type: "image", total_size: 1 }).success).toBe(false);
    expect(create.safeParse({ filename: "a", type: "audio", total_size: 101 }).success).toBe(false);
  });

  it("need every field of a reported chunk, proof_type included, and 1..50 of them", () => {
    const { proof_type: _, ...untyped } = chunk;
    expect(CompletedChunkSchema.safeParse(untyped).success).toBe(false);
    expect(CompletedChunkSchema.safeParse({ ...chunk, chunk_index: 0 }).success).toBe(false);
    expect(ReportChunksBodySchema.safeParse({ completed_chunks: [] }).success).toBe(false);
    const many = Array.from({ length: 51 }, () => chunk);
    expect(ReportChunksBodySchema.safeParse({ completed_chunks: many }).success).toBe(false);
  });

  it("need both page fields as decimal digits within their limits", () => {
    for (const query of [
      { page: "1" },
      { page: "0", page_limit: "10" },
      { page: "1", page_limit: "51" },
      { page: "one", page_limit: "10" },
      { page: "1.5", page_limit: "10" },
    ]) {
      expect(PageQuerySchema.safeParse(query).success, JSON.stringify(query)).toBe(false);
    }
  });
});
