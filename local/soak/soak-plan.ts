/**
 * What a soak drops: objects of the sizes where chunking goes wrong (1 byte, exactly one chunk,
 * one chunk and a byte, several chunks and a tail), each with bytes derived from the seed, so
 * a run repeats exactly and nothing large is kept: a body is regenerated to check an asset.
 */

import { createCipheriv, createHash } from "node:crypto";

/** One object of a soak. */
export interface SoakObject {
  /** Key in the drop bucket. */
  readonly key: string;
  /** Size in bytes. */
  readonly size: number;
  /** Seed of its bytes. */
  readonly seed: string;
  /** The same event is delivered a second time (S3 delivers at least once). */
  readonly duplicateEvent: boolean;
  /** The key is overwritten after its drop and the first event delivered again, late. */
  readonly overwritten: boolean;
}

/** Shape of a soak's object list. */
export interface SoakPlanOptions {
  /** Objects to drop. */
  readonly objects: number;
  /** The provider's chunk size, in bytes: sizes are chosen around it. */
  readonly chunkSize: number;
  /** Source of every choice, in [0, 1). */
  readonly random: () => number;
  /** Share of objects whose event is delivered twice. @default 0.1 */
  readonly duplicateEventRate?: number;
  /** Share of objects overwritten after their drop, with a late event for the first. @default 0.05 */
  readonly overwriteRate?: number;
}

/** The objects of a soak, sizes cycling through the chunk edge cases. */
export function planSoak(options: SoakPlanOptions): SoakObject[] {
  const { chunkSize, random } = options;
  const sizes = (index: number): number => {
    switch (index % 4) {
      case 0:
        return 1;
      case 1:
        return chunkSize;
      case 2:
        return chunkSize + 1;
      default:
        // Two to five chunks with a tail of any length.
        return (2 + Math.floor(random() * 4)) * chunkSize + 1 + Math.floor(random() * chunkSize);
    }
  };
  return Array.from({ length: options.objects }, (_, i) => ({
    // Every other object goes to SpatialGen (the soak routes `soak/sg/` there).
    key: `soak/${i % 2 === 1 ? "sg/" : ""}object-${String(i + 1).padStart(4, "0")}.mp4`,
    size: sizes(i),
    seed: `${i}-${Math.floor(random() * 2 ** 32)}`,
    duplicateEvent: random() < (options.duplicateEventRate ?? 0.1),
    overwritten: random() < (options.overwriteRate ?? 0.05),
  }));
}

/** The bytes of a body: AES-CTR keystream of its seed, fast and the same on every call. */
export function bodyOf(seed: string, size: number): Buffer {
  const key = createHash("sha256").update(seed).digest();
  const cipher = createCipheriv("aes-256-ctr", key, Buffer.alloc(16));
  return Buffer.concat([cipher.update(Buffer.alloc(size)), cipher.final()]);
}
