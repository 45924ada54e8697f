/** The tests' one MD5: a single-PUT object's ETag, and how bytes are compared end to end. */

import { createHash } from "node:crypto";

/** Hex MD5 of `bytes`. */
export function md5(bytes: Uint8Array): string {
  return createHash("md5").update(bytes).digest("hex");
}
