/**
 * The local IAM gate: one small HTTP reverse proxy per AWS service (S3, DynamoDB, Secrets
 * Manager, EventBridge, Step Functions) on 127.0.0.1, standing where the AWS endpoint would be.
 * Each local function gets its own access key id; for every request the gate identifies the
 * caller by that key, maps the request to IAM action(s) and resource ARN(s), evaluates the
 * caller's synthesized identity policies (and the resource's policy, e.g. the bucket policy)
 * with iam-simulate, records the decision, and forwards only allowed requests to the local
 * server. A refused or denied request gets the answer AWS would give, so a missing grant fails
 * locally exactly as it would deployed. A request the gate cannot map is denied, never allowed.
 * An allowed request may still get a service fault (throttling) from the `faults` injector.
 *
 * Licence boundary: this module (through ./policy-evaluator.ts) uses `@cloud-copilot/iam-simulate`,
 * which is AGPL-3.0; it may be imported from `local/` only, never from `functions/` or `infra/`.
 */

import {
  Agent,
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import {
  type ErrorAnswer,
  jsonErrorAnswer,
  notAuthorizedMessage,
  s3ErrorAnswer,
  sendAnswer,
  unknownRequestMessage,
} from "./aws-error-answers.js";
import type { AwsFaultInjector } from "./aws-faults.js";
import {
  type ActionCheck,
  type ArnScope,
  type GatedService,
  JSON_PROTOCOLS,
  mapJsonRequest,
  mapS3Request,
  type RequestMapping,
} from "./aws-request-action.js";
import { forward } from "./http-forward.js";
import { createPolicyEvaluator, type Verdict } from "./policy-evaluator.js";
import { accessKeyIdOf, urlWithAccessKeyId, withAccessKeyId } from "./sigv4-access-key.js";

export type { GatedService } from "./aws-request-action.js";
export { LOCAL_CONDITION_CONTEXT } from "./policy-evaluator.js";

/** A caller of the local AWS endpoints: a function's role session, with its own access key id. */
export interface GatePrincipal {
  /** E.g. the function's logical id; used in decisions and by `envFor`. */
  readonly name: string;
  /** E.g. `arn:aws:sts::000000000000:assumed-role/RoleName/FnName`; used in messages and as the request principal. */
  readonly principalArn: string;
  readonly accessKeyId: string;
  readonly identityPolicies: readonly { readonly name: string; readonly policy: unknown }[];
}

/**
 * Services a decision may be about: the gated ones, plus checks made in-process via
 * `authorize` (Lambda invocations by a state machine, log delivery by the Lambda runtime).
 */
export type AuthorizedService = GatedService | "lambda" | "logs";

/** One authorization decision of the gate. */
export interface GateDecision {
  /** The principal's name; `unknown access key <id>` or `anonymous` for a refused caller. */
  readonly principal: string;
  readonly service: AuthorizedService;
  /** The IAM action, or `unmapped` for a request the gate does not know. */
  readonly action: string;
  /** The resource ARN, or the request's operation for an unmapped request. */
  readonly resource: string;
  readonly allowed: boolean;
  /** Which policy statement decided, or why the request was refused. */
  readonly reason?: string;
}

/** Options of {@link startIamGate}. */
export interface IamGateOptions {
  readonly account: string;
  readonly region: string;
  /** Base URL of the real local server per service; the gate serves only these services. */
  readonly upstreams: Partial<Record<GatedService, string>>;
  readonly principals: readonly GatePrincipal[];
  /** The resource's own policy (e.g. a bucket policy), if it has one. */
  readonly resourcePolicy?: (
    service: AuthorizedService,
    resourceArn: string,
  ) => unknown | undefined;
  /** Turns a `SecretId` (name, full or partial ARN) into the secret's full ARN. */
  readonly resolveSecretArn?: (secretId: string) => string | undefined;
  /** Service faults for allowed calls (see ./aws-faults.ts). @default none */
  readonly faults?: AwsFaultInjector;
}

/** A running gate. */
export interface IamGate {
  /** The gate's URL per service given in `upstreams`. */
  readonly endpoints: Partial<Record<GatedService, string>>;
  /** Every decision, in order. */
  readonly decisions: readonly GateDecision[];
  /** The endpoint variables (`AWS_ENDPOINT_URL_<SERVICE>`) and credentials of one principal. */
  envFor(principalName: string): Record<string, string>;
  /** Evaluates and records one check made outside HTTP (e.g. a Lambda invocation by a state machine). */
  authorize(
    principalName: string,
    service: AuthorizedService,
    action: string,
    resource: string,
  ): Promise<GateDecision>;
  /** Closes every endpoint and keep-alive connection. Safe to call twice. */
  stop(): Promise<void>;
}

/** The access key id s3rver 3.7.1 accepts (it checks no signature). */
const S3RVER_ACCESS_KEY_ID = "S3RVER";

/** Secret access key handed to every principal: nothing checks signatures locally. */
const LOCAL_SECRET_ACCESS_KEY = "local-iam-gate-secret";

/** Largest JSON request body read; DynamoDB's own limit for a request is 16 MB. */
const MAX_JSON_BYTES = 16 * 1024 * 1024;

/** The SDK's endpoint variable per service. */
const ENDPOINT_VARIABLES: Readonly<Record<GatedService, string>> = {
  s3: "AWS_ENDPOINT_URL_S3",
  dynamodb: "AWS_ENDPOINT_URL_DYNAMODB",
  secretsmanager: "AWS_ENDPOINT_URL_SECRETS_MANAGER",
  events: "AWS_ENDPOINT_URL_EVENTBRIDGE",
  states: "AWS_ENDPOINT_URL_SFN",
};

type Denied = Extract<Verdict, { allowed: false }>;

/** Reads a small request body; undefined if it exceeds the limit. */
async function readBody(request: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const parts: Buffer[] = [];
  let length = 0;
  for await (const part of request as AsyncIterable<Buffer>) {
    length += part.length;
    if (length > limit) return undefined;
    parts.push(part);
  }
  return Buffer.concat(parts);
}

/** Reads and drops a request body. */
async function drain(request: IncomingMessage): Promise<void> {
  for await (const _ of request as AsyncIterable<Buffer>) {
    // Discarded: the answer does not depend on it.
  }
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString("utf8")) as unknown;
  } catch {
    return undefined;
  }
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    });
  });
}

/** Starts one gate endpoint per service in `options.upstreams`. */
export async function startIamGate(options: IamGateOptions): Promise<IamGate> {
  const byKey = new Map<string, GatePrincipal>();
  const byName = new Map<string, GatePrincipal>();
  for (const principal of options.principals) {
    if (byKey.has(principal.accessKeyId) || byName.has(principal.name)) {
      throw new Error(
        `local IAM gate: principal ${principal.name} (${principal.accessKeyId}) is not unique`,
      );
    }
    byKey.set(principal.accessKeyId, principal);
    byName.set(principal.name, principal);
  }
  const evaluator = createPolicyEvaluator(options.account);
  // Fails at start on a policy iam-simulate cannot read, rather than on the first call.
  for (const principal of options.principals) await evaluator.validate(principal);

  const scope: ArnScope = {
    account: options.account,
    region: options.region,
    ...(options.resolveSecretArn ? { resolveSecretArn: options.resolveSecretArn } : {}),
  };
  const decisions: GateDecision[] = [];
  const agent = new Agent({ keepAlive: true });

  const evaluate = async (
    principal: GatePrincipal,
    service: AuthorizedService,
    check: ActionCheck,
  ): Promise<{ verdict: Verdict; decision: GateDecision }> => {
    const verdict = await evaluator.evaluate(
      principal,
      check.action,
      check.resource,
      options.resourcePolicy?.(service, check.resource),
    );
    const decision: GateDecision = {
      principal: principal.name,
      service,
      action: check.action,
      resource: check.resource,
      allowed: verdict.allowed,
      reason: verdict.reason,
    };
    decisions.push(decision);
    return { verdict, decision };
  };

  const refusal = (service: GatedService, accessKeyId: string | undefined): ErrorAnswer => {
    if (service === "s3") {
      // S3 treats an unsigned request as anonymous; no policy here grants anonymous access.
      return accessKeyId === undefined
        ? s3ErrorAnswer(403, "AccessDenied", "Access Denied")
        : s3ErrorAnswer(
            403,
            "InvalidAccessKeyId",
            "The AWS Access Key Id you provided does not exist in our records.",
            { AWSAccessKeyId: accessKeyId },
          );
    }
    const { contentType } = JSON_PROTOCOLS[service];
    return accessKeyId === undefined
      ? jsonErrorAnswer(
          contentType,
          "MissingAuthenticationTokenException",
          "Missing Authentication Token",
        )
      : jsonErrorAnswer(
          contentType,
          "UnrecognizedClientException",
          "The security token included in the request is invalid.",
        );
  };

  const accessDenied = (service: GatedService, message: string): ErrorAnswer =>
    service === "s3"
      ? s3ErrorAnswer(403, "AccessDenied", message)
      : jsonErrorAnswer(JSON_PROTOCOLS[service].contentType, "AccessDeniedException", message);

  const handle = async (
    service: GatedService,
    upstream: URL,
    request: IncomingMessage,
    response: ServerResponse,
    expectsContinue: boolean,
  ): Promise<void> => {
    const method = request.method ?? "GET";
    const rawUrl = request.url ?? "/";
    const head = method === "HEAD";

    let body: Buffer | undefined;
    let mapping: RequestMapping;
    if (service === "s3") {
      mapping = mapS3Request(method, rawUrl, request.headers);
    } else {
      // JSON bodies are small: read them to find the target's resources, forward the same bytes.
      if (expectsContinue) response.writeContinue();
      body = await readBody(request, MAX_JSON_BYTES);
      if (!body) {
        const { contentType } = JSON_PROTOCOLS[service];
        sendAnswer(
          response,
          jsonErrorAnswer(contentType, "RequestEntityTooLarge", "Request entity too large", 413),
          head,
        );
        return;
      }
      const target = request.headers["x-amz-target"];
      mapping = mapJsonRequest(
        service,
        typeof target === "string" ? target : undefined,
        parseJson(body),
        scope,
      );
    }

    const accessKeyId = accessKeyIdOf(request.headers, rawUrl);
    const principal = accessKeyId === undefined ? undefined : byKey.get(accessKeyId);
    if (!principal) {
      const caller = accessKeyId === undefined ? "anonymous" : `unknown access key ${accessKeyId}`;
      const checks = mapping.known
        ? mapping.checks
        : [{ action: "unmapped", resource: mapping.operation }];
      for (const check of checks) {
        decisions.push({
          principal: caller,
          service,
          ...check,
          allowed: false,
          reason: `${caller}: the caller is not a known principal`,
        });
      }
      sendAnswer(response, refusal(service, accessKeyId), head);
      return;
    }

    if (!mapping.known) {
      decisions.push({
        principal: principal.name,
        service,
        action: "unmapped",
        resource: mapping.operation,
        allowed: false,
        reason: `the local IAM gate does not know this request: ${mapping.reason}`,
      });
      const message = unknownRequestMessage(
        principal.principalArn,
        mapping.operation,
        mapping.reason,
      );
      sendAnswer(response, accessDenied(service, message), head);
      return;
    }

    // Every check must pass (a batch over two tables needs both); all are recorded, in order.
    const verdicts: Verdict[] = [];
    for (const check of mapping.checks) {
      verdicts.push((await evaluate(principal, service, check)).verdict);
    }
    const deniedAt = verdicts.findIndex((v) => !v.allowed);
    if (deniedAt >= 0) {
      const check = mapping.checks[deniedAt] as ActionCheck;
      const message = notAuthorizedMessage(
        principal.principalArn,
        check.action,
        check.resource,
        verdicts[deniedAt] as Denied,
        service === "s3",
      );
      sendAnswer(response, accessDenied(service, message), head);
      return;
    }

    // Only after the allow: a throttled service still checks authorization first.
    const fault = options.faults?.faultFor({
      principal: principal.name,
      service,
      operation: mapping.operation,
    });
    if (fault) {
      // An S3 body not yet read is drained, so the caller reads the answer, not a reset; one
      // waiting for `100 Continue` never sends it.
      if (service === "s3" && !expectsContinue) await drain(request);
      sendAnswer(response, fault, head);
      return;
    }

    if (service === "s3") {
      // s3rver refuses every key but its own and checks no signature: hand it its key.
      if (expectsContinue) response.writeContinue();
      const authorization = request.headers.authorization;
      await forward(request, response, {
        upstream,
        agent,
        path: urlWithAccessKeyId(rawUrl, S3RVER_ACCESS_KEY_ID),
        headers: authorization
          ? { authorization: withAccessKeyId(authorization, S3RVER_ACCESS_KEY_ID) }
          : {},
      });
      return;
    }
    await forward(request, response, { upstream, agent, path: rawUrl, ...(body ? { body } : {}) });
  };

  const servers: Server[] = [];
  const endpoints: Partial<Record<GatedService, string>> = {};
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      await Promise.all(
        servers.map(
          (server) =>
            new Promise<void>((resolve) => {
              server.close(() => resolve());
              // SDK clients keep connections alive; close would wait on them otherwise.
              server.closeAllConnections();
            }),
        ),
      );
      agent.destroy();
    })();
    return stopped;
  };

  try {
    for (const [service, base] of Object.entries(options.upstreams) as [GatedService, string][]) {
      const upstream = new URL(base);
      const run = (
        request: IncomingMessage,
        response: ServerResponse,
        expectsContinue: boolean,
      ) => {
        handle(service, upstream, request, response, expectsContinue).catch((error: unknown) => {
          if (response.headersSent) {
            response.destroy();
            return;
          }
          const message = `local IAM gate failed: ${String(error)}`;
          sendAnswer(
            response,
            service === "s3"
              ? s3ErrorAnswer(500, "InternalError", message)
              : jsonErrorAnswer(
                  JSON_PROTOCOLS[service].contentType,
                  "InternalFailure",
                  message,
                  500,
                ),
            request.method === "HEAD",
          );
        });
      };
      const server = createServer((request, response) => run(request, response, false));
      // Answering `100 Continue` only once allowed spares the caller sending a denied body.
      server.on("checkContinue", (request, response) => run(request, response, true));
      servers.push(server);
      endpoints[service] = await listen(server);
    }
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    endpoints,
    decisions,
    envFor(principalName) {
      const principal = byName.get(principalName);
      if (!principal) throw new Error(`local IAM gate: no principal named ${principalName}`);
      const env: Record<string, string> = {
        AWS_ACCESS_KEY_ID: principal.accessKeyId,
        AWS_SECRET_ACCESS_KEY: LOCAL_SECRET_ACCESS_KEY,
      };
      for (const [service, endpoint] of Object.entries(endpoints) as [GatedService, string][]) {
        env[ENDPOINT_VARIABLES[service]] = endpoint;
      }
      return env;
    },
    async authorize(principalName, service, action, resource) {
      const principal = byName.get(principalName);
      if (!principal) {
        const decision: GateDecision = {
          principal: principalName,
          service,
          action,
          resource,
          allowed: false,
          reason: `${principalName} is not a known principal`,
        };
        decisions.push(decision);
        return decision;
      }
      return (await evaluate(principal, service, { action, resource })).decision;
    },
    stop,
  };
}
