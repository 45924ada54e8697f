/**
 * The requests of SpatialGen's direct-upload API (shared/api-notes.md, "SpatialGen direct
 * uploads"), as zod schemas: the one definition of what a request may carry.
 *
 * Two sides read them, as for TwelveLabs: a client checks every request against them before it
 * is sent (`checkRequest` of `../check-request.ts`), and the local
 * sandbox parses what it receives with them. The group rules the server enforces (layout,
 * roles, extensions, language tags, duplicates) are one pure function, {@link validateGroup},
 * that the start schema applies as a refinement, so a client refuses a group the server would.
 */

import { z } from "zod";
import { S3_LIMITS, SPATIALGEN_LIMITS } from "../../config/limits.js";

/** `layout` values of a group. */
export const LAYOUTS = ["2D", "MVHEVC", "SBS", "TB", "Separate", "AIV"] as const;
/** `perspective` values of a group. */
export const PERSPECTIVES = ["Regular", "180", "360"] as const;
/** A file's role in its group: a key of the extension table in `SPATIALGEN_LIMITS`. */
export type FileRole = keyof typeof SPATIALGEN_LIMITS.extensionsByRole;
/** `fileRole` values of a file: the keys of the extension table, so the two cannot drift. */
export const FILE_ROLES = Object.keys(SPATIALGEN_LIMITS.extensionsByRole) as [
  FileRole,
  ...FileRole[],
];

/** A group's layout. */
export type Layout = (typeof LAYOUTS)[number];
/** A group's perspective. */
export type Perspective = (typeof PERSPECTIVES)[number];

/** Roles whose files carry a `languageTag` (required there, refused elsewhere). */
const TAGGED_ROLES: ReadonlySet<FileRole> = new Set(["audio", "subtitle"]);

/** A BCP 47 language tag, as `Intl` reads it (`en`, `en-US`, `zh-Hant-TW`). */
const LanguageTagSchema = z.string().refine((tag) => {
  try {
    return Intl.getCanonicalLocales(tag).length === 1;
  } catch {
    return false;
  }
}, "must be a BCP 47 language tag such as en or pt-BR");

/** One file of a start body. */
export const GroupFileSchema = z.object({
  fileName: z.string().min(1, "fileName must not be empty"),
  fileRole: z.enum(FILE_ROLES),
  sizeBytes: z.number().int().min(1, "sizeBytes must be at least 1 byte"),
  languageTag: LanguageTagSchema.optional(),
});

/** A start body's fields before the group rules: what {@link validateGroup} reads. */
const GroupShapeSchema = z.object({
  videoName: z.string().min(1, "videoName must not be empty"),
  description: z.string().optional(),
  layout: z.enum(LAYOUTS),
  perspective: z.enum(PERSPECTIVES).optional(),
  folderName: z.string().min(1, "folderName must not be empty").optional(),
  files: z.array(GroupFileSchema).min(1, "files must name at least one file"),
});

/** A group as {@link validateGroup} reads it. */
export type GroupShape = z.output<typeof GroupShapeSchema>;

/** One broken group rule: the field it concerns (zod path) and why. */
export interface GroupIssue {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

/** Extension of a file name, lower case with its dot; `""` when it has none. */
export function extensionOf(fileName: string): string {
  const dot = fileName.lastIndexOf(".");
  return dot <= 0 ? "" : fileName.slice(dot).toLowerCase();
}

/**
 * Every rule of the group the server enforces, as issues naming the field: extension per role;
 * `languageTag` for audio and subtitle only; no file name twice; `Separate` takes exactly one
 * `video_left` and one `video_right` and no `video`, every other layout exactly one `video` (and
 * no eye files: the notes give eyes only to `Separate`); `AIV` takes perspective `180` and a
 * `.aivu` video or an `aime` + `fcpxmld` pair; at most one `aime` and one `fcpxmld`.
 */
export function validateGroup(group: GroupShape): GroupIssue[] {
  const issues: GroupIssue[] = [];
  const seen = new Map<string, number>();
  const indexesOf = (role: FileRole): number[] =>
    group.files.flatMap((file, i) => (file.fileRole === role ? [i] : []));

  group.files.forEach((file, i) => {
    const allowed: readonly string[] = SPATIALGEN_LIMITS.extensionsByRole[file.fileRole];
    const extension = extensionOf(file.fileName);
    if (!allowed.includes(extension)) {
      issues.push({
        path: ["files", i, "fileName"],
        message: `extension "${extension}" is not allowed for fileRole ${file.fileRole} (allowed: ${allowed.join(", ")})`,
      });
    }
    const tagged = TAGGED_ROLES.has(file.fileRole);
    if (tagged && file.languageTag === undefined) {
      issues.push({
        path: ["files", i, "languageTag"],
        message: `languageTag is required for fileRole ${file.fileRole}`,
      });
    }
    if (!tagged && file.languageTag !== undefined) {
      issues.push({
        path: ["files", i, "languageTag"],
        message: `languageTag is only for audio and subtitle files, not ${file.fileRole}`,
      });
    }
    const first = seen.get(file.fileName);
    if (first !== undefined) {
      issues.push({
        path: ["files", i, "fileName"],
        message: `fileName "${file.fileName}" is already files.${first}`,
      });
    } else {
      seen.set(file.fileName, i);
    }
  });

  const count = (role: FileRole, expected: number, why: string): void => {
    const found = indexesOf(role);
    if (found.length === expected) return;
    issues.push({
      path: found.length > expected ? ["files", found[expected] ?? 0, "fileRole"] : ["files"],
      message: `layout ${group.layout} ${why}: found ${found.length} ${role} file(s)`,
    });
  };
  if (group.layout === "Separate") {
    count("video_left", 1, "needs exactly one video_left");
    count("video_right", 1, "needs exactly one video_right");
    count("video", 0, "takes no video (use video_left and video_right)");
  } else {
    count("video", 1, "needs exactly one video");
    count("video_left", 0, "takes no video_left (only Separate does)");
    count("video_right", 0, "takes no video_right (only Separate does)");
  }
  for (const role of ["aime", "fcpxmld"] as const) {
    const found = indexesOf(role);
    if (found.length > 1) {
      issues.push({
        path: ["files", found[1] ?? 0, "fileRole"],
        message: `at most one ${role} file per group: found ${found.length}`,
      });
    }
  }
  if (group.layout === "AIV") {
    if (group.perspective !== "180") {
      issues.push({ path: ["perspective"], message: "layout AIV needs perspective 180" });
    }
    const aivuVideo = group.files.some(
      (file) => file.fileRole === "video" && extensionOf(file.fileName) === ".aivu",
    );
    const pair = indexesOf("aime").length > 0 && indexesOf("fcpxmld").length > 0;
    if (!aivuVideo && !pair) {
      issues.push({
        path: ["files"],
        message: "layout AIV needs a .aivu video, or an aime file and an fcpxmld file",
      });
    }
  }
  return issues;
}

/** Body of `POST /api/videos/uploads` (start group): the fields, then the group rules. */
export const StartGroupBodySchema = GroupShapeSchema.superRefine((group, ctx) => {
  for (const issue of validateGroup(group)) {
    ctx.addIssue({ code: "custom", path: [...issue.path], message: issue.message });
  }
});

/** A part number: S3's 1..10,000, since every part is one S3 UploadPart. */
const PartNumber = z.number().int().min(1).max(S3_LIMITS.maxParts);

/**
 * Body of `POST …/files/{uploadId}/part-urls`: explicit `partNumbers` (retries), or a window of
 * `count` parts from `startPartNumber`; never both styles. An empty body asks for every part.
 */
export const PartUrlsBodySchema = z
  .object({
    partNumbers: z
      .array(PartNumber)
      .min(1, "partNumbers must not be empty")
      .max(SPATIALGEN_LIMITS.maxUrlsPerCall)
      .optional(),
    startPartNumber: PartNumber.optional(),
    count: z.number().int().min(1).max(SPATIALGEN_LIMITS.maxUrlsPerCall).optional(),
  })
  .superRefine((body, ctx) => {
    if (body.partNumbers && (body.startPartNumber !== undefined || body.count !== undefined)) {
      ctx.addIssue({
        code: "custom",
        path: ["partNumbers"],
        message: "partNumbers cannot be combined with startPartNumber or count",
      });
    }
    const numbers = body.partNumbers ?? [];
    const duplicate = numbers.findIndex((n, i) => numbers.indexOf(n) !== i);
    if (duplicate >= 0) {
      ctx.addIssue({
        code: "custom",
        path: ["partNumbers", duplicate],
        message: `part ${numbers[duplicate]} is asked for twice`,
      });
    }
  });

/** One part of a complete body: its number and the ETag its PUT answered (quoted or not). */
export const CompletedPartSchema = z.object({
  partNumber: PartNumber,
  etag: z.string().min(1, "etag must not be empty"),
});

/** Body of `POST …/files/{uploadId}/complete`: every part of a multipart file; none for single_put. */
export const CompleteFileBodySchema = z.object({
  parts: z.array(CompletedPartSchema).max(S3_LIMITS.maxParts).optional(),
});

/** Body of the start call, as a client is given it. */
export type StartGroupBody = z.input<typeof StartGroupBodySchema>;
/** One file of a start body. */
export type GroupFile = z.output<typeof GroupFileSchema>;
/** Body of the part-urls call. */
export type PartUrlsBody = z.input<typeof PartUrlsBodySchema>;
/** One completed part. */
export type CompletedPart = z.output<typeof CompletedPartSchema>;
/** Body of the complete call. */
export type CompleteFileBody = z.input<typeof CompleteFileBodySchema>;
