/** Units and wording shared by the CLI's modules. */

/** Bytes in one MiB. */
export const MiB = 1024 * 1024;

/** "64.0 MiB". */
export function mib(bytes: number): string {
  return `${(bytes / MiB).toFixed(1)} MiB`;
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
