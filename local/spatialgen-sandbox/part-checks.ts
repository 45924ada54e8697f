/**
 * The part checks of the SpatialGen sandbox: which parts a part-urls body asks for, and whether
 * a complete body lists every part with the ETag and size S3 really stored. Each refusal is a
 * 400 whose message names the field.
 */

import { chunkRange } from "../../functions/core/chunk-plan.js";
import { SPATIALGEN_LIMITS } from "../../functions/core/config/limits.js";
import type { CompletedPart } from "../../functions/core/providers/spatialgen/spatialgen-requests.js";
import { SandboxHttpError } from "../sandbox-kit/http-io.js";
import { normalizeEtag } from "../sandbox-kit/stored-part.js";
import type { FileState } from "./group-store.js";

/** The part numbers a part-urls body asks for, each within `1..totalParts`, or a 400 naming the field. */
export function partNumbersOf(
  input: { partNumbers?: number[]; startPartNumber?: number; count?: number },
  totalParts: number,
): number[] {
  const invalid = (message: string) => new SandboxHttpError(400, "parameter_invalid", message);
  if (input.partNumbers) {
    const beyond = input.partNumbers.findIndex((n) => n > totalParts);
    if (beyond >= 0) {
      throw invalid(
        `partNumbers.${beyond}: part ${input.partNumbers[beyond]} is beyond totalParts ${totalParts}`,
      );
    }
    return input.partNumbers;
  }
  const start = input.startPartNumber ?? 1;
  if (start > totalParts) {
    throw invalid(`startPartNumber: ${start} is beyond totalParts ${totalParts}`);
  }
  const count = input.count ?? Math.min(totalParts - start + 1, SPATIALGEN_LIMITS.maxUrlsPerCall);
  const last = start + count - 1;
  if (last > totalParts) {
    throw invalid(`count: parts ${start}..${last} run past totalParts ${totalParts}`);
  }
  return Array.from({ length: count }, (_, i) => start + i);
}

/**
 * Checks a complete body against the parts S3 stored: every part `1..totalParts` listed once,
 * each with the ETag its PUT answered (quoted or not) and the planned size. A `single_put` file
 * needs no list, only its stored object. Throws one 400 naming every wrong field.
 */
export function checkParts(file: FileState, parts: readonly CompletedPart[] | undefined): void {
  const problems: string[] = [];
  if (parts === undefined) {
    if (file.uploadStrategy === "multipart") {
      problems.push(`parts: required for a multipart file (${file.totalParts} parts)`);
    } else {
      problems.push(...storedProblems(file, 1, "parts"));
    }
  } else {
    const listed = new Set<number>();
    parts.forEach((part, i) => {
      if (part.partNumber > file.totalParts) {
        problems.push(
          `parts.${i}.partNumber: part ${part.partNumber} is beyond totalParts ${file.totalParts}`,
        );
        return;
      }
      if (listed.has(part.partNumber)) {
        problems.push(`parts.${i}.partNumber: part ${part.partNumber} is listed twice`);
        return;
      }
      listed.add(part.partNumber);
      const stored = file.parts.get(part.partNumber);
      if (stored && normalizeEtag(part.etag) !== stored.etag) {
        problems.push(
          `parts.${i}.etag: does not match the ETag of the stored part ${part.partNumber}`,
        );
        return;
      }
      problems.push(...storedProblems(file, part.partNumber, `parts.${i}`));
    });
    const missing = Array.from({ length: file.totalParts }, (_, i) => i + 1).filter(
      (n) => !listed.has(n),
    );
    if (missing.length > 0) {
      const shown = missing.slice(0, 10).join(", ");
      problems.push(
        `parts: ${missing.length} part(s) missing (${shown}${missing.length > 10 ? ", …" : ""}); every part 1..${file.totalParts} must be listed`,
      );
    }
  }
  if (problems.length > 0) {
    throw new SandboxHttpError(400, "parameter_invalid", problems.join("; "));
  }
}

/** Whether part `partNumber` is stored with its planned size; problems name `field`. */
function storedProblems(file: FileState, partNumber: number, field: string): string[] {
  const stored = file.parts.get(partNumber);
  if (!stored) return [`${field}: part ${partNumber} has not been uploaded`];
  const expected = chunkRange(partNumber, file.partSizeBytes, file.totalBytes).size;
  if (stored.size !== expected) {
    return [`${field}: stored part ${partNumber} has ${stored.size} bytes, expected ${expected}`];
  }
  return [];
}
