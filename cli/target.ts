/**
 * Which relay `relay` talks to: the local stack `npm start` keeps up (found from its local
 * target file, while its process lives), or a deployed stack (found from the outputs of its
 * CloudFormation stack, with the default AWS credential chain, or named by flags). Either way
 * the CLI gets the same AWS clients and names; only endpoints and credentials differ.
 */

import {
  CloudFormationClient,
  DescribeStacksCommand,
  type Output,
} from "@aws-sdk/client-cloudformation";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { SFNClient } from "@aws-sdk/client-sfn";
import { CliError, EXIT } from "./exit-codes.js";
import { failureOf } from "./failure.js";
import {
  isAlive,
  type LocalTargetFile,
  localTargetPath,
  readTargetFile,
  relayHome,
} from "./local-target.js";

/** Which kind of stack to use; `auto` is the local one when it runs, else the deployed one. */
export type TargetKind = "auto" | "local" | "deployed";

/** How the target is chosen, from the command line and the environment. */
export interface TargetOptions {
  readonly target: TargetKind;
  /** The deployed stack's name. */
  readonly stack: string;
  readonly region?: string | undefined;
  readonly profile?: string | undefined;
  /** Names that override (or, all three given, replace) the deployed stack's outputs. */
  readonly bucket?: string | undefined;
  readonly table?: string | undefined;
  readonly stateMachine?: string | undefined;
  readonly env: NodeJS.ProcessEnv;
}

/** A relay to talk to: its names and the clients that reach it. */
export interface Target {
  readonly kind: "local" | "deployed";
  /** E.g. `the local stack (npm start, pid 123)` or `stack Relay`. */
  readonly description: string;
  readonly bucket: string;
  readonly tableName: string;
  readonly stateMachineArn: string;
  readonly s3: S3Client;
  readonly dynamodb: DynamoDBClient;
  readonly sfn: SFNClient;
  /** Closes the clients' connections. */
  close(): void;
}

/** The outputs of the `Relay` stack that the CLI reads (see infra/relay-stack.ts). */
const OUTPUTS = {
  bucket: "BucketName",
  table: "TableName",
  stateMachine: "StateMachineArn",
} as const;

/** Resolves the target, or throws a {@link CliError} that says why there is none. */
export async function resolveTarget(options: TargetOptions): Promise<Target> {
  if (options.target !== "deployed") {
    const local = runningLocalTarget(options.env);
    if (local) return localTarget(local);
    if (options.target === "local") {
      throw new CliError(
        "no local stack is running: start one with `npm start` (it keeps the stack up while it watches the bucket)",
        EXIT.noStack,
      );
    }
  }
  try {
    return await deployedTarget(options);
  } catch (error) {
    // Neither stack is there: say so for both, not only for the deployed one.
    const failure = options.target === "auto" ? failureOf(error) : undefined;
    if (failure?.exitCode !== EXIT.noStack) throw error;
    throw new CliError(`no local stack running (npm start), and ${failure.message}`, EXIT.noStack);
  }
}

/** The local target file, when one is there and its process is alive. */
function runningLocalTarget(env: NodeJS.ProcessEnv): LocalTargetFile | undefined {
  const path = localTargetPath(relayHome(env));
  const found = readTargetFile(path);
  if (found.kind === "invalid") {
    process.stderr.write(`relay: ignoring ${path}: ${found.reason}\n`);
    return undefined;
  }
  // A file whose process is gone was left by an `npm start` that was killed: stale.
  return found.kind === "file" && isAlive(found.target.pid) ? found.target : undefined;
}

function localTarget(file: LocalTargetFile): Target {
  const base = { region: file.region, credentials: file.credentials };
  const s3 = new S3Client({
    ...base,
    endpoint: file.endpoints.s3,
    forcePathStyle: true,
    // The local S3 server does not know the flexible-checksum headers newer SDKs add.
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
  const dynamodb = new DynamoDBClient({ ...base, endpoint: file.endpoints.dynamodb });
  const sfn = new SFNClient({ ...base, endpoint: file.endpoints.states });
  return {
    kind: "local",
    description: `the local stack (npm start, pid ${file.pid})`,
    bucket: file.bucket,
    tableName: file.tableName,
    stateMachineArn: file.stateMachineArn,
    ...clients(s3, dynamodb, sfn),
  };
}

/** The clients of a target, and what closes them. */
function clients(
  s3: S3Client,
  dynamodb: DynamoDBClient,
  sfn: SFNClient,
): Pick<Target, "s3" | "dynamodb" | "sfn" | "close"> {
  return {
    s3,
    dynamodb,
    sfn,
    close: () => {
      s3.destroy();
      dynamodb.destroy();
      sfn.destroy();
    },
  };
}

async function deployedTarget(options: TargetOptions): Promise<Target> {
  const config = {
    ...(options.region ? { region: options.region } : {}),
    ...(options.profile ? { profile: options.profile } : {}),
  };
  const named =
    options.bucket !== undefined &&
    options.table !== undefined &&
    options.stateMachine !== undefined;
  const outputs = named ? new Map<string, string>() : await stackOutputs(options, config);
  const pick = (given: string | undefined, output: string, flag: string): string => {
    const value = given ?? outputs.get(output);
    if (value === undefined) {
      throw new CliError(
        `stack ${options.stack} has no ${output} output (deployed before this CLI?): redeploy it with \`npx cdk deploy\`, or pass ${flag}`,
        EXIT.noStack,
      );
    }
    return value;
  };
  const bucket = pick(options.bucket, OUTPUTS.bucket, "--bucket");
  const tableName = pick(options.table, OUTPUTS.table, "--table");
  const stateMachineArn = pick(options.stateMachine, OUTPUTS.stateMachine, "--state-machine");
  return {
    kind: "deployed",
    description: `stack ${options.stack}`,
    bucket,
    tableName,
    stateMachineArn,
    ...clients(new S3Client(config), new DynamoDBClient(config), new SFNClient(config)),
  };
}

/** The stack's outputs by key; a missing stack or missing credentials is a {@link CliError}. */
async function stackOutputs(
  options: TargetOptions,
  config: { readonly region?: string; readonly profile?: string },
): Promise<Map<string, string>> {
  const cloudformation = new CloudFormationClient(config);
  try {
    const out = await cloudformation.send(new DescribeStacksCommand({ StackName: options.stack }));
    const outputs: readonly Output[] = out.Stacks?.[0]?.Outputs ?? [];
    return new Map(
      outputs.flatMap((o) =>
        o.OutputKey && o.OutputValue !== undefined ? [[o.OutputKey, o.OutputValue] as const] : [],
      ),
    );
  } catch (error) {
    const { name, message } = error as { name?: string; message?: string };
    if (name === "ValidationError" && /does not exist/.test(message ?? "")) {
      const where = (await regionOf(cloudformation)) ?? "this region";
      throw new CliError(
        `stack ${options.stack} not found in ${where} (deploy it with \`npx cdk deploy\`, or pass --stack/--region)`,
        EXIT.noStack,
      );
    }
    throw error;
  } finally {
    cloudformation.destroy();
  }
}

/** The region a client resolved, if it resolved one. */
async function regionOf(client: CloudFormationClient): Promise<string | undefined> {
  try {
    return await client.config.region();
  } catch {
    return undefined;
  }
}
