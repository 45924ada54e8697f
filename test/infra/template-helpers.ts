/**
 * Helpers of the infra tests: build the app's stack, read the functions, their IAM statements
 * and the state machine definition out of a synthesized template.
 */

import { App } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import type { RelayPipelineProps } from "../../infra/relay-pipeline.js";
import { RelayStack } from "../../infra/relay-stack.js";

/** A CloudFormation resource as it appears in a template. */
export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly DeletionPolicy?: string;
  readonly UpdateReplacePolicy?: string;
}

/** One IAM policy statement. */
export interface Statement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: unknown;
  readonly Principal?: unknown;
}

/** Dummy environment used by every test stack. */
export const TEST_ENV = { account: "111111111111", region: "us-east-1" } as const;

/**
 * The app's `RelayStack` with `pipeline` props. Without `bundle`, esbuild is skipped (the
 * code assets are placeholders), which keeps the many variants of the props tests fast.
 */
export function buildStack(
  pipeline?: RelayPipelineProps,
  options: { bundle?: boolean } = {},
): { app: App; stack: RelayStack; template: Template } {
  const app = new App({
    context: options.bundle ? {} : { "aws:cdk:bundling-stacks": [] },
  });
  const stack = new RelayStack(app, "Relay", { env: TEST_ENV, pipeline });
  return { app, stack, template: Template.fromStack(stack) };
}

/** Resources of `type`, by logical id. */
export function resourcesOfType(template: Template, type: string): Record<string, CfnResource> {
  return template.findResources(type) as Record<string, CfnResource>;
}

/** A relay function in the template, found by its `RELAY_FUNCTION` env var. */
export interface RelayFunctionResource {
  readonly logicalId: string;
  readonly properties: Record<string, unknown>;
  readonly env: Record<string, unknown>;
  /** Logical id of its execution role. */
  readonly roleId: string;
}

/** Every relay function, by `RELAY_FUNCTION` (other functions, e.g. custom resources, skipped). */
export function relayFunctions(template: Template): Record<string, RelayFunctionResource> {
  const out: Record<string, RelayFunctionResource> = {};
  for (const [logicalId, resource] of Object.entries(
    resourcesOfType(template, "AWS::Lambda::Function"),
  )) {
    const props = resource.Properties ?? {};
    const env = ((props.Environment as { Variables?: Record<string, unknown> } | undefined)
      ?.Variables ?? {}) as Record<string, unknown>;
    const name = env.RELAY_FUNCTION;
    if (typeof name !== "string") continue;
    const role = props.Role as { "Fn::GetAtt": [string, string] };
    out[name] = { logicalId, properties: props, env, roleId: role["Fn::GetAtt"][0] };
  }
  return out;
}

/** Every statement of every inline policy attached to role `roleId`. */
export function roleStatements(template: Template, roleId: string): Statement[] {
  const statements: Statement[] = [];
  for (const policy of Object.values(resourcesOfType(template, "AWS::IAM::Policy"))) {
    const props = policy.Properties as {
      Roles: { Ref: string }[];
      PolicyDocument: { Statement: Statement[] };
    };
    if (props.Roles.some((r) => r.Ref === roleId))
      statements.push(...props.PolicyDocument.Statement);
  }
  return statements;
}

/** The actions of a statement, always as a list. */
export function actionsOf(statement: Statement): string[] {
  return Array.isArray(statement.Action) ? statement.Action : [statement.Action];
}

/** Every action granted to role `roleId`. */
export function roleActions(template: Template, roleId: string): string[] {
  return roleStatements(template, roleId).flatMap(actionsOf);
}

/** Placeholder a function ARN resolves to in {@link resolveDefinition}. */
export function functionArnPlaceholder(logicalId: string): string {
  return `arn:test:function:${logicalId}`;
}

/**
 * The state machine's definition as plain ASL: the `Fn::Join` pieces are literal strings or
 * `{"Fn::GetAtt": [logicalId, "Arn"]}`, which become {@link functionArnPlaceholder}s.
 */
export function resolveDefinition(template: Template): Record<string, unknown> {
  const machines = Object.values(resourcesOfType(template, "AWS::StepFunctions::StateMachine"));
  if (machines.length !== 1) throw new Error(`expected one state machine, got ${machines.length}`);
  const definition = machines[0]?.Properties?.DefinitionString as
    | string
    | { "Fn::Join": [string, unknown[]] };
  if (typeof definition === "string") return JSON.parse(definition) as Record<string, unknown>;
  const [separator, pieces] = definition["Fn::Join"];
  const text = pieces
    .map((piece) => {
      if (typeof piece === "string") return piece;
      const getAtt = (piece as { "Fn::GetAtt"?: [string, string] })["Fn::GetAtt"];
      if (getAtt && getAtt[1] === "Arn") return functionArnPlaceholder(getAtt[0]);
      throw new Error(`unexpected piece in DefinitionString: ${JSON.stringify(piece)}`);
    })
    .join(separator);
  return JSON.parse(text) as Record<string, unknown>;
}

/**
 * The `PROVIDERS` variable of a function's template env, parsed: a `Fn::Join` (the secret's
 * ARN is a token) is read with each `Ref` as the text `Ref(<logical id>)`.
 */
export function providersEnv(value: unknown): Record<string, Record<string, unknown>> {
  const join = (value as { "Fn::Join"?: [string, unknown[]] })?.["Fn::Join"];
  const text = join
    ? join[1]
        .map((part) =>
          typeof part === "string" ? part : `Ref(${(part as { Ref?: string }).Ref ?? "?"})`,
        )
        .join(join[0])
    : String(value);
  return JSON.parse(text) as Record<string, Record<string, unknown>>;
}
