/**
 * Cuts a text stream into lines for a per-line log sink: a line written in several chunks is
 * handed over once, whole, and a last line without a newline is handed over when the stream
 * ends.
 */

import type { Readable } from "node:stream";

/** Hands every line `stream` carries to `onLine`, without its `\n` or `\r\n`. */
export function forEachLine(stream: Readable, onLine: (line: string) => void): void {
  let partial = "";
  stream.setEncoding("utf8");
  stream.on("data", (chunk: string) => {
    const lines = (partial + chunk).split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) onLine(line.endsWith("\r") ? line.slice(0, -1) : line);
  });
  stream.on("end", () => {
    if (partial !== "") onLine(partial);
    partial = "";
  });
}
