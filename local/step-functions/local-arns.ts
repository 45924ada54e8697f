/**
 * The fake account, region and ARNs the local runner gives to resources of a synthesized
 * template. They only need to be well-formed (the ASL validator checks ARNs) and stable.
 */

/** Account id in every local ARN. */
export const LOCAL_ACCOUNT_ID = "000000000000";

/** Region in every local ARN. */
export const LOCAL_ARN_REGION = "us-east-1";

/** Partition in every local ARN. */
export const LOCAL_PARTITION = "aws";

/** The local ARN of the Lambda function with this logical id (its function name locally). */
export function localFunctionArn(logicalId: string): string {
  return `arn:${LOCAL_PARTITION}:lambda:${LOCAL_ARN_REGION}:${LOCAL_ACCOUNT_ID}:function:${logicalId}`;
}

/** The local ARN of the state machine with this name. */
export function localStateMachineArn(name: string): string {
  return `arn:${LOCAL_PARTITION}:states:${LOCAL_ARN_REGION}:${LOCAL_ACCOUNT_ID}:stateMachine:${name}`;
}

/** The ARN of an execution of a state machine, as Step Functions builds it. */
export function executionArnOf(stateMachineArn: string, executionName: string): string {
  const parts = stateMachineArn.split(":");
  // arn:aws:states:region:account:stateMachine:name → …:execution:name:executionName
  return [...parts.slice(0, 5), "execution", parts[6] ?? "", executionName].join(":");
}
