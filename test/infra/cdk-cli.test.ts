/**
 * The deploy path as an operator runs it: the pinned CDK CLI synthesizes the app from cdk.json,
 * offline, with esbuild bundling locally (no Docker). Guards the 2.x CLI pin (the 3.x CLI
 * refuses aws-cdk-lib 2.x assemblies) and the app entry in cdk.json.
 */

import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));
const out = mkdtempSync(join(tmpdir(), "relay-cdk-out-"));

afterAll(() => rmSync(out, { recursive: true, force: true }));

describe("npx cdk synth", () => {
  it("synthesizes the Relay stack offline, with every function bundled", async () => {
    const { stderr } = await promisify(execFile)(
      "npx",
      ["cdk", "synth", "--quiet", "--no-notices", "--output", out],
      {
        cwd: root,
        env: {
          ...process.env,
          CDK_DEFAULT_ACCOUNT: "111111111111",
          CDK_DEFAULT_REGION: "us-east-1",
          CDK_DISABLE_CLI_TELEMETRY: "true",
        },
        timeout: 120_000,
      },
    );
    expect(stderr).not.toMatch(/schema version|Error:/i);
    const template = JSON.parse(readFileSync(join(out, "Relay.template.json"), "utf8")) as {
      Resources: Record<string, { Type: string; Properties?: { Handler?: string } }>;
    };
    const types = Object.values(template.Resources).map((r) => r.Type);
    expect(types).toContain("AWS::StepFunctions::StateMachine");
    const assets = JSON.parse(readFileSync(join(out, "Relay.assets.json"), "utf8")) as {
      files: Record<string, { source: { path: string } }>;
    };
    // Nine bundled functions, each an index.mjs built by the local esbuild.
    const bundles = Object.values(assets.files)
      .map((f) => join(out, f.source.path, "index.mjs"))
      .filter((path) => existsSync(path));
    expect(bundles).toHaveLength(10);
  }, 150_000);
});
