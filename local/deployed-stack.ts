/**
 * What a deployment of a synthesized template would create, read from the template alone and
 * resolved to local names and ARNs: each function with its bundle, handler, environment,
 * timeout, memory and role; each role's identity policies; the table, secrets, buses, rules,
 * the bucket's policy and its EventBridge switch. The local relay builds the local stack from
 * this and nothing else, so a wiring fault in the template shows up locally as it would on AWS.
 */

import { join } from "node:path";
import { LocalDefinitionError } from "./step-functions/errors.js";
import {
  type CfnResource,
  type CfnTemplate,
  physicalNameOf,
  resolveIntrinsics,
  resolveToString,
} from "./step-functions/resolve-intrinsics.js";

/** An IAM policy document, as the template states it (intrinsics resolved). */
export type PolicyDocument = Readonly<Record<string, unknown>>;

/** A role and every identity policy attached to it. */
export interface DeployedRole {
  readonly logicalId: string;
  readonly roleName: string;
  readonly roleArn: string;
  readonly policies: readonly { readonly name: string; readonly policy: PolicyDocument }[];
}

/** A Lambda function as it would be deployed. */
export interface DeployedFunction {
  readonly logicalId: string;
  /** Its `RELAY_FUNCTION` variable, when it is a relay function. */
  readonly relayFunction: string | undefined;
  /** Absolute path of its code (the asset folder of the cloud assembly). */
  readonly codeDirectory: string;
  readonly handler: string;
  /** Exactly its synthesized `Environment.Variables`, resolved. */
  readonly environment: Readonly<Record<string, string>>;
  readonly timeoutSeconds: number;
  readonly memorySizeMb: number;
  readonly role: DeployedRole;
  /** Log group its lines go to: `LoggingConfig.LogGroup`, else `/aws/lambda/<name>`. */
  readonly logGroupName: string;
  /** Async invocation retries (`AWS::Lambda::EventInvokeConfig`), Lambda's default 2. */
  readonly asyncRetryAttempts: number;
}

/** An EventBridge rule and the functions it targets. */
export interface DeployedRule {
  readonly logicalId: string;
  readonly eventBusName: string;
  readonly eventPattern: unknown;
  /** Logical ids of the target functions that the rule may invoke (a Lambda permission). */
  readonly targetFunctions: readonly string[];
}

/** The resources of a synthesized template, resolved for a local deployment. */
export interface DeployedStack {
  readonly functions: readonly DeployedFunction[];
  readonly roles: readonly DeployedRole[];
  readonly tables: readonly {
    readonly logicalId: string;
    readonly tableName: string;
    readonly properties: Readonly<Record<string, unknown>>;
  }[];
  readonly secrets: readonly {
    readonly logicalId: string;
    readonly arn: string;
    readonly name: string;
  }[];
  readonly eventBuses: readonly { readonly logicalId: string; readonly name: string }[];
  readonly rules: readonly DeployedRule[];
  readonly buckets: readonly {
    readonly logicalId: string;
    readonly bucketName: string;
    /** The bucket policy, if the template attaches one. */
    readonly policy: PolicyDocument | undefined;
    /** Whether the template turns on the bucket's EventBridge notifications. */
    readonly eventBridgeEnabled: boolean;
  }[];
  /** The role of each state machine, by its logical id. */
  readonly stateMachineRoles: Readonly<Record<string, DeployedRole>>;
}

/**
 * AWS managed policies the template may attach, by ARN suffix: their content cannot be read
 * offline, so only those written out here are honoured; any other fails the local deployment.
 */
const MANAGED_POLICIES: Readonly<Record<string, PolicyDocument>> = {
  "service-role/AWSLambdaBasicExecutionRole": {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Action: ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
        Resource: "*",
      },
    ],
  },
};

/** Reads a template's resources as a local deployment of it would create them. */
export function readDeployedStack(template: CfnTemplate, assemblyDirectory: string): DeployedStack {
  const resources = Object.entries(template.Resources ?? {});
  const ofType = (type: string): [string, CfnResource][] =>
    resources.filter(([, r]) => r.Type === type);
  const resolve = (value: unknown, where: string): unknown =>
    resolveIntrinsics(value, template, where);
  const str = (value: unknown, where: string): string => resolveToString(value, template, where);

  const roles = ofType("AWS::IAM::Role").map(([logicalId, role]) =>
    readRole(logicalId, role, resources, template),
  );
  const roleByArn = new Map(roles.map((r) => [r.roleArn, r]));
  const roleOf = (value: unknown, where: string): DeployedRole => {
    const arn = str(value, where);
    const role = roleByArn.get(arn);
    if (!role) throw new LocalDefinitionError(`${where}: role ${arn} is not in the template`);
    return role;
  };

  const retriesByFunction = new Map<string, number>();
  for (const [id, config] of ofType("AWS::Lambda::EventInvokeConfig")) {
    const fn = str(config.Properties?.FunctionName, `EventInvokeConfig ${id}`);
    retriesByFunction.set(fn, Number(config.Properties?.MaximumRetryAttempts ?? 2));
  }

  const functions = ofType("AWS::Lambda::Function")
    // Inline code is CDK's deploy-time custom resources (bucket notifications): their effect
    // is read from their resources' properties, they do not run after the deployment.
    .filter(
      ([, fn]) => (fn.Properties?.Code as { ZipFile?: unknown } | undefined)?.ZipFile === undefined,
    )
    .map(([logicalId, fn]): DeployedFunction => {
      const where = `Function ${logicalId}`;
      const props = fn.Properties ?? {};
      const variables = (props.Environment as { Variables?: Record<string, unknown> } | undefined)
        ?.Variables;
      const environment = Object.fromEntries(
        Object.entries(variables ?? {}).map(([k, v]) => [k, str(v, `${where} environment ${k}`)]),
      );
      // The code's S3 key is the asset's hash; the bundle sits in `asset.<hash>` of the assembly.
      const s3Key = (props.Code as { S3Key?: unknown } | undefined)?.S3Key;
      const assetHash =
        typeof s3Key === "string" ? /^([0-9a-f]{64})\.zip$/.exec(s3Key)?.[1] : undefined;
      if (assetHash === undefined) {
        throw new LocalDefinitionError(
          `${where} has no bundled code asset (Code.S3Key <hash>.zip): synthesize with bundling to run it`,
        );
      }
      return {
        logicalId,
        relayFunction: environment.RELAY_FUNCTION,
        codeDirectory: join(assemblyDirectory, `asset.${assetHash}`),
        handler: str(props.Handler, `${where} Handler`),
        environment,
        // CloudFormation's defaults, as Lambda would apply them.
        timeoutSeconds: Number(props.Timeout ?? 3),
        memorySizeMb: Number(props.MemorySize ?? 128),
        role: roleOf(props.Role, `${where} Role`),
        logGroupName: (props.LoggingConfig as { LogGroup?: unknown } | undefined)?.LogGroup
          ? str((props.LoggingConfig as { LogGroup: unknown }).LogGroup, `${where} LogGroup`)
          : `/aws/lambda/${logicalId}`,
        asyncRetryAttempts: retriesByFunction.get(logicalId) ?? 2,
      };
    });

  const permitted = new Set(
    ofType("AWS::Lambda::Permission").map(([id, p]) => {
      const fn = str(p.Properties?.FunctionName, `Permission ${id}`);
      const principal = str(p.Properties?.Principal, `Permission ${id}`);
      const source = p.Properties?.SourceArn ? str(p.Properties.SourceArn, `Permission ${id}`) : "";
      return `${principal}|${fn.split(":").pop()}|${source}`;
    }),
  );
  const rules = ofType("AWS::Events::Rule").map(([logicalId, rule]): DeployedRule => {
    const where = `Rule ${logicalId}`;
    const props = rule.Properties ?? {};
    const ruleArn = str({ "Fn::GetAtt": [logicalId, "Arn"] }, where);
    const targets = (props.Targets as { Arn: unknown }[] | undefined) ?? [];
    const targetFunctions = targets
      .map((t) => str(t.Arn, `${where} target`).split(":").pop() ?? "")
      // A target without a Lambda permission for this rule is never invoked, as on AWS.
      .filter((fn) => permitted.has(`events.amazonaws.com|${fn}|${ruleArn}`));
    return {
      logicalId,
      eventBusName: props.EventBusName ? str(props.EventBusName, where) : "default",
      eventPattern: resolve(props.EventPattern, `${where} EventPattern`),
      targetFunctions,
    };
  });

  const notifications = ofType("Custom::S3BucketNotifications").map(([id, n]) => ({
    bucket: str(n.Properties?.BucketName, `Notifications ${id}`),
    eventBridge:
      (n.Properties?.NotificationConfiguration as { EventBridgeConfiguration?: unknown })
        ?.EventBridgeConfiguration !== undefined,
  }));
  const bucketPolicies = ofType("AWS::S3::BucketPolicy").map(([id, p]) => ({
    bucket: str(p.Properties?.Bucket, `BucketPolicy ${id}`),
    policy: resolve(p.Properties?.PolicyDocument, `BucketPolicy ${id}`) as PolicyDocument,
  }));

  const stateMachineRoles = Object.fromEntries(
    ofType("AWS::StepFunctions::StateMachine").map(([id, m]) => [
      id,
      roleOf(m.Properties?.RoleArn, `State machine ${id} RoleArn`),
    ]),
  );

  return {
    functions,
    roles,
    tables: ofType("AWS::DynamoDB::Table").map(([logicalId, t]) => ({
      logicalId,
      tableName: physicalNameOf(logicalId, template, `Table ${logicalId}`),
      properties: t.Properties ?? {},
    })),
    secrets: ofType("AWS::SecretsManager::Secret").map(([logicalId]) => {
      const arn = str({ Ref: logicalId }, `Secret ${logicalId}`);
      return { logicalId, arn, name: physicalNameOf(logicalId, template, `Secret ${logicalId}`) };
    }),
    eventBuses: ofType("AWS::Events::EventBus").map(([logicalId]) => ({
      logicalId,
      name: physicalNameOf(logicalId, template, `EventBus ${logicalId}`),
    })),
    rules,
    buckets: ofType("AWS::S3::Bucket").map(([logicalId]) => {
      const bucketName = physicalNameOf(logicalId, template, `Bucket ${logicalId}`);
      return {
        logicalId,
        bucketName,
        policy: bucketPolicies.find((p) => p.bucket === bucketName)?.policy,
        eventBridgeEnabled: notifications.some((n) => n.bucket === bucketName && n.eventBridge),
      };
    }),
    stateMachineRoles,
  };
}

function readRole(
  logicalId: string,
  role: CfnResource,
  resources: [string, CfnResource][],
  template: CfnTemplate,
): DeployedRole {
  const where = `Role ${logicalId}`;
  const roleName = physicalNameOf(logicalId, template, where);
  const policies: { name: string; policy: PolicyDocument }[] = [];
  for (const inline of (role.Properties?.Policies as
    | { PolicyName: unknown; PolicyDocument: unknown }[]
    | undefined) ?? []) {
    policies.push({
      name: resolveToString(inline.PolicyName, template, where),
      policy: resolveIntrinsics(inline.PolicyDocument, template, where) as PolicyDocument,
    });
  }
  for (const arn of (role.Properties?.ManagedPolicyArns as unknown[] | undefined) ?? []) {
    const resolved = resolveToString(arn, template, where);
    const known = Object.entries(MANAGED_POLICIES).find(([suffix]) =>
      resolved.endsWith(`:policy/${suffix}`),
    );
    if (!known) {
      throw new LocalDefinitionError(
        `${where}: managed policy ${resolved} cannot be read offline; the local gate would not know what it allows`,
      );
    }
    policies.push({ name: resolved, policy: known[1] });
  }
  for (const [id, policy] of resources) {
    if (policy.Type !== "AWS::IAM::Policy") continue;
    const attached = ((policy.Properties?.Roles as unknown[] | undefined) ?? []).map((r) =>
      resolveToString(r, template, `Policy ${id} Roles`),
    );
    if (!attached.includes(roleName)) continue;
    policies.push({
      name: id,
      policy: resolveIntrinsics(
        policy.Properties?.PolicyDocument,
        template,
        `Policy ${id}`,
      ) as PolicyDocument,
    });
  }
  return {
    logicalId,
    roleName,
    roleArn: resolveToString({ "Fn::GetAtt": [logicalId, "Arn"] }, template, where),
    policies,
  };
}
