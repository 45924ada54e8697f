/** CPU time, of this process or of another one by pid (Linux /proc), in seconds. */

import { readFileSync } from "node:fs";

/** User + system CPU of this process since `before`, seconds. */
export function cpuSince(before: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1e6;
}

/** User + system CPU process `pid` has used so far, seconds; 0 where /proc cannot tell. */
export function cpuOfProcess(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after "(comm)": utime and stime are the 12th and 13th, in clock ticks (100 Hz).
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}
