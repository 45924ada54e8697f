import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalStack } from "../../local/local-stack.js";
import { startTwelveLabsSandbox } from "../../local/twelvelabs-sandbox/index.js";
import { md5 } from "../helpers/md5.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const MiB = 1024 * 1024;
const children = new Set<ChildProcess>();
let dir = "";

/** What a finished run of the CLI left. */
interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `npm start -- ...args` as npm does (tsx), without npm in between; kills it at `timeoutMs`. */
async function runStart(
  args: string[],
  timeoutMs: number,
  api?: { readonly baseUrl: string; readonly apiKey: string },
): Promise<Run> {
  const env = { ...process.env };
  // The sandbox, whatever the developer's shell holds, unless the test names an API.
  delete env.TWELVELABS_API_KEY;
  delete env.TWELVELABS_BASE_URL;
  if (api) {
    env.TWELVELABS_BASE_URL = api.baseUrl;
    env.TWELVELABS_API_KEY = api.apiKey;
  }
  const child = spawn(process.execPath, ["--import", "tsx", "local/main.ts", ...args], {
    cwd: root,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.add(child);
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (data: Buffer) => {
    stdout += data.toString();
  });
  child.stderr?.on("data", (data: Buffer) => {
    stderr += data.toString();
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  const [code] = (await once(child, "close")) as [number | null];
  clearTimeout(timer);
  children.delete(child);
  return { code, stdout, stderr };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "npm-start-"));
});

afterAll(async () => {
  for (const child of children) child.kill("SIGKILL");
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("npm start", () => {
  it("relays a 50 MiB file, prints its asset id and verifies it, leaking no secret", async () => {
    const file = join(dir, "clip.mp4");
    const bytes = randomBytes(50 * MiB);
    await writeFile(file, bytes);
    const digest = md5(bytes);

    const run = await runStart([file, "--no-watch"], 100_000);

    expect(run.code, run.stderr).toBe(0);
    // The summary that replaces the progress bar: 50 MiB at the default 8 MiB chunk size.
    expect(run.stdout).toContain("✔ clip.mp4: 50.0 MiB in 7 chunks");
    expect(run.stdout).toMatch(/^asset_id=[0-9a-f]+$/m);
    expect(run.stdout).toContain(`verified: asset MD5 ${digest} equals the source's`);
    const output = run.stdout + run.stderr;
    expect(output).not.toContain("tlk_sandbox_");
    expect(output).not.toContain("X-Amz-Signature");
    // Not a terminal: progress comes as plain lines, never cursor escape codes.
    expect(output).not.toContain("\x1b[");
  }, 120_000);

  it("relays to `npm run sandbox`'s API only once --allow-url-host names its URLs' host", async () => {
    // A TwelveLabs sandbox outside the relay, as `npm run sandbox` runs one: its presigned URLs
    // point at 127.0.0.1, which no deployment trusts unless told.
    const stack = await startLocalStack();
    const sandbox = await startTwelveLabsSandbox({
      s3: stack.s3.client,
      s3Endpoint: stack.s3.endpoint,
    });
    try {
      const file = join(dir, "remote.mp4");
      const bytes = randomBytes(9 * MiB);
      await writeFile(file, bytes);
      const api = { baseUrl: sandbox.baseUrl, apiKey: sandbox.apiKey };

      const refused = await runStart([file, "--no-watch"], 100_000, api);
      expect(refused.code).toBe(1);
      expect(refused.stdout + refused.stderr).toContain("RELAY_UNTRUSTED_URL");

      const run = await runStart(
        [file, "--no-watch", "--allow-url-host", "127.0.0.1"],
        100_000,
        api,
      );
      expect(run.code, run.stderr).toBe(0);
      const assetId = /^asset_id=([0-9a-f]+)$/m.exec(run.stdout)?.[1];
      expect(assetId).toMatch(/./);
      expect(md5(await sandbox.readAsset(assetId as string))).toBe(md5(bytes));
      expect(run.stdout + run.stderr).not.toContain(sandbox.apiKey);

      const bad = await runStart([file, "--allow-url-host", "http://x/"], 30_000, api);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/--allow-url-host takes a host name/);
    } finally {
      await sandbox.stop();
      await stack.stop();
    }
  }, 240_000);

  it("refuses a missing file, a directory or an unknown flag with a message and exit code 2", async () => {
    const cases = [
      { args: [join(dir, "no-such-file.mp4")], message: /no such file: .*no-such-file\.mp4/ },
      { args: [dir], message: /not a regular file/ },
      { args: ["--frobnicate"], message: /Unknown option '--frobnicate'/ },
    ];
    const outcomes = await Promise.all(
      cases.map(async ({ args, message }) => ({ message, run: await runStart(args, 30_000) })),
    );
    for (const { message, run } of outcomes) {
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(message);
      expect(run.stderr).toMatch(/usage: npm start/);
    }
  });
});
