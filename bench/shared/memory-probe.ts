/**
 * The child's memory figures. Peak RSS is the kernel's high-water mark of the process's own
 * address space (`VmHWM` in /proc/self/status: exact, not sampled; `resourceUsage().maxRSS`
 * would not do, as Linux carries the parent's peak across fork and exec); elsewhere RSS is
 * sampled. Heap + buffer growth is sampled every 5 ms (`heapUsed + external`; Buffers live in
 * `external`) and includes garbage not yet collected.
 */

import { readFileSync } from "node:fs";
/** A process's memory over a measured run, in bytes. */
export interface MemoryFigures {
  /** RSS when the run started. */
  readonly rssStart: number;
  /** Peak RSS of the process. */
  readonly maxRss: number;
  /** `heapUsed + external` when the run started. */
  readonly heapStart: number;
  /** Highest sampled `heapUsed + external`. */
  readonly heapPeak: number;
}

/** A running probe; `stop` ends the sampling and returns the figures. */
export interface MemoryProbe {
  /** Stops sampling and returns the figures since the probe started. */
  stop(): MemoryFigures;
}

const SAMPLE_EVERY_MS = 5;

/** Starts sampling now: the figures' start values are taken here. */
export function startMemoryProbe(): MemoryProbe {
  const rssStart = process.memoryUsage().rss;
  const heapStart = heapNow();
  let heapPeak = heapStart;
  let rssPeak = rssStart;
  const sampler = setInterval(() => {
    heapPeak = Math.max(heapPeak, heapNow());
    rssPeak = Math.max(rssPeak, process.memoryUsage.rss());
  }, SAMPLE_EVERY_MS);
  return {
    stop: () => {
      clearInterval(sampler);
      heapPeak = Math.max(heapPeak, heapNow());
      return {
        rssStart,
        maxRss: Math.max(rssPeak, residentHighWaterMark() ?? 0),
        heapStart,
        heapPeak,
      };
    },
  };
}

function heapNow(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

/** The kernel's peak RSS of this process's address space, in bytes (Linux only). */
export function residentHighWaterMark(): number | undefined {
  try {
    const kib = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync("/proc/self/status", "utf8"))?.[1];
    return kib ? Number(kib) * 1024 : undefined;
  } catch {
    return undefined;
  }
}
