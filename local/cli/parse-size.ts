/**
 * Sizes on the command line: a plain integer is bytes; a binary unit may follow (`8MiB`, `512k`).
 * Both CLIs read `--chunk-size` through here, so that one value means the same to both.
 */

/** Bytes per unit, by lower-cased suffix; the short forms are the same binary units. */
const UNITS: Readonly<Record<string, number>> = {
  "": 1,
  k: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gib: 1024 ** 3,
};

/** Largest unit first, for the shortest exact spelling of a size. */
const SPELLINGS: readonly (readonly [string, number])[] = [
  ["GiB", 1024 ** 3],
  ["MiB", 1024 ** 2],
  ["KiB", 1024],
];

/** Sign, digits, fraction and suffix kept apart, so that each mistake gets its own message. */
const FORM = /^(-?)([0-9]+)(\.[0-9]*)?([a-z]*)$/i;

const EXPECTED = "give bytes (8388608) or an integer with a unit (8MiB)";

/** Bytes in `text` (`8388608`, `8MiB`, `8m`); throws an Error that says what is wrong. */
export function parseSize(text: string): number {
  if (text === "") throw new Error(`empty size: ${EXPECTED}`);
  const match = FORM.exec(text);
  if (!match) throw new Error(`"${text}" is not a size: ${EXPECTED}`);
  const [, sign, digits = "", fraction, suffix = ""] = match;
  if (sign) throw new Error(`"${text}" is negative: a size is 0 or more`);
  if (fraction !== undefined) {
    throw new Error(`"${text}" is not a whole number: use a smaller unit (1536KiB, not 1.5MiB)`);
  }
  const unit = UNITS[suffix.toLowerCase()];
  if (unit === undefined) {
    throw new Error(`"${text}" has an unknown unit "${suffix}": use KiB, MiB or GiB (or K, M, G)`);
  }
  const bytes = Number(digits) * unit;
  // Past 2^53 bytes would round: refuse rather than use a size nobody asked for.
  if (!Number.isSafeInteger(bytes)) {
    throw new Error(`"${text}" is too large: at most ${Number.MAX_SAFE_INTEGER} bytes`);
  }
  return bytes;
}

/** `bytes` as `parseSize` reads it, in the largest unit that holds it exactly: "8MiB", "1000". */
export function formatSize(bytes: number): string {
  const spelling = SPELLINGS.find(([, unit]) => bytes !== 0 && bytes % unit === 0);
  return spelling ? `${bytes / spelling[1]}${spelling[0]}` : String(bytes);
}

/** Bytes in `text`, from `min` to `max`; throws an Error that says what is wrong. */
export function parseSizeInRange(text: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const bytes = parseSize(text);
  if (bytes > max) throw new Error(`"${text}" is over the maximum ${formatSize(max)}`);
  if (bytes >= min) return bytes;
  // `npm start` once read plain numbers as MiB: an old habit lands here, so say what changed.
  const hint = /^[0-9]+$/.test(text) ? ` (a plain number is bytes; for MiB write ${text}MiB)` : "";
  throw new Error(`"${text}" is under the minimum ${formatSize(min)}${hint}`);
}
