/** `--since`: an ISO 8601 time, or a duration back from now (`30m`, `2h`, `7d`). */

import { InvalidArgumentError } from "commander";

/** Milliseconds per duration unit. */
const UNITS: Readonly<Record<string, number>> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** The epoch ms `text` names; a commander argument error (exit 2) when it names none. */
export function parseSince(text: string, now: number = Date.now()): number {
  const duration = /^(\d+(?:\.\d+)?)([smhdw])$/.exec(text.trim());
  if (duration) return now - Number(duration[1]) * (UNITS[duration[2] ?? "s"] ?? 1000);
  // ISO 8601 only (a date, or a date and time): Date.parse alone accepts far more than that.
  const time = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(
    text.trim(),
  )
    ? Date.parse(text.trim())
    : Number.NaN;
  if (Number.isNaN(time)) {
    throw new InvalidArgumentError(
      "expected an ISO 8601 time (2026-12-07T10:00Z) or a duration (30m, 2h, 7d)",
    );
  }
  return time;
}
