/**
 * The cdk-nag (AwsSolutions) findings the relay accepts, each acknowledged on the one resource
 * it concerns, with its reason, through CDK's own `Validations` API: users of `RelayPipeline`
 * inherit clean results without depending on cdk-nag. Wildcard findings are acknowledged one by
 * one (`IAM5[Resource::…]`), so a new wildcard still fails the check.
 */

import { type CfnElement, Stack, Validations } from "aws-cdk-lib";
import type { IConstruct } from "constructs";
import { RELAY_FUNCTION_NAMES } from "../functions/core/step-registry.js";
import type { RelayPipeline } from "./relay-pipeline.js";

/** What decides which findings exist. */
export interface NagContext {
  /** X-Ray tracing is on (then SF2 is met, and X-Ray's own wildcard appears). */
  readonly tracing: boolean;
  /** The pipeline created the drop bucket (an existing one is the user's to judge). */
  readonly bucketCreated: boolean;
  /** The key prefix the read grant is scoped to. */
  readonly keyPrefix: string;
}

/** The CDK singleton that turns on the bucket's EventBridge notifications. */
const BUCKET_NOTIFICATIONS_HANDLER = "BucketNotificationsHandler050a0587b7544547bf325f094a3db834";

/** Acknowledges the accepted findings of `pipeline`'s resources. */
export function suppressAcceptedNagFindings(pipeline: RelayPipeline, context: NagContext): void {
  const stack = Stack.of(pipeline);
  const ack = (scope: IConstruct | undefined, id: string, reason: string): void => {
    if (scope) Validations.of(scope).acknowledge({ id: `AwsSolutions-${id}`, reason });
  };
  const arnOf = (construct: IConstruct): string => {
    const cfn = construct.node.defaultChild as CfnElement;
    return `<${stack.resolve(stack.getLogicalId(cfn)) as string}.Arn>`;
  };

  for (const name of RELAY_FUNCTION_NAMES) {
    const fn = pipeline.functions[name];
    ack(
      fn,
      "L1",
      "Pinned to nodejs22.x, the runtime the bundles target (esbuild target node22) and are tested for; a runtime upgrade is a deliberate, tested change.",
    );
    if (context.tracing) {
      ack(
        fn.role,
        "IAM5[Resource::*]",
        "X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions.",
      );
    }
  }
  // cdk-nag names a created bucket by its logical id, an imported one by its literal ARN.
  const bucketArn = context.bucketCreated
    ? arnOf(pipeline.bucket)
    : `arn:<AWS::Partition>:s3:::${pipeline.bucket.bucketName}`;
  for (const name of ["admit", "transfer"] as const) {
    ack(
      pipeline.functions[name].role,
      `IAM5[Resource::${bucketArn}/${context.keyPrefix}*]`,
      "Reads the dropped objects by key: any key (under keyPrefix) may be dropped. Only GetObject/GetObjectVersion, no listing.",
    );
  }

  const machineRole = pipeline.stateMachine.role;
  for (const name of RELAY_FUNCTION_NAMES) {
    if (name === "start") continue;
    ack(
      machineRole,
      `IAM5[Resource::${arnOf(pipeline.functions[name])}:*]`,
      "CDK's LambdaInvoke grant: the function's versions and aliases, of this one function only.",
    );
  }
  ack(
    machineRole,
    "IAM5[Resource::*]",
    "Step Functions log delivery (logs:CreateLogDelivery and kin) and X-Ray support no resource-level permissions.",
  );
  ack(
    pipeline.stateMachine,
    "SF1",
    "ERROR-level logging without execution data: ALL would log every state transition (hundreds per file) at ingest cost; the execution history keeps every event for 90 days.",
  );
  if (!context.tracing) {
    ack(
      pipeline.stateMachine,
      "SF2",
      "X-Ray is opt-in with the tracing prop: traces cost money per execution and are not needed to operate the relay.",
    );
  }
  ack(
    pipeline.apiKeySecret,
    "SMG4",
    "The provider issues the API key; Secrets Manager cannot rotate it. Rotate it at the provider and put the new value.",
  );
  ack(
    pipeline.deadLetterQueue,
    "SQS3",
    "This queue is the dead-letter queue of the EventBridge target and the start function.",
  );
  if (context.bucketCreated) {
    ack(
      pipeline.bucket,
      "S1",
      "Server access logs need a second bucket; each upload's reads are recorded by the relay itself. Set bucketProps.serverAccessLogsBucket to turn them on.",
    );
    const notifications = stack.node.tryFindChild(BUCKET_NOTIFICATIONS_HANDLER);
    ack(
      notifications,
      "IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
      "CDK's own custom resource that turns on the bucket's EventBridge notifications at deploy time.",
    );
  }
}
