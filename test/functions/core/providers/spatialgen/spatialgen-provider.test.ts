/**
 * The SpatialGen provider against the real SpatialGen sandbox over real HTTP, its part URLs on
 * the local S3 server: the plan is the sandbox's byte ranges, a group completes file by file
 * from the proofs, and its libraryId appears only once every file is complete.
 */

import { randomBytes } from "node:crypto";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChunkProof, UploadSession } from "../../../../../functions/core/provider.js";
import { SpatialGenClient } from "../../../../../functions/core/providers/spatialgen/spatialgen-client.js";
import { SpatialGenProvider } from "../../../../../functions/core/providers/spatialgen/spatialgen-provider.js";
import { UrlPolicy } from "../../../../../functions/core/url-policy.js";
import { type LocalStack, startLocalStack } from "../../../../../local/local-stack.js";
import {
  type SpatialGenSandbox,
  startSpatialGenSandbox,
} from "../../../../../local/spatialgen-sandbox/index.js";
import { md5 } from "../../../../helpers/md5.js";

const KiB = 1024;
let stack: LocalStack;
let sandbox: SpatialGenSandbox;
let provider: SpatialGenProvider;

beforeAll(async () => {
  stack = await startLocalStack();
  sandbox = await startSpatialGenSandbox({
    s3: stack.s3.client,
    s3Endpoint: stack.s3.endpoint,
    bucket: "spatialgen-provider-test",
    partSize: KiB,
    minPartSize: KiB,
  });
  const host = new URL(`http://${sandbox.partHost}`).hostname;
  provider = new SpatialGenProvider({
    client: new SpatialGenClient({
      baseUrl: sandbox.baseUrl,
      apiKey: sandbox.apiKey,
      maxAttempts: 2,
      sleep: async () => {},
    }),
    urlPolicy: new UrlPolicy({ allowedHosts: [host], insecureHosts: [host] }),
    // Small windows, so that a file of a few parts is fetched in several calls.
    urlWindow: 2,
  });
});

afterAll(async () => {
  await sandbox?.stop();
  await stack?.stop();
});

/** PUTs each planned chunk of `bodies` to its URL; answers the proofs, by chunk. */
async function send(session: UploadSession, bodies: readonly Buffer[]): Promise<ChunkProof[]> {
  const urls = new Map(session.urls.map((u) => [u.index, u.url]));
  const proofs: ChunkProof[] = [];
  for (const chunk of session.plan) {
    const bytes = (bodies[chunk.file] as Buffer).subarray(chunk.start, chunk.start + chunk.size);
    const answer = await request(urls.get(chunk.index) as string, { method: "PUT", body: bytes });
    await answer.body.dump();
    expect(answer.statusCode).toBe(200);
    const etag = String(answer.headers.etag).replace(/"/g, "");
    proofs.push({ index: chunk.index, etag, size: chunk.size });
  }
  return proofs;
}

describe("SpatialGenProvider against the SpatialGen sandbox", () => {
  it("a Separate group: the libraryId appears only after both eyes complete", async () => {
    const left = randomBytes(3 * KiB + 5);
    const right = randomBytes(2 * KiB + 9);
    const session = await provider.createSession({
      files: [
        { name: "left.mov", size: left.length, role: "video_left" },
        { name: "right.mov", size: right.length, role: "video_right" },
      ],
      group: { videoName: "Eyes", layout: "Separate", perspective: "180" },
    });
    // Chunks number across files: left is 1..4, right 5..7, each range the sandbox's.
    expect(session.files.map((f) => [f.firstChunk, f.parts])).toEqual([
      [1, 4],
      [5, 3],
    ]);
    expect(session.plan.at(3)).toEqual({ index: 4, file: 0, start: 3 * KiB, size: 5 });
    expect(session.plan.at(6)).toEqual({ index: 7, file: 1, start: 2 * KiB, size: 9 });
    const proofs = await send(session, [left, right]);

    const leftOnly = await provider.getStatus(
      session,
      proofs.filter((p) => p.index <= 4),
    );
    expect(leftOnly).toMatchObject({ state: "active", completedChunks: 4 });
    expect(leftOnly.assetId).toBeUndefined();
    expect(sandbox.groups().at(-1)?.libraryId).toBeNull();

    const both = await provider.getStatus(session, proofs);
    expect(both.state).toBe("completed");
    expect(both.assetId).toBe(sandbox.groups().at(-1)?.libraryId);
    // Complete is safe to repeat: a later poll reads the same libraryId.
    expect((await provider.getStatus(session, proofs)).assetId).toBe(both.assetId);
    expect(md5(await sandbox.readFile(session.uploadId, "video_left"))).toBe(md5(left));
    expect(md5(await sandbox.readFile(session.uploadId, "video_right"))).toBe(md5(right));
    // A completed group holds nothing to give up: cancel is harmless.
    await provider.cancel(session);
    expect(sandbox.groups().at(-1)?.status).toBe("completed");
  });

  it("fresh URLs for scattered chunks carry the planned ranges; planOf reads the same plan", async () => {
    const body = randomBytes(5 * KiB);
    const session = await provider.createSession({
      files: [{ name: "clip.mp4", size: body.length }],
      group: { videoName: "clip" },
    });
    const urls = await provider.getChunkUrls(session, [5, 1, 2, 4]);
    expect(urls.map((u) => [u.index, u.start, u.size])).toEqual([
      [1, 0, KiB],
      [2, KiB, KiB],
      [4, 3 * KiB, KiB],
      [5, 4 * KiB, KiB],
    ]);
    expect(await provider.planOf(session)).toEqual(session.plan);
    await expect(provider.getChunkUrls(session, [6])).rejects.toThrow(/chunk 6 is in no file/);
  });

  it("a wrong ETag fails its file's chunks, to be sent again", async () => {
    const body = randomBytes(2 * KiB);
    const session = await provider.createSession({
      files: [{ name: "wrong.mp4", size: body.length }],
      group: { videoName: "wrong" },
    });
    const proofs = await send(session, [body]);
    const wrong = proofs.map((p) => (p.index === 2 ? { ...p, etag: "0".repeat(32) } : p));
    const status = await provider.getStatus(session, wrong);
    expect(status).toMatchObject({ state: "active", failedChunks: [1, 2] });
    expect((await provider.getStatus(session, proofs)).state).toBe("completed");
  });

  it("cancel gives an open group up, and is safe to repeat; the status then reads failed", async () => {
    const body = randomBytes(2 * KiB);
    const session = await provider.createSession({
      files: [{ name: "gone.mp4", size: body.length }],
      group: { videoName: "gone" },
    });
    const proofs = await send(session, [body]);
    await provider.cancel(session);
    await provider.cancel(session);
    expect(sandbox.groups().at(-1)?.status).toBe("canceled");
    expect((await provider.getStatus(session, proofs)).state).toBe("failed");
  });

  it("a group whose part URLs cannot be had is cancelled, not left open for a retry to duplicate", async () => {
    // Every part-urls attempt answers 500 (the client's 2 attempts both fail); start is fine.
    sandbox.setFaults({ partUrls: { error500Rate: 1 } });
    try {
      await expect(
        provider.createSession({
          files: [{ name: "orphan.mp4", size: 3 * KiB }],
          group: { videoName: "orphan" },
        }),
      ).rejects.toThrow(/part|provider/i);
    } finally {
      sandbox.setFaults({});
    }
    const group = sandbox.groups().at(-1);
    expect(group?.videoName).toBe("orphan");
    expect(group?.status).toBe("canceled");
  });

  it("refusals name the file and the rule, without a call", () => {
    const before = sandbox.calls().start ?? 0;
    expect(
      provider.refusals({
        files: [{ name: "notes.txt", size: 10 }],
        group: { videoName: "n" },
      }),
    ).toEqual([
      expect.stringMatching(/^files\.notes\.txt\.fileName: extension ".txt" is not allowed/),
    ]);
    expect(
      provider.refusals({
        files: [{ name: "left.mov", size: 10, role: "video_left" }],
        group: { videoName: "n", layout: "Separate" },
      }),
    ).toEqual([expect.stringMatching(/layout Separate needs exactly one video_right/)]);
    expect(
      provider.refusals({ files: [{ name: "ok.mp4", size: 10 }], group: { videoName: "ok" } }),
    ).toEqual([]);
    expect(sandbox.calls().start ?? 0).toBe(before);
  });
});
