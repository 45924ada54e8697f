import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { request } from "undici";
import { afterAll, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));
const MiB = 1024 * 1024;
const children = new Set<ChildProcess>();

/** Runs the CLI as `npm run sandbox` does (tsx), without npm in between. */
function runCli(args: string[]): ChildProcess {
  const child = spawn(process.execPath, ["--import", "tsx", "local/sandbox-cli.ts", ...args], {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.add(child);
  child.on("exit", () => children.delete(child));
  return child;
}

async function exitCode(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const [code] = (await once(child, "exit")) as [number | null];
  return code;
}

afterAll(() => {
  for (const child of children) child.kill("SIGKILL");
});

/** The base URL and key a started CLI printed, read from its first two stdout lines. */
async function readEnvLines(child: ChildProcess): Promise<{ baseUrl: string; apiKey: string }> {
  if (!child.stdout) throw new Error("no stdout");
  const lines: string[] = [];
  const reader = createInterface({ input: child.stdout });
  for await (const line of reader) {
    lines.push(line);
    if (lines.length === 2) break;
  }
  expect(lines[0]).toMatch(/^TWELVELABS_BASE_URL=http:\/\/127\.0\.0\.1:\d+\/v1\.3$/);
  expect(lines[1]).toMatch(/^TWELVELABS_API_KEY=\S+$/);
  return {
    baseUrl: lines[0]?.split("=")[1] ?? "",
    apiKey: lines[1]?.slice("TWELVELABS_API_KEY=".length) ?? "",
  };
}

/** Creates a 20 MiB upload on the sandbox; returns its status code and answer. */
async function createUpload(baseUrl: string, apiKey: string) {
  const created = await request(`${baseUrl}/assets/multipart-uploads`, {
    method: "POST",
    headers: { "x-api-key": apiKey, "content-type": "application/json" },
    body: JSON.stringify({ filename: "a.mp4", type: "video", total_size: 20 * MiB }),
  });
  const body = (await created.body.json()) as { upload_urls: unknown[]; chunk_size: number };
  return { statusCode: created.statusCode, body };
}

describe("npm run sandbox", () => {
  it("prints the base URL and key, serves the API, and exits 0 on SIGTERM", async () => {
    const child = runCli(["--port", "0", "--initial-urls", "1"]);
    const { baseUrl, apiKey } = await readEnvLines(child);

    const { statusCode, body } = await createUpload(baseUrl, apiKey);
    expect(statusCode).toBe(201);
    expect(body.upload_urls).toHaveLength(1);
    expect(body.chunk_size).toBe(8 * MiB);
    const refused = await request(`${baseUrl}/assets/multipart-uploads`);
    await refused.body.text();
    expect(refused.statusCode).toBe(403);

    child.kill("SIGTERM");
    expect(await exitCode(child)).toBe(0);
  });

  it("takes --chunk-size in bytes or with a binary unit", async () => {
    const cases = [
      { text: String(5 * MiB), bytes: 5 * MiB },
      { text: "6MiB", bytes: 6 * MiB },
    ];
    await Promise.all(
      cases.map(async ({ text, bytes }) => {
        const child = runCli(["--chunk-size", text]);
        const { baseUrl, apiKey } = await readEnvLines(child);
        const { body } = await createUpload(baseUrl, apiKey);
        expect(body.chunk_size, text).toBe(bytes);
        child.kill("SIGTERM");
        expect(await exitCode(child)).toBe(0);
      }),
    );
  });

  it("injects --faults with a --seed, and prints what it injected when stopped", async () => {
    const child = runCli(["--faults", '{"create":{"htmlAnswerRate":1}}', "--seed", "42"]);
    let stderr = "";
    child.stderr?.on("data", (data: Buffer) => {
      stderr += data.toString();
    });
    const { baseUrl, apiKey } = await readEnvLines(child);
    const answer = await request(`${baseUrl}/assets/multipart-uploads`, {
      method: "POST",
      headers: { "x-api-key": apiKey, "content-type": "application/json" },
      body: JSON.stringify({ filename: "a.mp4", type: "video", total_size: MiB }),
    });
    expect(answer.statusCode).toBe(200);
    expect(String(answer.headers["content-type"])).toMatch(/^text\/html/);
    await answer.body.text();

    child.kill("SIGTERM");
    expect(await exitCode(child)).toBe(0);
    expect(stderr).toMatch(/sessions 0; create\.htmlAnswer 1/);
  });

  it("starts the SpatialGen sandbox with --provider spatialgen, and its faults by its names", async () => {
    const child = runCli([
      "--provider",
      "spatialgen",
      "--faults",
      '{"start":{"htmlAnswerRate":1}}',
    ]);
    let stderr = "";
    child.stderr?.on("data", (data: Buffer) => {
      stderr += data.toString();
    });
    if (!child.stdout) throw new Error("no stdout");
    const lines: string[] = [];
    for await (const line of createInterface({ input: child.stdout })) {
      lines.push(line);
      if (lines.length === 2) break;
    }
    expect(lines[0]).toMatch(/^SPATIALGEN_BASE_URL=http:\/\/127\.0\.0\.1:\d+$/);
    expect(lines[1]).toMatch(/^SPATIALGEN_API_KEY=\S+$/);
    const baseUrl = lines[0]?.slice("SPATIALGEN_BASE_URL=".length) ?? "";
    const apiKey = lines[1]?.slice("SPATIALGEN_API_KEY=".length) ?? "";

    const start = (key: string) =>
      request(`${baseUrl}/api/videos/uploads`, {
        method: "POST",
        headers: { "X-SPATIALGEN-APPKEY": key, "content-type": "application/json" },
        body: JSON.stringify({
          videoName: "a",
          layout: "2D",
          files: [{ fileName: "a.mp4", fileRole: "video", sizeBytes: 200 * MiB }],
        }),
      });
    const refused = await start(`${apiKey}x`);
    await refused.body.text();
    expect(refused.statusCode).toBe(403);
    const html = await start(apiKey);
    expect(String(html.headers["content-type"])).toMatch(/^text\/html/);
    await html.body.text();

    child.kill("SIGTERM");
    expect(await exitCode(child)).toBe(0);
    expect(stderr).toMatch(/groups 0; start\.htmlAnswer 1/);
  });

  it("plans SpatialGen parts of 100 MiB by default, and of --chunk-size when given", async () => {
    const cases = [
      { args: [] as string[], partSize: 100 * MiB },
      { args: ["--chunk-size", "6MiB"], partSize: 6 * MiB },
    ];
    await Promise.all(
      cases.map(async ({ args, partSize }) => {
        const child = runCli(["--provider", "spatialgen", ...args]);
        if (!child.stdout) throw new Error("no stdout");
        const lines: string[] = [];
        for await (const line of createInterface({ input: child.stdout })) {
          lines.push(line);
          if (lines.length === 2) break;
        }
        const answer = await request(
          `${lines[0]?.slice("SPATIALGEN_BASE_URL=".length)}/api/videos/uploads`,
          {
            method: "POST",
            headers: {
              "X-SPATIALGEN-APPKEY": lines[1]?.slice("SPATIALGEN_API_KEY=".length) ?? "",
              "content-type": "application/json",
            },
            body: JSON.stringify({
              videoName: "a",
              layout: "2D",
              files: [{ fileName: "a.mp4", fileRole: "video", sizeBytes: 200 * MiB }],
            }),
          },
        );
        const body = (await answer.body.json()) as { files: { partSizeBytes: number }[] };
        expect(answer.statusCode).toBe(201);
        expect(body.files[0]?.partSizeBytes, args.join(" ")).toBe(partSize);
        child.kill("SIGTERM");
        expect(await exitCode(child)).toBe(0);
      }),
    );
  });

  it("refuses an unknown --provider with a message and exit code 2", async () => {
    const child = runCli(["--provider", "vimeo"]);
    let stderr = "";
    child.stderr?.on("data", (data: Buffer) => {
      stderr += data.toString();
    });
    expect(await exitCode(child)).toBe(2);
    expect(stderr).toMatch(/--provider must be one of twelvelabs, spatialgen, got "vimeo"/);
    expect(stderr).toMatch(/usage: npm run sandbox/);
  });

  it("refuses bad values with a message and exit code 2", async () => {
    const cases = [
      ["--port", "70000"],
      ["--chunk-size", "1024"],
      ["--chunk-size", "8MB"],
      ["--initial-urls", "1.5"],
      ["--faults", "{not json"],
      ["--faults", '{"create":{"lostAnswerRate":2}}'],
      ["--seed", "-1"],
      ["--unknown"],
      ["--provider", "spatialgen", "--initial-urls", "1"],
      ["--provider", "spatialgen", "--faults", '{"create":{}}'],
      ["--provider", "spatialgen", "--faults", '{"complete":{"error500Rate":2}}'],
      ["--provider", "twelvelabs", "--faults", '{"start":{}}'],
    ];
    const outcomes = await Promise.all(
      cases.map(async (args) => {
        const child = runCli(args);
        let stderr = "";
        child.stderr?.on("data", (data: Buffer) => {
          stderr += data.toString();
        });
        return { code: await exitCode(child), stderr };
      }),
    );
    for (const outcome of outcomes) {
      expect(outcome.code).toBe(2);
      expect(outcome.stderr).toMatch(/usage: npm run sandbox/);
    }
  });
});
