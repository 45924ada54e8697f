import { describe, expect, it } from "vitest";
import {
  executionNameOf,
  type ObjectVersion,
  uploadKeyOf,
} from "../../../functions/core/upload-identity.js";

const versioned: ObjectVersion = {
  bucket: "drop",
  key: "videos/clip.mp4",
  versionId: "3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY",
  etag: "9b2cf535f27731c974343645a3985328",
  sequencer: "0055AED6DCD90281E5",
};
const unversioned: ObjectVersion = { ...versioned, versionId: null };

describe("Function: uploadKeyOf", () => {
  it("names the same object version the same, whatever the event's sequencer", () => {
    expect(uploadKeyOf(versioned)).toMatch(/^[0-9a-f]{32}$/);
    expect(uploadKeyOf({ ...versioned, sequencer: "0055AED6DCD90281FF" })).toBe(
      uploadKeyOf(versioned),
    );
  });

  it("names a new version of the same key anew, in versioned and unversioned buckets", () => {
    expect(uploadKeyOf({ ...versioned, versionId: "other" })).not.toBe(uploadKeyOf(versioned));
    // Unversioned: the same bytes written again are a new write, told apart by the sequencer.
    expect(uploadKeyOf({ ...unversioned, sequencer: "0055AED6DCD90281FF" })).not.toBe(
      uploadKeyOf(unversioned),
    );
    expect(uploadKeyOf({ ...unversioned, etag: "0".repeat(32) })).not.toBe(
      uploadKeyOf(unversioned),
    );
  });

  it("tells apart bucket/key splits that concatenate alike", () => {
    expect(uploadKeyOf({ ...versioned, bucket: "a", key: "b/c" })).not.toBe(
      uploadKeyOf({ ...versioned, bucket: "a/b", key: "c" }),
    );
  });
});

describe("Function: executionNameOf", () => {
  it.each([
    "videos/clip.mp4",
    "deep/a/b/c/vidéo 日本語 🎬 (final) [v2]+x.mov",
    `${"x".repeat(300)}.mp4`,
    "folder/",
    "🎬🎬🎬",
  ])("gives a valid Step Functions name for %j, ending in the upload key", (key) => {
    const name = executionNameOf({ ...versioned, key });
    expect(name.length).toBeLessThanOrEqual(80);
    expect(name).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(name.endsWith(uploadKeyOf({ ...versioned, key }))).toBe(true);
  });
});
