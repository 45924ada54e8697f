/**
 * Resolves the CloudFormation intrinsic functions a CDK template puts in a state machine
 * definition and in function environments (`Fn::Join`, `Fn::GetAtt`, `Ref`, `Fn::Sub`,
 * `Fn::Select`) into plain values, with the local stand-ins of `local-arns.ts` for what only
 * a deployment would know. Anything else is an error naming the intrinsic: a silently wrong
 * value would make the local run differ from AWS.
 */

import { LocalDefinitionError } from "./errors.js";
import {
  LOCAL_ACCOUNT_ID,
  LOCAL_ARN_REGION,
  LOCAL_PARTITION,
  localFunctionArn,
  localStateMachineArn,
} from "./local-arns.js";

/** One resource of a CloudFormation template, as far as the local runner reads it. */
export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Readonly<Record<string, unknown>>;
}

/** A synthesized CloudFormation template (`Template.fromStack(stack).toJSON()` or cdk.out). */
export interface CfnTemplate {
  readonly Resources?: Readonly<Record<string, CfnResource>>;
  readonly Parameters?: Readonly<Record<string, { readonly Default?: unknown }>>;
  /**
   * Local physical names by logical id, where the default (the name property the template
   * gives, else the logical id) will not do, e.g. a bucket name s3rver accepts.
   */
  readonly LocalPhysicalNames?: Readonly<Record<string, string>>;
}

/** The property that carries a resource type's physical name, when the template sets it. */
const NAME_PROPERTIES: Readonly<Record<string, string>> = {
  "AWS::S3::Bucket": "BucketName",
  "AWS::DynamoDB::Table": "TableName",
  "AWS::Events::EventBus": "Name",
  "AWS::SecretsManager::Secret": "Name",
  "AWS::SQS::Queue": "QueueName",
  "AWS::Logs::LogGroup": "LogGroupName",
  "AWS::IAM::Role": "RoleName",
  "AWS::Events::Rule": "Name",
};

/**
 * The physical name a deployment would give `logicalId`: the local override, else the name
 * the template sets, else the logical id (lowercased for buckets, which S3 requires).
 */
export function physicalNameOf(logicalId: string, template: CfnTemplate, where: string): string {
  const override = template.LocalPhysicalNames?.[logicalId];
  if (override !== undefined) return override;
  const resource = findResource(logicalId, template, where, "Ref");
  const nameProperty = NAME_PROPERTIES[resource.Type];
  const given = nameProperty ? resource.Properties?.[nameProperty] : undefined;
  if (given !== undefined) return resolveToString(given, template, where);
  return resource.Type === "AWS::S3::Bucket" ? logicalId.toLowerCase() : logicalId;
}

/** The ARN of a resource, in the format its service uses. */
function arnOf(logicalId: string, template: CfnTemplate, where: string): string {
  const resource = findResource(logicalId, template, where, "Fn::GetAtt");
  const name = (): string => physicalNameOf(logicalId, template, where);
  const regional = (service: string, rest: string): string =>
    `arn:${LOCAL_PARTITION}:${service}:${LOCAL_ARN_REGION}:${LOCAL_ACCOUNT_ID}:${rest}`;
  switch (resource.Type) {
    case LAMBDA_FUNCTION:
      return localFunctionArn(logicalId);
    case STATE_MACHINE:
      return localStateMachineArn(logicalId);
    case "AWS::S3::Bucket":
      return `arn:${LOCAL_PARTITION}:s3:::${name()}`;
    case "AWS::DynamoDB::Table":
      return regional("dynamodb", `table/${name()}`);
    case "AWS::Events::EventBus":
      return regional("events", `event-bus/${name()}`);
    case "AWS::SQS::Queue":
      return regional("sqs", name());
    case "AWS::Logs::LogGroup":
      return regional("logs", `log-group:${name()}:*`);
    case "AWS::Events::Rule":
      return regional("events", `rule/${name()}`);
    case "AWS::IAM::Role":
      return `arn:${LOCAL_PARTITION}:iam::${LOCAL_ACCOUNT_ID}:role/${name()}`;
    case "AWS::SecretsManager::Secret":
      // Secrets Manager appends six random characters to every secret's ARN.
      return regional("secretsmanager", `secret:${name()}-LOCAL0`);
    default: {
      const service = resource.Type.split("::")[1]?.toLowerCase() ?? "unknown";
      return regional(service, logicalId);
    }
  }
}

const LAMBDA_FUNCTION = "AWS::Lambda::Function";
const STATE_MACHINE = "AWS::StepFunctions::StateMachine";

const PSEUDO_PARAMETERS: Readonly<Record<string, string>> = {
  "AWS::Partition": LOCAL_PARTITION,
  "AWS::Region": LOCAL_ARN_REGION,
  "AWS::AccountId": LOCAL_ACCOUNT_ID,
  "AWS::URLSuffix": "amazonaws.com",
  "AWS::StackName": "local",
  "AWS::StackId": `arn:${LOCAL_PARTITION}:cloudformation:${LOCAL_ARN_REGION}:${LOCAL_ACCOUNT_ID}:stack/local/local`,
};

/**
 * Resolves every intrinsic inside `value` (deeply) against `template`. `where` names the
 * place being resolved, for error messages.
 */
export function resolveIntrinsics(value: unknown, template: CfnTemplate, where: string): unknown {
  if (Array.isArray(value)) return value.map((item) => resolveIntrinsics(item, template, where));
  if (value === null || typeof value !== "object") return value;
  const entries = Object.entries(value);
  const [first] = entries;
  if (entries.length === 1 && first && isIntrinsicKey(first[0])) {
    return resolveIntrinsic(first[0], first[1], template, where);
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, resolveIntrinsics(v, template, where)]));
}

/** Like {@link resolveIntrinsics}, but the result must be a string. */
export function resolveToString(value: unknown, template: CfnTemplate, where: string): string {
  const resolved = resolveIntrinsics(value, template, where);
  if (typeof resolved === "string") return resolved;
  if (typeof resolved === "number" || typeof resolved === "boolean") return String(resolved);
  throw new LocalDefinitionError(`${where}: expected a string, got ${JSON.stringify(resolved)}`);
}

function isIntrinsicKey(key: string): boolean {
  return key === "Ref" || key.startsWith("Fn::");
}

function resolveIntrinsic(
  name: string,
  argument: unknown,
  template: CfnTemplate,
  where: string,
): unknown {
  switch (name) {
    case "Ref":
      return resolveRef(asString(argument, name, where), template, where);
    case "Fn::GetAtt": {
      const [logicalId, attribute] = Array.isArray(argument)
        ? argument.map((part) => resolveToString(part, template, where))
        : splitOnce(asString(argument, name, where));
      return resolveGetAtt(logicalId ?? "", attribute ?? "", template, where);
    }
    case "Fn::Join": {
      const [separator, list] = asArray(argument, name, where);
      const items = resolveIntrinsics(list, template, where);
      if (typeof separator !== "string" || !Array.isArray(items)) {
        throw new LocalDefinitionError(`${where}: malformed Fn::Join ${JSON.stringify(argument)}`);
      }
      return items.map((item) => resolveToString(item, template, where)).join(separator);
    }
    case "Fn::Select": {
      const [index, list] = asArray(argument, name, where);
      const items = resolveIntrinsics(list, template, where);
      const position = Number(resolveToString(index, template, where));
      if (!Array.isArray(items) || !Number.isInteger(position) || position >= items.length) {
        throw new LocalDefinitionError(
          `${where}: malformed Fn::Select ${JSON.stringify(argument)}`,
        );
      }
      return items[position];
    }
    case "Fn::Sub":
      return resolveSub(argument, template, where);
    default:
      throw new LocalDefinitionError(
        `${where}: intrinsic function ${name} is not supported by the local runner`,
      );
  }
}

function resolveRef(target: string, template: CfnTemplate, where: string): string {
  const pseudo = PSEUDO_PARAMETERS[target];
  if (pseudo !== undefined) return pseudo;
  const parameter = template.Parameters?.[target];
  if (parameter !== undefined) {
    if (parameter.Default === undefined) {
      throw new LocalDefinitionError(`${where}: Ref to parameter ${target}, which has no Default`);
    }
    return String(parameter.Default);
  }
  const resource = findResource(target, template, where, "Ref");
  // Ref gives a state machine's and a secret's ARN, a function's name (its logical id
  // locally), and for the other resources here their physical name.
  if (resource.Type === STATE_MACHINE || resource.Type === "AWS::SecretsManager::Secret") {
    return arnOf(target, template, where);
  }
  if (resource.Type === LAMBDA_FUNCTION) return target;
  return physicalNameOf(target, template, where);
}

function resolveGetAtt(
  logicalId: string,
  attribute: string,
  template: CfnTemplate,
  where: string,
): string {
  const resource = findResource(logicalId, template, where, "Fn::GetAtt");
  if (attribute === "Arn") return arnOf(logicalId, template, where);
  if (attribute === "Name" && resource.Type === STATE_MACHINE) return logicalId;
  if (attribute === "Name" || attribute === "QueueName") {
    return physicalNameOf(logicalId, template, where);
  }
  throw new LocalDefinitionError(
    `${where}: Fn::GetAtt ${logicalId}.${attribute} (${resource.Type}) is not supported by the local runner`,
  );
}

function resolveSub(argument: unknown, template: CfnTemplate, where: string): string {
  const [text, variables] = Array.isArray(argument) ? argument : [argument, {}];
  if (typeof text !== "string" || variables === null || typeof variables !== "object") {
    throw new LocalDefinitionError(`${where}: malformed Fn::Sub ${JSON.stringify(argument)}`);
  }
  const bound = variables as Record<string, unknown>;
  return text.replace(/\$\{([^}]*)\}/g, (_match, key: string) => {
    // `${!Literal}` is CloudFormation's escape for a literal `${Literal}`.
    if (key.startsWith("!")) return `\${${key.slice(1)}}`;
    if (key in bound) return resolveToString(bound[key], template, where);
    const [logicalId, attribute] = splitOnce(key);
    if (attribute !== undefined && !(key in PSEUDO_PARAMETERS)) {
      return resolveGetAtt(logicalId, attribute, template, where);
    }
    return resolveRef(key, template, where);
  });
}

function findResource(
  logicalId: string,
  template: CfnTemplate,
  where: string,
  intrinsic: string,
): CfnResource {
  const resource = template.Resources?.[logicalId];
  if (!resource) {
    throw new LocalDefinitionError(`${where}: ${intrinsic} to unknown resource ${logicalId}`);
  }
  return resource;
}

function splitOnce(text: string): [string, string | undefined] {
  const dot = text.indexOf(".");
  return dot < 0 ? [text, undefined] : [text.slice(0, dot), text.slice(dot + 1)];
}

function asString(value: unknown, intrinsic: string, where: string): string {
  if (typeof value !== "string") {
    throw new LocalDefinitionError(`${where}: malformed ${intrinsic} ${JSON.stringify(value)}`);
  }
  return value;
}

function asArray(value: unknown, intrinsic: string, where: string): unknown[] {
  if (!Array.isArray(value) || value.length !== 2) {
    throw new LocalDefinitionError(`${where}: malformed ${intrinsic} ${JSON.stringify(value)}`);
  }
  return value;
}
