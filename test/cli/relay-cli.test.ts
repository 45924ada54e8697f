/**
 * The `relay` CLI against the local stack, as a user runs it: a process of its own that finds
 * the stack from the local target file `npm start` writes, and talks to it through the IAM gate
 * as an operator. Every upload is read back from the sandbox and compared byte for byte.
 */

import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { writeLocalTarget } from "../../cli/local-target.js";
import { type LocalRelay, startLocalRelay } from "../../local/local-relay.js";
import { expectNoSecrets } from "../e2e/relay-harness.js";
import { md5 } from "../helpers/md5.js";
import { startCloudFormationStub } from "./cloudformation-stub.js";
import { killRunning, runRelay, startRelay } from "./run-relay.js";

const MiB = 1024 * 1024;
const CHUNK = MiB;

let relay: LocalRelay;
let home = "";
let files = "";
/** Releases of the sandbox delays held at its gate, in arrival order. */
const held: (() => void)[] = [];
/** Told each time a delay is held. */
let onHeld: () => void = () => {};

/** Resolves once a sandbox call is held at the gate. */
function nextHeld(): Promise<void> {
  return new Promise((resolve) => {
    onHeld = resolve;
  });
}

/** The environment of every run: the temp relay home, and nothing of AWS. */
function env(): NodeJS.ProcessEnv {
  return {
    HOME: home,
    RELAY_HOME: home,
    ...(process.env.TMPDIR ? { TMPDIR: process.env.TMPDIR } : {}),
  };
}

/** `relay --poll-interval 50 ...args` against the local stack. */
function relayCli(...args: string[]) {
  return runRelay(["--poll-interval", "50", ...args], env());
}

/** A file of `size` random bytes in the temp folder. */
async function fileOf(name: string, size: number): Promise<{ path: string; bytes: Buffer }> {
  const bytes = randomBytes(size);
  const path = join(files, name);
  await writeFile(path, bytes);
  return { path, bytes };
}

/** The asset id a run printed. */
function assetIdIn(stdout: string): string {
  const id = /^asset_id=(\S+)$/m.exec(stdout)?.[1];
  if (!id) throw new Error(`no asset_id in:\n${stdout}`);
  return id;
}

/** The upload key a drop printed. */
function uploadKeyIn(stdout: string): string {
  const key = /^upload ([0-9a-f]{32})$/m.exec(stdout)?.[1];
  if (!key) throw new Error(`no upload key in:\n${stdout}`);
  return key;
}

beforeAll(async () => {
  relay = await startLocalRelay({
    sandbox: {
      chunkSize: CHUNK,
      minChunkSize: CHUNK,
      initialUrls: 2,
      // Every `delayMs` wait is a gate, held until the test releases it.
      sleep: () =>
        new Promise<void>((resolve) => {
          held.push(resolve);
          onHeld();
        }),
    },
    settings: { chunksPerBatch: 2 },
  });
  home = await mkdtemp(join(tmpdir(), "relay-home-"));
  files = await mkdtemp(join(tmpdir(), "relay-files-"));
  // What `npm start` writes while it runs: this process holds the stack.
  await writeLocalTarget(relay, home);
});

afterEach(() => {
  relay.sandbox?.setFaults({});
  for (const release of held.splice(0)) release();
});

afterAll(async () => {
  killRunning();
  await relay?.stop();
  for (const dir of [home, files]) if (dir) await rm(dir, { recursive: true, force: true });
});

describe("relay CLI on the local stack", () => {
  let dropped: { uploadKey: string; assetId: string };

  it("drops a file with progress, prints its asset id, and the sandbox holds identical bytes", async () => {
    const { path, bytes } = await fileOf("clip.mp4", 3 * CHUNK);

    const run = await relayCli("drop", path, "--key", "cli/clip.mp4");

    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("put s3://relay-drop/cli/clip.mp4 (3.0 MiB, etag ");
    // The bar's last frame (printed as a line off a terminal), then the summary.
    expect(run.stdout).toMatch(
      /cli\/clip\.mp4 .* 100% 3\.0\/3\.0 MiB \| chunks 3\/3 \| .*completed/,
    );
    expect(run.stdout).toContain("✔ cli/clip.mp4: 3.0 MiB in 3 chunks");
    const assetId = assetIdIn(run.stdout);
    expect(md5(await (relay.sandbox?.readAsset(assetId) ?? Buffer.alloc(0)))).toBe(md5(bytes));
    expectNoSecrets(relay, run.stdout + run.stderr);
    expect(run.stdout + run.stderr).not.toContain("\x1b[");
    dropped = { uploadKey: uploadKeyIn(run.stdout), assetId };
  });

  it("shows a finished upload's status, by object key as text and by upload key as JSON", async () => {
    const text = await relayCli("status", "cli/clip.mp4");
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain(`upload    ${dropped.uploadKey}`);
    expect(text.stdout).toContain("object    s3://relay-drop/cli/clip.mp4");
    expect(text.stdout).toContain("status    completed");
    expect(text.stdout).toContain("chunks    3/3 (3.0 MiB)");
    expect(text.stdout).toContain(`asset id  ${dropped.assetId}`);

    const json = await relayCli("status", dropped.uploadKey, "--json");
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({
      uploadKey: dropped.uploadKey,
      bucket: "relay-drop",
      key: "cli/clip.mp4",
      size: 3 * CHUNK,
      status: "completed",
      provider: "twelvelabs",
      assetId: dropped.assetId,
      error: null,
      chunks: { transferred: 3, total: 3 },
      bytesTransferred: 3 * CHUNK,
    });
    expectNoSecrets(relay, text.stdout + json.stdout);
  });

  it("lists uploads by status and age, as a table and as JSON", async () => {
    const completed = await relayCli("list", "--status", "completed", "--since", "1h");
    expect(completed.code, completed.stderr).toBe(0);
    const [header, ...rows] = completed.stdout.trimEnd().split("\n");
    expect(header).toMatch(/^UPLOAD KEY +KEY +STATUS +PROVIDER +SIZE +CREATED +ASSET ID \/ ERROR$/);
    expect(rows.find((row) => row.startsWith(dropped.uploadKey))).toMatch(
      new RegExp(`cli/clip\\.mp4 +completed +twelvelabs +3\\.0 MiB +\\S+Z +${dropped.assetId}$`),
    );

    const failed = await relayCli("list", "--status", "failed,rejected", "--json");
    expect(failed.code, failed.stderr).toBe(0);
    const keys = (JSON.parse(failed.stdout) as { uploadKey: string }[]).map((u) => u.uploadKey);
    expect(keys).not.toContain(dropped.uploadKey);

    const future = await relayCli("list", "--since", "2099-01-01T00:00Z");
    expect(future.code).toBe(0);
    expect(future.stdout).toBe("");

    const bad = await relayCli("list", "--since", "yesterday");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--since .*expected an ISO 8601 time/);
  });

  it("says an unknown key is unknown, in one line, with exit code 3", async () => {
    for (const key of ["0123456789abcdef0123456789abcdef", "cli/never-dropped.mp4"]) {
      const run = await relayCli("status", key);
      expect(run.code).toBe(3);
      expect(run.stderr).toMatch(/^relay: no upload .*\n$/);
      expect(run.stdout).toBe("");
    }
  });

  it("finds a deployed stack from its CloudFormation outputs, with the default credential chain", async () => {
    // The local stack stands in for AWS: CloudFormation answers with its names, and the SDK's
    // own endpoint variables and environment credentials reach it as an operator.
    const { operator } = relay;
    const cloudformation = await startCloudFormationStub({
      Relay: {
        BucketName: relay.bucket,
        TableName: relay.deployed.tables[0]?.tableName ?? "",
        StateMachineArn: relay.stateMachineArn,
      },
    });
    try {
      const run = await runRelay(["--target", "deployed", "status", dropped.uploadKey, "--json"], {
        HOME: files,
        AWS_REGION: relay.stack.region,
        AWS_ACCESS_KEY_ID: operator.accessKeyId,
        AWS_SECRET_ACCESS_KEY: operator.secretAccessKey,
        AWS_EC2_METADATA_DISABLED: "true",
        AWS_ENDPOINT_URL_CLOUDFORMATION: cloudformation.endpoint,
        AWS_ENDPOINT_URL_S3: operator.endpoints.s3,
        AWS_ENDPOINT_URL_DYNAMODB: operator.endpoints.dynamodb,
        AWS_ENDPOINT_URL_SFN: operator.endpoints.states,
      });
      expect(run.code, run.stderr).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({
        uploadKey: dropped.uploadKey,
        status: "completed",
        assetId: dropped.assetId,
      });
      expect(cloudformation.requests).toHaveLength(1);
    } finally {
      await cloudformation.stop();
    }
  });

  it("refuses a bad flag with exit code 2, and a redrive of a completed upload with 5", async () => {
    const flag = await relayCli("list", "--frobnicate");
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/unknown option '--frobnicate'/);

    const redrive = await relayCli("redrive", dropped.uploadKey);
    expect(redrive.code).toBe(5);
    expect(redrive.stderr).toBe(
      `relay: upload ${dropped.uploadKey} is completed, not failed: it completed\n`,
    );
  });

  it("watches an upload in flight to its end, then exits when idle", async () => {
    // Every chunk PUT waits at the sandbox until released: the upload stays in flight.
    relay.sandbox?.setFaults({ partPut: { delayMs: 1 } });
    const { path, bytes } = await fileOf("held.mp4", 2 * CHUNK);
    const first = nextHeld();
    const put = await relayCli("drop", path, "--key", "watch/held.mp4", "--no-wait");
    expect(put.code, put.stderr).toBe(0);
    expect(put.stdout).toContain("follow it with: relay status watch/held.mp4");
    await first;

    const watching = startRelay(["--poll-interval", "50", "watch", "--until-idle"], env());
    await watching.stdoutMatches(/watch\/held\.mp4 .*\| chunks 0\/2 \| .*transferring/);
    relay.sandbox?.setFaults({});
    for (const release of held.splice(0)) release();
    const run = await watching.done;

    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("✔ watch/held.mp4: 2.0 MiB in 2 chunks");
    expect(run.stdout.trimEnd().endsWith("nothing in flight")).toBe(true);
    const assetId = assetIdIn(run.stdout);
    expect(md5(await (relay.sandbox?.readAsset(assetId) ?? Buffer.alloc(0)))).toBe(md5(bytes));

    const once = await relayCli("watch", "--once");
    expect(once.code).toBe(0);
    expect(once.stdout).toBe("nothing in flight\n");

    // Without --until-idle it watches until Ctrl-C, which ends it normally.
    const idle = startRelay(["--poll-interval", "50", "watch"], env());
    await idle.stdoutMatches(/^watching the uploads in flight in the local stack/m);
    idle.child.kill("SIGINT");
    expect((await idle.done).code).toBe(0);
  });

  it("redrives a failed upload once the failure is lifted: same session, identical bytes", async () => {
    // Every chunk PUT refused: the transfer's retries run out and the upload fails.
    relay.sandbox?.setFaults({ partPut: { error500Rate: 1 } });
    const { path, bytes } = await fileOf("redrive.mp4", 3 * CHUNK);
    const failed = await relayCli("drop", path, "--key", "cli/redrive.mp4");
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/✘ cli\/redrive\.mp4: upload failed: RELAY_CHUNK_TRANSFER: /);
    const uploadKey = uploadKeyIn(failed.stdout);
    const before = await relay.store.require(uploadKey);
    expect(before.status).toBe("failed");
    const sessions = relay.sandbox?.sessions().length;

    const status = await relayCli("status", "cli/redrive.mp4");
    expect(status.code).toBe(1);
    expect(status.stdout).toContain("status    failed");
    expect(status.stdout).toContain("error     RELAY_CHUNK_TRANSFER: ");

    relay.sandbox?.setFaults({});
    const run = await relayCli("redrive", "cli/redrive.mp4");

    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(
      `redriving cli/redrive.mp4 (upload ${uploadKey}): execution redrive-${uploadKey}-1`,
    );
    expect(run.stdout).toContain("✔ cli/redrive.mp4: 3.0 MiB in 3 chunks");
    const after = await relay.store.require(uploadKey);
    expect(after).toMatchObject({ status: "completed", redrives: 1, uploadId: before.uploadId });
    // The provider session it failed on was alive, so the redrive went on with it: no other.
    expect(relay.sandbox?.sessions().length).toBe(sessions);
    expect(relay.sandbox?.sessions().filter((s) => s.uploadId === before.uploadId)).toHaveLength(1);
    const assetId = assetIdIn(run.stdout);
    expect(assetId).toBe(after.assetId);
    expect(md5(await (relay.sandbox?.readAsset(assetId) ?? Buffer.alloc(0)))).toBe(md5(bytes));
    expectNoSecrets(relay, failed.stdout + failed.stderr + run.stdout + run.stderr);
  });
});
