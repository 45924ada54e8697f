/**
 * How `status` and `list` show upload records: as aligned text for people, as JSON for
 * scripts. Only what an operator needs: never chunk URLs or upload headers.
 */

import type { UploadRecord } from "../functions/core/upload-store.js";
import { mib, scrubberOf } from "./text.js";
import type { UploadProgress } from "./upload-view.js";

const scrub = scrubberOf([]);

/** ISO time of an epoch-ms field, or undefined. */
function iso(ms: number | undefined): string | undefined {
  return ms === undefined ? undefined : new Date(ms).toISOString();
}

/** An upload as `status --json` and `list --json` print it. */
export function uploadJson(record: UploadRecord, progress?: UploadProgress) {
  return {
    uploadKey: record.uploadKey,
    bucket: record.source.bucket,
    key: record.source.key,
    size: record.source.size,
    etag: record.source.etag,
    versionId: record.source.versionId,
    status: record.status,
    provider: record.provider,
    uploadId: record.uploadId ?? null,
    assetId: record.assetId ?? null,
    error: record.error ? { code: record.error.code, message: scrub(record.error.message) } : null,
    createdAt: iso(record.createdAt),
    updatedAt: iso(record.updatedAt),
    completedAt: iso(record.completedAt) ?? null,
    redrives: record.redrives ?? 0,
    ...(progress
      ? {
          chunks: { transferred: progress.chunks, total: progress.totalChunks ?? null },
          bytesTransferred: progress.bytes,
        }
      : {}),
    ...(record.indexing
      ? { indexing: { indexId: record.indexing.indexId, status: record.indexing.status } }
      : {}),
  };
}

/** An upload as `status` prints it: one aligned `field value` line each. */
export function uploadLines(record: UploadRecord, progress: UploadProgress): string[] {
  const { source } = record;
  const fields: [string, string | undefined][] = [
    ["upload", record.uploadKey],
    ["object", `s3://${source.bucket}/${source.key}`],
    ["size", `${mib(source.size)} (${source.size} bytes)`],
    ["status", record.status],
    ["provider", record.provider],
    ["session", record.uploadId],
    [
      "chunks",
      progress.totalChunks === undefined
        ? undefined
        : `${progress.chunks}/${progress.totalChunks} (${mib(progress.bytes)})`,
    ],
    ["created", iso(record.createdAt)],
    ["ended", iso(record.completedAt)],
    ["asset id", record.assetId],
    ["error", record.error ? `${record.error.code}: ${scrub(record.error.message)}` : undefined],
    ["redrives", record.redrives ? String(record.redrives) : undefined],
    [
      "indexing",
      record.indexing ? `${record.indexing.status} (index ${record.indexing.indexId})` : undefined,
    ],
  ];
  return fields
    .filter((field): field is [string, string] => field[1] !== undefined)
    .map(([name, value]) => `${name.padEnd(9)} ${value}`);
}

/** Uploads as `list` prints them: a header and one row each, in aligned columns. */
export function uploadTable(records: readonly UploadRecord[]): string[] {
  const rows = records.map((r) => [
    r.uploadKey,
    r.source.key,
    r.status,
    r.provider,
    mib(r.source.size),
    new Date(r.createdAt).toISOString().replace(/\.\d{3}Z$/, "Z"),
    r.assetId ?? r.error?.code ?? "",
  ]);
  const header = ["UPLOAD KEY", "KEY", "STATUS", "PROVIDER", "SIZE", "CREATED", "ASSET ID / ERROR"];
  const widths = header.map((h, i) =>
    Math.max(h.length, ...rows.map((row) => row[i]?.length ?? 0)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)];
}
