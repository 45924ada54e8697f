/**
 * The `relay` CLI's deployed target where it needs no AWS account: it says in one line, with
 * exit code 4, that there are no credentials, that the stack is not there, or that no local
 * stack runs. CloudFormation is a local HTTP server answering as the service does. (The
 * deployed target's happy path runs against the local stack in relay-cli.test.ts.)
 */

import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CloudFormationStub, startCloudFormationStub } from "./cloudformation-stub.js";
import { killRunning, runRelay } from "./run-relay.js";

let home = "";
let cloudformation: CloudFormationStub;

/** No AWS credentials anywhere: no variables, no config files, no instance metadata. */
function bareEnv(): NodeJS.ProcessEnv {
  return {
    HOME: home,
    RELAY_HOME: home,
    AWS_REGION: "us-east-1",
    AWS_CONFIG_FILE: join(home, "no-config"),
    AWS_SHARED_CREDENTIALS_FILE: join(home, "no-credentials"),
    AWS_EC2_METADATA_DISABLED: "true",
    ...(process.env.TMPDIR ? { TMPDIR: process.env.TMPDIR } : {}),
  };
}

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), "relay-deployed-"));
  cloudformation = await startCloudFormationStub();
});

afterAll(async () => {
  killRunning();
  await cloudformation?.stop();
  if (home) await rm(home, { recursive: true, force: true });
});

describe("relay CLI against a deployed stack, without AWS", () => {
  it("says there are no AWS credentials, with exit code 4", async () => {
    const run = await runRelay(["--target", "deployed", "list"], bareEnv());
    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(/^relay: no AWS credentials found .*\n$/);
  });

  it("says the stack is not there, with exit code 4", async () => {
    const run = await runRelay(["--stack", "Relay", "list"], {
      ...bareEnv(),
      AWS_ACCESS_KEY_ID: "AKIDEXAMPLE",
      AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
      AWS_ENDPOINT_URL_CLOUDFORMATION: cloudformation.endpoint,
    });
    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(/^relay: stack Relay not found in us-east-1 .*\n$/);
    expect(cloudformation.requests.at(-1)).toContain("Action=DescribeStacks");
    expect(cloudformation.requests.at(-1)).toContain("StackName=Relay");
    expect(run.stderr).not.toContain("wJalrXUtnFEMI");
  });

  it("ignores the target file of an npm start that is gone, and says no stack runs", async () => {
    const gone = spawn(process.execPath, ["-e", ""]);
    await once(gone, "exit");
    await writeFile(
      join(home, "local.json"),
      JSON.stringify({
        version: 1,
        pid: gone.pid,
        region: "us-east-1",
        endpoints: {
          s3: "http://127.0.0.1:9",
          dynamodb: "http://127.0.0.1:9",
          states: "http://127.0.0.1:9",
        },
        credentials: { accessKeyId: "LOCALOPERATOR", secretAccessKey: "local" },
        bucket: "relay-drop",
        tableName: "table",
        stateMachineArn: "arn:aws:states:us-east-1:000000000000:stateMachine:relay",
      }),
    );
    try {
      const auto = await runRelay(["status", "clip.mp4"], bareEnv());
      expect(auto.code).toBe(4);
      expect(auto.stderr).toMatch(
        /^relay: no local stack running \(npm start\), and no AWS credentials found .*\n$/,
      );

      const local = await runRelay(["--target", "local", "watch"], bareEnv());
      expect(local.code).toBe(4);
      expect(local.stderr).toMatch(
        /^relay: no local stack is running: start one with `npm start`.*\n$/,
      );
    } finally {
      await rm(join(home, "local.json"), { force: true });
    }
  });
});
