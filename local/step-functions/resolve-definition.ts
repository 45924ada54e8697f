/**
 * Turns a CDK-synthesized template into what the local runner needs: the state machine's plain
 * ASL definition (intrinsics resolved, every function ARN replaced by a local one) and, per
 * local function ARN, which relay function it is. The template stays the one source of the
 * definition: there is no second, hand-written copy to drift from what AWS runs.
 */

import { createRequire } from "node:module";
import { LocalDefinitionError } from "./errors.js";
import { localFunctionArn, localStateMachineArn } from "./local-arns.js";
import {
  type CfnResource,
  type CfnTemplate,
  resolveIntrinsics,
  resolveToString,
} from "./resolve-intrinsics.js";

export type { CfnResource, CfnTemplate } from "./resolve-intrinsics.js";

/** A Lambda function of the template, as the local runner sees it. */
export interface LocalFunction {
  /** The function's logical id in the template (also its local function name). */
  readonly logicalId: string;
  /** Its `RELAY_FUNCTION` environment variable: which relay handler answers it. */
  readonly relayFunction: string | undefined;
  /** Its environment variables, intrinsics resolved to local stand-ins. */
  readonly environment: Readonly<Record<string, string>>;
}

/** A state machine of a template, resolved for a local run. */
export interface ResolvedStateMachine {
  /** The state machine's logical id in the template. */
  readonly logicalId: string;
  /** Its local ARN (`localStateMachineArn(logicalId)`), what `Ref` to it resolves to. */
  readonly stateMachineArn: string;
  /** Plain ASL JSON, validated by asl-validator. */
  readonly definition: Record<string, unknown>;
  /** Every Lambda function of the template, keyed by its local ARN (`localFunctionArn`). */
  readonly functionsByArn: Readonly<Record<string, LocalFunction>>;
}

/** Options of {@link resolveStateMachine}. */
export interface ResolveStateMachineOptions {
  /** Which state machine to resolve. @default the template's only state machine */
  readonly stateMachineLogicalId?: string;
}

interface AslValidation {
  readonly isValid: boolean;
  errorsText(separator?: string): string;
}
type AslValidator = (
  definition: unknown,
  options?: { checkArn?: boolean; checkPaths?: boolean },
) => AslValidation;

// asl-validator is CommonJS and ships no types; require keeps its one signature typed here.
const aslValidator = createRequire(import.meta.url)("asl-validator") as AslValidator;

const STATE_MACHINE = "AWS::StepFunctions::StateMachine";
const LAMBDA_FUNCTION = "AWS::Lambda::Function";

/**
 * Resolves a template's state machine into plain, validated ASL and its functions.
 *
 * @example
 * const { definition, functionsByArn } = resolveStateMachine(Template.fromStack(stack).toJSON());
 */
export function resolveStateMachine(
  template: CfnTemplate,
  options: ResolveStateMachineOptions = {},
): ResolvedStateMachine {
  const [logicalId, resource] = pickStateMachine(template, options.stateMachineLogicalId);
  const definition = resolveDefinition(logicalId, resource, template);
  // The validator adds `QueryLanguage` to every state it sees: hand it a copy.
  const validation = aslValidator(structuredClone(definition), {
    checkArn: true,
    checkPaths: true,
  });
  if (!validation.isValid) {
    throw new LocalDefinitionError(
      `State machine ${logicalId} has an invalid definition:\n${validation.errorsText("\n")}`,
    );
  }
  return {
    logicalId,
    stateMachineArn: localStateMachineArn(logicalId),
    definition,
    functionsByArn: resolveFunctions(template),
  };
}

function pickStateMachine(
  template: CfnTemplate,
  wanted: string | undefined,
): [string, CfnResource] {
  const machines = Object.entries(template.Resources ?? {}).filter(
    ([, resource]) => resource.Type === STATE_MACHINE,
  );
  if (wanted !== undefined) {
    const found = machines.find(([id]) => id === wanted);
    if (!found) {
      const known = machines.map(([id]) => id).join(", ") || "none";
      throw new LocalDefinitionError(
        `The template has no state machine ${wanted} (state machines: ${known})`,
      );
    }
    return found;
  }
  const [only, ...others] = machines;
  if (!only) throw new LocalDefinitionError("The template has no AWS::StepFunctions::StateMachine");
  if (others.length > 0) {
    throw new LocalDefinitionError(
      `The template has ${machines.length} state machines (${machines.map(([id]) => id).join(", ")}); name one with stateMachineLogicalId`,
    );
  }
  return only;
}

function resolveDefinition(
  logicalId: string,
  resource: CfnResource,
  template: CfnTemplate,
): Record<string, unknown> {
  const where = `State machine ${logicalId}`;
  const properties = resource.Properties ?? {};
  let text: string;
  if (properties.DefinitionString !== undefined) {
    text = resolveToString(properties.DefinitionString, template, `${where} DefinitionString`);
  } else if (properties.Definition !== undefined) {
    text = JSON.stringify(
      resolveIntrinsics(properties.Definition, template, `${where} Definition`),
    );
  } else {
    throw new LocalDefinitionError(
      `${where} has neither DefinitionString nor Definition (a DefinitionS3Location cannot be read locally)`,
    );
  }
  text = applySubstitutions(text, properties.DefinitionSubstitutions, template, where);
  let definition: unknown;
  try {
    definition = JSON.parse(text);
  } catch (error) {
    throw new LocalDefinitionError(`${where}: the resolved definition is not JSON`, {
      cause: error,
    });
  }
  if (definition === null || typeof definition !== "object" || Array.isArray(definition)) {
    throw new LocalDefinitionError(`${where}: the resolved definition is not a JSON object`);
  }
  return definition as Record<string, unknown>;
}

/** CloudFormation's `DefinitionSubstitutions`: `${key}` placeholders replaced textually. */
function applySubstitutions(
  text: string,
  substitutions: unknown,
  template: CfnTemplate,
  where: string,
): string {
  if (substitutions === undefined) return text;
  if (substitutions === null || typeof substitutions !== "object") {
    throw new LocalDefinitionError(`${where}: DefinitionSubstitutions is not an object`);
  }
  let result = text;
  for (const [key, value] of Object.entries(substitutions)) {
    const replacement = resolveToString(value, template, `${where} DefinitionSubstitutions.${key}`);
    result = result.split(`\${${key}}`).join(replacement);
  }
  return result;
}

function resolveFunctions(template: CfnTemplate): Record<string, LocalFunction> {
  const functions: Record<string, LocalFunction> = {};
  for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
    if (resource.Type !== LAMBDA_FUNCTION) continue;
    const variables = (resource.Properties?.Environment as { Variables?: unknown } | undefined)
      ?.Variables;
    const environment: Record<string, string> = {};
    if (variables !== null && typeof variables === "object") {
      for (const [name, value] of Object.entries(variables)) {
        environment[name] = resolveToString(
          value,
          template,
          `Function ${logicalId} environment ${name}`,
        );
      }
    }
    functions[localFunctionArn(logicalId)] = {
      logicalId,
      relayFunction: environment.RELAY_FUNCTION,
      environment,
    };
  }
  return functions;
}
