/**
 * cdk-nag's AwsSolutions pack over the synthesized stack: every finding is fixed or
 * acknowledged inside the construct with a reason, and a new finding fails synthesis.
 */

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App, Validations } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import { AwsSolutionsChecks } from "cdk-nag";
import { afterEach, describe, expect, it } from "vitest";
import type { RelayPipelineProps } from "../../infra/relay-pipeline.js";
import { RelayStack } from "../../infra/relay-stack.js";

const outdirs: string[] = [];
afterEach(() => {
  for (const dir of outdirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Synthesizes the stack under AwsSolutionsChecks; returns the rule ids of every violation. */
function violations(
  pipeline: RelayPipelineProps = {},
  tamper?: (stack: RelayStack) => void,
): string[] {
  const outdir = mkdtempSync(join(tmpdir(), "relay-nag-"));
  outdirs.push(outdir);
  const app = new App({ outdir, context: { "aws:cdk:bundling-stacks": [] } });
  const stack = new RelayStack(app, "Relay", {
    env: { account: "111111111111", region: "us-east-1" },
    pipeline,
  });
  tamper?.(stack);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  try {
    app.synth();
    return [];
  } catch (error) {
    expect(String(error)).toMatch(/ValidationFailed/);
    const report = JSON.parse(readFileSync(join(outdir, "validation-report.json"), "utf8")) as {
      pluginReports: { violations: { ruleName: string }[] }[];
    };
    return report.pluginReports.flatMap((r) => r.violations.map((v) => v.ruleName));
  }
}

describe("cdk-nag AwsSolutions", () => {
  it("finds nothing unacknowledged in the default stack", () => {
    expect(violations()).toEqual([]);
  });

  it("finds nothing unacknowledged with tracing, a key prefix and an imported secret", () => {
    expect(
      violations({ tracing: true, keyPrefix: "incoming/", apiKeySecretName: "team/key" }),
    ).toEqual([]);
  });

  it("fails on a new finding: a wildcard grant added to a function role", () => {
    const found = violations({}, (stack) => {
      stack.pipeline.functions.finish.addToRolePolicy(
        new iam.PolicyStatement({ actions: ["s3:GetObject"], resources: ["*"] }),
      );
    });
    expect(found).toEqual(["AwsSolutions-IAM5[Resource::*]"]);
  });

  it("acknowledges each finding with a reason", () => {
    const app = new App({ context: { "aws:cdk:bundling-stacks": [] } });
    const stack = new RelayStack(app, "Relay", {
      env: { account: "111111111111", region: "us-east-1" },
    });
    const acks = stack.node
      .findAll()
      .flatMap((c) => c.node.metadata)
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) => Object.values(m.data as Record<string, string>));
    expect(acks.length).toBeGreaterThan(10);
    for (const reason of acks) expect(reason.length).toBeGreaterThan(30);
  });
});
