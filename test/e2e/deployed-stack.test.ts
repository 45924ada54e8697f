/**
 * The local stack as a proof of the deployed one: the shipped bundles run with their own
 * synthesized environment, IAM and timeouts. A template with one variable or one grant taken
 * away must fail its upload the way AWS would, and have the failure recorded; a function that
 * outlives its timeout is killed and the state machine's Retry then Catch take over; a whole
 * successful relay is denied nothing, and no role holds an action its code never sends.
 */

import { randomBytes } from "node:crypto";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { afterEach, describe, expect, it } from "vitest";
import { redriveExecution } from "../../functions/core/redrive.js";
import type { RelayFunctionName } from "../../functions/core/step-registry.js";
import { RELAY_CONTEXT_KEYS } from "../../infra/relay-stack.js";
import { type LocalRelay, type MutableTemplate, startLocalRelay } from "../../local/local-relay.js";
import type { LocalS3Event } from "../../local/local-stack.js";
import { DEFAULT_INDEX_ID } from "../../local/twelvelabs-sandbox/index.js";
import { drop, expectDelivered } from "./relay-harness.js";

const CHUNK = 256 * 1024;

let relay: LocalRelay | undefined;
afterEach(async () => {
  await relay?.stop();
  relay = undefined;
});

/** Logical id of the function whose `RELAY_FUNCTION` is `name`. */
function functionId(template: MutableTemplate, name: RelayFunctionName): string {
  const found = Object.entries(template.Resources).find(([, r]) => {
    const env = (r.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)
      ?.Variables;
    return r.Type === "AWS::Lambda::Function" && env?.RELAY_FUNCTION === name;
  });
  if (!found) throw new Error(`no function ${name} in the template`);
  return found[0];
}

/** Removes `variable` from the synthesized environment of function `name`. */
function withoutVariable(name: RelayFunctionName, variable: string) {
  return (template: MutableTemplate): void => {
    const fn = template.Resources[functionId(template, name)];
    const env = fn?.Properties?.Environment as { Variables: Record<string, unknown> };
    expect(env.Variables[variable], `${name} has ${variable}`).toBeDefined();
    delete env.Variables[variable];
  };
}

/** Removes every statement granting `action` from the role of function `name`. */
function withoutGrant(name: RelayFunctionName, action: string) {
  return (template: MutableTemplate): void => {
    const role = template.Resources[functionId(template, name)]?.Properties?.Role as {
      "Fn::GetAtt": [string, string];
    };
    const roleId = role["Fn::GetAtt"][0];
    let removed = 0;
    for (const resource of Object.values(template.Resources)) {
      if (resource.Type !== "AWS::IAM::Policy") continue;
      const roles = resource.Properties?.Roles as { Ref?: string }[];
      if (!roles.some((r) => r.Ref === roleId)) continue;
      const document = resource.Properties?.PolicyDocument as { Statement: { Action: unknown }[] };
      const kept = document.Statement.filter((s) => ![s.Action].flat().includes(action));
      removed += document.Statement.length - kept.length;
      document.Statement = kept;
    }
    expect(removed, `${name} was granted ${action}`).toBe(1);
  };
}

const smallRelay = (
  alterTemplate?: (t: MutableTemplate) => void,
  context?: Readonly<Record<string, unknown>>,
) =>
  startLocalRelay({
    sandbox: { chunkSize: CHUNK, minChunkSize: CHUNK, initialUrls: 1 },
    settings: { chunksPerBatch: 2 },
    ...(alterTemplate ? { alterTemplate } : {}),
    ...(context ? { context } : {}),
  });

describe("the local stack proves the deployed one", () => {
  it("fails the upload, naming the variable, when a function lacks one it reads", async () => {
    relay = await smallRelay(withoutVariable("create-session", "PROVIDERS"));
    const { execution, record } = await drop(relay, "env/video.mp4", randomBytes(CHUNK));
    expect(execution.status).toBe("FAILED");
    expect(record.status).toBe("failed");
    expect(record.error?.code).toBe("RELAY_INVALID_INPUT");
    expect(record.error?.message).toMatch(/create-session function[\s\S]*PROVIDERS/);
    const failed = relay.events.list.find((e) => e.detailType === "Upload Failed");
    expect(failed?.detail).toMatchObject({ code: "RELAY_INVALID_INPUT" });
  });

  it("fails the upload with AccessDenied when a function lacks a grant it needs", async () => {
    relay = await smallRelay(withoutGrant("transfer", "s3:GetObject"));
    const { execution, record } = await drop(relay, "iam/video.mp4", randomBytes(3 * CHUNK));
    expect(execution.status).toBe("FAILED");
    expect(record.status).toBe("failed");
    expect(record.error?.message).toMatch(/AccessDenied/);
    expect(record.error?.message).toMatch(/s3:GetObject/);
    const denied = relay.decisions.filter((d) => !d.allowed);
    expect(denied.length).toBeGreaterThan(0);
    for (const d of denied) {
      expect(d).toMatchObject({ service: "s3", action: "s3:GetObject" });
      expect(d.resource).toBe(`arn:aws:s3:::${relay.bucket}/iam/video.mp4`);
    }
  });

  it("loses a function's log lines when its role may not write its log group, as Lambda does", async () => {
    relay = await smallRelay(withoutGrant("finish", "logs:PutLogEvents"));
    const body = randomBytes(CHUNK);
    await expectDelivered(relay, await drop(relay, "logs/video.mp4", body), body);
    const finishId = relay.deployed.functions.find((f) => f.relayFunction === "finish")?.logicalId;
    expect(relay.logs.some((line) => line.startsWith(`${finishId} `))).toBe(false);
    expect(relay.logs.some((line) => line.includes('"message":"transfer done"'))).toBe(true);
    // The statement granting both is gone: neither is allowed, and nothing else was denied.
    const denied = relay.decisions.filter((d) => !d.allowed).map((d) => [d.principal, d.action]);
    expect(denied.sort()).toEqual([
      [finishId, "logs:CreateLogStream"],
      [finishId, "logs:PutLogEvents"],
    ]);
  });

  it("starts an execution only for events the synthesized rule's pattern matches", async () => {
    relay = await startLocalRelay({
      sandbox: { chunkSize: CHUNK, minChunkSize: CHUNK },
      context: { "relay:keyPrefix": "incoming/" },
      watchBucket: false,
    });
    const put = async (key: string) => {
      const seen = new Promise<LocalS3Event>((resolve) =>
        relay?.stack.events.once("object", resolve),
      );
      await relay?.stack.s3.client.send(
        new PutObjectCommand({ Bucket: relay.bucket, Key: key, Body: randomBytes(10) }),
      );
      // Delivered as S3 would to EventBridge; resolves once the rule's targets have run.
      await relay?.onObjectEvent(await seen);
    };
    await put("elsewhere/video.mp4");
    expect(relay.machine.list()).toHaveLength(0);
    await put("incoming/video.mp4");
    expect(relay.machine.list().map((e) => JSON.parse(e.inputJson).key)).toEqual([
      "incoming/video.mp4",
    ]);
  });

  it("a step short of time gives up before Lambda kills it, with its reason recorded", async () => {
    relay = await startLocalRelay({
      sandbox: { chunkSize: CHUNK, minChunkSize: CHUNK, faults: { create: { delayMs: 2500 } } },
      alterTemplate: (template) => {
        const fn = template.Resources[functionId(template, "create-session")];
        if (fn?.Properties) fn.Properties.Timeout = 3;
      },
    });
    const { execution, record } = await drop(relay, "slow/video.mp4", randomBytes(CHUNK));
    expect(execution.status).toBe("FAILED");
    expect(JSON.stringify(execution.history)).not.toContain("Sandbox.Timedout");
    expect(record.error?.code).toBe("RELAY_PROVIDER_UNAVAILABLE");
    expect(record.error?.message).toMatch(/left in this invocation/);
    const lambda = [...relay.lambdas.entries()].find(([id]) => id.includes("CreateSession"))?.[1];
    expect(lambda?.stats.invocations).toBe(5);
    expect(lambda?.stats.timeouts).toBe(0);
  });

  it("kills a function at its timeout; the Task's Retry then its Catch take over", async () => {
    relay = await startLocalRelay({ sandbox: { chunkSize: CHUNK, minChunkSize: CHUNK } });
    const lambda = [...relay.lambdas.entries()].find(([id]) => id.includes("CreateSession"))?.[1];
    // Every invocation is killed as its timeout would, in the middle of its work.
    lambda?.injectTimeouts({ rate: 1, withinMs: 1, random: () => 0 });
    const { execution, record } = await drop(relay, "slow/video.mp4", randomBytes(CHUNK));
    expect(execution.status).toBe("FAILED");
    const history = JSON.stringify(execution.history);
    expect(history).toContain("Sandbox.Timedout");
    expect(history).toMatch(/Task timed out after \d+\.00 seconds/);
    // The States.ALL rule retried the killed Task four times, then the Catch ran the fail step.
    const retries = execution.history.filter(
      (e) => e.type === "StateRetried" && JSON.stringify(e).includes("CreateSession"),
    );
    expect(retries).toHaveLength(4);
    expect(record.status).toBe("failed");
    expect(record.error?.code).toBe("RELAY_FUNCTION_TIMEOUT");
    expect(lambda?.stats.timeouts).toBe(5);
  });

  it("denies nothing across whole relays, and grants no action the code never sends", async () => {
    // Indexing on, so the index function runs too.
    relay = await smallRelay(undefined, { [RELAY_CONTEXT_KEYS.indexId]: DEFAULT_INDEX_ID });
    // A multi-batch upload that fetches URLs and is indexed, an empty object (rejected), a
    // refused one, and that one redriven (admit reopens its record) once the fault is lifted.
    const body = randomBytes(5 * CHUNK + 7);
    const relayed = await drop(relay, "ok/video.mp4", body);
    await expectDelivered(relay, relayed, body);
    const rejected = await drop(relay, "ok/empty.mp4", new Uint8Array());
    expect(rejected.record.status).toBe("rejected");
    relay.sandbox?.setFaults({ partPut: { error500Rate: 1 } });
    const refusedBody = randomBytes(CHUNK);
    const refused = await drop(relay, "ok/refused.mp4", refusedBody);
    expect(refused.record.status).toBe("failed");
    relay.sandbox?.setFaults({});
    const redrive = redriveExecution(refused.record);
    const redriven = relay.machine.start(redrive.name, JSON.parse(redrive.input));
    await redriven.done;
    await expectDelivered(
      relay,
      {
        ...refused,
        execution: redriven,
        record: await relay.store.require(refused.record.uploadKey),
      },
      refusedBody,
    );

    expect(relay.decisions.filter((d) => !d.allowed)).toEqual([]);

    // Actions sent on a function's behalf by AWS services, or never locally: see each reason.
    const notSentByCode: Record<string, string> = {
      "sqs:SendMessage": "Lambda's async invocation sends failed events to the destination",
      "sqs:GetQueueAttributes": "Lambda's async invocation destination",
      "sqs:GetQueueUrl": "Lambda's async invocation destination",
      "s3:GetObjectVersion": "s3rver keeps no versions: reads name a version only on AWS",
    };
    for (const fn of relay.deployed.functions) {
      const granted = new Set(
        fn.role.policies.flatMap(({ policy }) =>
          (policy.Statement as { Effect: string; Action: string | string[] }[])
            .filter((s) => s.Effect === "Allow")
            .flatMap((s) => [s.Action].flat()),
        ),
      );
      const sent = new Set(
        relay.decisions.filter((d) => d.principal === fn.logicalId).map((d) => d.action),
      );
      const unused = [...granted].filter((a) => !sent.has(a) && !(a in notSentByCode));
      expect(unused, `${fn.relayFunction} holds actions its code never sent`).toEqual([]);
      expect(sent.size, `${fn.relayFunction} sent nothing`).toBeGreaterThan(0);
    }

    // The state machine's role: it invokes the nine Task functions, nothing else its code decides.
    const machineRole = Object.values(relay.deployed.stateMachineRoles)[0];
    const invoked = relay.decisions.filter((d) => d.action === "lambda:InvokeFunction");
    expect(new Set(invoked.map((d) => d.resource)).size).toBe(9);
    const machineActions = (machineRole?.policies ?? []).flatMap(({ policy }) =>
      (policy.Statement as { Action: string | string[] }[]).flatMap((s) => [s.Action].flat()),
    );
    const byService = machineActions.filter(
      // Step Functions delivers its own logs and traces with these.
      (a) => !a.startsWith("logs:") && !a.startsWith("xray:"),
    );
    expect(new Set(byService)).toEqual(new Set(["lambda:InvokeFunction"]));
  });
});
