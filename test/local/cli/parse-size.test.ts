import { describe, expect, it } from "vitest";
import { formatSize, parseSize, parseSizeInRange } from "../../../local/cli/parse-size.js";

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

describe("Function: parseSize", () => {
  it.each([
    ["0", 0],
    ["1", 1],
    ["8388608", 8 * MiB],
    ["007", 7],
    [String(Number.MAX_SAFE_INTEGER), Number.MAX_SAFE_INTEGER],
    ["4KiB", 4 * KiB],
    ["8MiB", 8 * MiB],
    ["5GiB", 5 * GiB],
    ["8mib", 8 * MiB],
    ["8MIB", 8 * MiB],
    ["4k", 4 * KiB],
    ["4K", 4 * KiB],
    ["8m", 8 * MiB],
    ["8M", 8 * MiB],
    ["2g", 2 * GiB],
    ["2G", 2 * GiB],
    ["0MiB", 0],
  ])("%s → %i bytes", (text, bytes) => {
    expect(parseSize(text)).toBe(bytes);
  });

  it.each([
    ["", "empty size: give bytes (8388608) or an integer with a unit (8MiB)"],
    ["abc", '"abc" is not a size: give bytes (8388608) or an integer with a unit (8MiB)'],
    ["MiB", '"MiB" is not a size: give bytes (8388608) or an integer with a unit (8MiB)'],
    [" 8MiB", '" 8MiB" is not a size: give bytes (8388608) or an integer with a unit (8MiB)'],
    ["8 MiB", '"8 MiB" is not a size: give bytes (8388608) or an integer with a unit (8MiB)'],
    ["+8", '"+8" is not a size: give bytes (8388608) or an integer with a unit (8MiB)'],
    ["1e6", '"1e6" is not a size: give bytes (8388608) or an integer with a unit (8MiB)'],
    ["0x10", '"0x10" is not a size: give bytes (8388608) or an integer with a unit (8MiB)'],
    ["-5", '"-5" is negative: a size is 0 or more'],
    ["-8MiB", '"-8MiB" is negative: a size is 0 or more'],
    ["1.5", '"1.5" is not a whole number: use a smaller unit (1536KiB, not 1.5MiB)'],
    ["1.5MiB", '"1.5MiB" is not a whole number: use a smaller unit (1536KiB, not 1.5MiB)'],
    ["8.MiB", '"8.MiB" is not a whole number: use a smaller unit (1536KiB, not 1.5MiB)'],
    ["8MB", '"8MB" has an unknown unit "MB": use KiB, MiB or GiB (or K, M, G)'],
    ["8TiB", '"8TiB" has an unknown unit "TiB": use KiB, MiB or GiB (or K, M, G)'],
    ["8b", '"8b" has an unknown unit "b": use KiB, MiB or GiB (or K, M, G)'],
    ["9007199254740992", '"9007199254740992" is too large: at most 9007199254740991 bytes'],
    ["99999999999999999999", '"99999999999999999999" is too large: at most 9007199254740991 bytes'],
    ["8388608GiB", '"8388608GiB" is too large: at most 9007199254740991 bytes'],
  ])("refuses %j", (text, message) => {
    expect(() => parseSize(text)).toThrow(new Error(message));
  });
});

describe("Function: formatSize", () => {
  it.each([
    [0, "0"],
    [1000, "1000"],
    [1536 * KiB, "1536KiB"],
    [5 * MiB, "5MiB"],
    [5 * GiB, "5GiB"],
  ])("%i → %s", (bytes, text) => {
    expect(formatSize(bytes)).toBe(text);
    expect(parseSize(text)).toBe(bytes);
  });
});

describe("Function: parseSizeInRange", () => {
  it("takes both ends of the range", () => {
    expect(parseSizeInRange("5MiB", 5 * MiB, 5 * GiB)).toBe(5 * MiB);
    expect(parseSizeInRange(String(5 * GiB), 5 * MiB, 5 * GiB)).toBe(5 * GiB);
  });

  it("has no upper end unless given one", () => {
    expect(parseSizeInRange("64GiB", 5 * MiB)).toBe(64 * GiB);
  });

  it.each([
    ["4MiB", '"4MiB" is under the minimum 5MiB'],
    ["16", '"16" is under the minimum 5MiB (a plain number is bytes; for MiB write 16MiB)'],
    ["5121MiB", '"5121MiB" is over the maximum 5GiB'],
    ["8MB", '"8MB" has an unknown unit "MB": use KiB, MiB or GiB (or K, M, G)'],
  ])("refuses %j", (text, message) => {
    expect(() => parseSizeInRange(text, 5 * MiB, 5 * GiB)).toThrow(new Error(message));
  });
});
