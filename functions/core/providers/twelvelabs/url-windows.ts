/** How a set of chunk indexes becomes TwelveLabs presigned-urls calls (start/count windows). */

/** One presigned-urls request: chunks `start .. start + count - 1`. */
export interface UrlWindow {
  readonly start: number;
  readonly count: number;
}

/**
 * Groups `sortedIndexes` (ascending, no duplicates) into contiguous runs and splits every run
 * into windows of at most `maxCount`, so no URL is asked for a chunk nobody wants.
 */
export function urlWindows(sortedIndexes: readonly number[], maxCount: number): UrlWindow[] {
  const windows: UrlWindow[] = [];
  let start = 0;
  let count = 0;
  for (const index of sortedIndexes) {
    if (count > 0 && index === start + count && count < maxCount) {
      count++;
      continue;
    }
    if (count > 0) windows.push({ start, count });
    start = index;
    count = 1;
  }
  if (count > 0) windows.push({ start, count });
  return windows;
}
