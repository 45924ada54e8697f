/** Units and wording shared by the CLIs' modules (`relay` and `npm start`). */

/** Bytes in one MiB. */
export const MiB = 1024 * 1024;

/** "64.0 MiB". */
export function mib(bytes: number): string {
  return `${(bytes / MiB).toFixed(1)} MiB`;
}

/** "12.3 MiB/s", or "- MiB/s" while unknown. */
export function rateText(bytesPerSecond: number | undefined): string {
  return bytesPerSecond === undefined ? "- MiB/s" : `${(bytesPerSecond / MiB).toFixed(1)} MiB/s`;
}

/** "42s", "3m05s", "2h07m", or "-" while unknown. */
export function durationText(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return "-";
  const whole = Math.max(0, Math.round(seconds));
  if (whole < 60) return `${whole}s`;
  const pad = (n: number) => String(n).padStart(2, "0");
  if (whole < 3600) return `${Math.floor(whole / 60)}m${pad(whole % 60)}s`;
  return `${Math.floor(whole / 3600)}h${pad(Math.floor((whole % 3600) / 60))}m`;
}

/** The message of anything thrown. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Removes the secrets and every URL query (presigned signatures) from text about to be shown. */
export function scrubberOf(secrets: readonly string[]): (text: string) => string {
  return (text) => {
    let clean = text;
    for (const secret of secrets) clean = clean.replaceAll(secret, "[redacted]");
    return clean.replace(/(https?:\/\/[^\s"'<>?]*)\?[^\s"'<>]*/gi, "$1?[redacted]");
  };
}
