import { describe, expect, it } from "vitest";
import {
  batchesFor,
  chunkRange,
  planBatches,
  totalChunks,
} from "../../../functions/core/chunk-plan.js";
import { InvalidInputError } from "../../../functions/core/errors.js";

const MiB = 1024 * 1024;
const CHUNK = 5 * MiB;

/** Every range of a file, in order. */
function allRanges(totalSize: number, chunkSize: number) {
  return Array.from({ length: totalChunks(totalSize, chunkSize) }, (_, i) =>
    chunkRange(i + 1, chunkSize, totalSize),
  );
}

describe("Function: totalChunks", () => {
  it.each([
    ["1 B", 1, 1],
    ["exactly one chunk", CHUNK, 1],
    ["one chunk + 1 B", CHUNK + 1, 2],
    ["3.5 chunks", 3.5 * CHUNK, 4],
    ["4 GB in 5 MiB", 4 * 1024 * MiB, 820],
  ])("%s → %i chunk(s)", (_name, size, expected) => {
    expect(totalChunks(size, CHUNK)).toBe(expected);
  });

  it.each([
    [0, CHUNK],
    [-1, CHUNK],
    [1.5, CHUNK],
    [Number.NaN, CHUNK],
    [10, 0],
    [10, Number.POSITIVE_INFINITY],
  ])("rejects size %s with chunk size %s", (size, chunkSize) => {
    expect(() => totalChunks(size, chunkSize)).toThrow(InvalidInputError);
  });
});

describe("Function: chunkRange", () => {
  it("1 B file: one chunk of byte 0", () => {
    expect(chunkRange(1, CHUNK, 1)).toEqual({ index: 1, start: 0, end: 0, size: 1 });
  });

  it("exactly one chunk: the whole file", () => {
    expect(chunkRange(1, CHUNK, CHUNK)).toEqual({
      index: 1,
      start: 0,
      end: CHUNK - 1,
      size: CHUNK,
    });
  });

  it("one chunk + 1 B: a full chunk, then the last byte alone", () => {
    expect(allRanges(CHUNK + 1, CHUNK)).toEqual([
      { index: 1, start: 0, end: CHUNK - 1, size: CHUNK },
      { index: 2, start: CHUNK, end: CHUNK, size: 1 },
    ]);
  });

  it("3.5 chunks: three full chunks and a half one", () => {
    const ranges = allRanges(3.5 * CHUNK, CHUNK);
    expect(ranges.map((r) => r.size)).toEqual([CHUNK, CHUNK, CHUNK, CHUNK / 2]);
    expect(ranges[3]).toEqual({
      index: 4,
      start: 3 * CHUNK,
      end: 3.5 * CHUNK - 1,
      size: CHUNK / 2,
    });
  });

  it.each([
    [1, 1],
    [CHUNK, CHUNK],
    [CHUNK + 1, CHUNK],
    [3.5 * CHUNK, CHUNK],
    [12 * MiB + 3, 4 * MiB],
    [1000, 7],
  ])("ranges of a %i-byte file in %i-byte chunks tile it with no gap or overlap", (size, chunk) => {
    const ranges = allRanges(size, chunk);
    let expectedStart = 0;
    for (const range of ranges) {
      expect(range.start).toBe(expectedStart);
      expect(range.size).toBe(range.end - range.start + 1);
      expectedStart = range.end + 1;
    }
    expect(expectedStart).toBe(size);
  });

  it.each([0, -1, 5, 1.5, Number.NaN])("rejects index %s of a 4-chunk file", (index) => {
    expect(() => chunkRange(index, CHUNK, 3.5 * CHUNK)).toThrow(InvalidInputError);
  });

  it("says which index is out of range", () => {
    expect(() => chunkRange(3, CHUNK, CHUNK + 1)).toThrow(/chunk index 3 .*last chunk \(2\)/);
  });
});

describe("Function: planBatches", () => {
  it("splits chunks into consecutive batches, the last one short", () => {
    expect(planBatches(20, 8)).toEqual([
      { first: 1, last: 8 },
      { first: 9, last: 16 },
      { first: 17, last: 20 },
    ]);
  });

  it("one chunk is one batch", () => {
    expect(planBatches(1, 8)).toEqual([{ first: 1, last: 1 }]);
  });

  it("an exact multiple leaves no empty batch", () => {
    expect(planBatches(16, 8)).toEqual([
      { first: 1, last: 8 },
      { first: 9, last: 16 },
    ]);
  });

  it("covers every chunk exactly once", () => {
    const covered = planBatches(820, 7).flatMap(({ first, last }) =>
      Array.from({ length: last - first + 1 }, (_, i) => first + i),
    );
    expect(covered).toEqual(Array.from({ length: 820 }, (_, i) => i + 1));
  });

  it.each([
    [0, 8],
    [10, 0],
    [10, 2.5],
  ])("rejects %s chunks in batches of %s", (total, perBatch) => {
    expect(() => planBatches(total, perBatch)).toThrow(InvalidInputError);
  });
});

describe("Function: batchesFor", () => {
  it("groups unsorted, repeated indexes into min..max batches of at most N indexes", () => {
    expect(batchesFor([9, 2, 30, 2, 31, 4, 40], 3)).toEqual([
      { first: 2, last: 9 },
      { first: 30, last: 40 },
    ]);
  });

  it("a batch range may span chunks that are not in the list", () => {
    const [batch] = batchesFor([2, 9], 8);
    expect(batch).toEqual({ first: 2, last: 9 });
  });

  it("nothing to resend gives no batch", () => {
    expect(batchesFor([], 8)).toEqual([]);
  });

  it("one index is one batch of one", () => {
    expect(batchesFor([7], 8)).toEqual([{ first: 7, last: 7 }]);
  });

  it.each([[[0]], [[-3]], [[1.5]], [[Number.NaN]]])("rejects index list %j", (indexes) => {
    expect(() => batchesFor(indexes, 8)).toThrow(InvalidInputError);
  });

  it("rejects a batch size below 1", () => {
    expect(() => batchesFor([1], 0)).toThrow(InvalidInputError);
  });
});
