/**
 * The AWS JSON protocol server the local AWS stand-ins (EventBridge, Secrets Manager, Step
 * Functions) share: a node:http server on 127.0.0.1 that takes `POST /` with
 * `X-Amz-Target: <Prefix>.<Operation>`, hands the JSON body to that operation and answers its
 * result, so the real AWS SDK clients talk to a local stand-in unchanged.
 *
 * Errors answer `{"__type", "message"}`, which the SDK raises as an exception named after
 * `__type`: an unknown operation or a body that is not JSON answers 400, an
 * {@link AwsServiceError} (or what `errorReply` maps) answers its own type, and anything else
 * is a bug of the stand-in and answers 500 under the service's internal error type.
 */

import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** A request or answer body of the AWS JSON protocol. */
export type AwsJsonBody = Record<string, unknown>;

/** One operation: the request body in, the answer body out. */
export type AwsJsonOperation = (body: AwsJsonBody) => AwsJsonBody | Promise<AwsJsonBody>;

/** An error answer: the HTTP status and the `__type` and `message` of the body. */
export interface AwsErrorReply {
  readonly status: number;
  readonly type: string;
  readonly message: string;
}

/** An error answered 400 as `{"__type", "message"}`, which the SDK raises as an exception of that name. */
export class AwsServiceError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

/** Options for {@link startAwsJsonServer}. */
export interface AwsJsonServerOptions {
  /** The service's `X-Amz-Target` prefix without the dot, e.g. `AWSEvents`. */
  readonly targetPrefix: string;
  /** The protocol version, which names the content type (`application/x-amz-json-1.x`). */
  readonly jsonVersion: "1.0" | "1.1";
  /** The operations served, by name; any other answers 400 `UnknownOperationException`. */
  readonly operations: Readonly<Record<string, AwsJsonOperation>>;
  /** The `__type` of the 500 answer to an unexpected error: each AWS service names its own. */
  readonly internalErrorType: string;
  /**
   * The message of the `UnknownOperationException` answer, given the target (or
   * `(no X-Amz-Target)`); `Unknown operation <target>` when omitted.
   */
  readonly unknownOperationMessage?: (target: string) => string;
  /**
   * What a body that is JSON but not an object gets: `reject` (the default) answers 400
   * `SerializationException`; `empty` passes `{}`, so the operation's own validation speaks.
   */
  readonly nonObjectBody?: "reject" | "empty";
  /** Answers errors other than {@link AwsServiceError}, e.g. a layer's own error classes; undefined means 500. */
  readonly errorReply?: (error: unknown) => AwsErrorReply | undefined;
}

/** A running AWS JSON protocol server. */
export interface AwsJsonServer {
  /** Base URL for the SDK's `endpoint` option, e.g. `http://127.0.0.1:51234`. */
  readonly endpoint: string;
  /** Closes the server and its connections. Safe to call twice. */
  stop(): Promise<void>;
}

/** Starts the server on 127.0.0.1 and a free port. */
export async function startAwsJsonServer(options: AwsJsonServerOptions): Promise<AwsJsonServer> {
  const contentType = `application/x-amz-json-${options.jsonVersion}`;
  const server = createServer((request, response) => {
    handle(options, contentType, request, response).catch((error: unknown) => {
      send(response, contentType, 500, {
        __type: options.internalErrorType,
        message: String(error),
      });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  let stopped: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () => {
      stopped ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        // The SDK keeps connections alive; close would wait on them otherwise.
        server.closeAllConnections();
      });
      return stopped;
    },
  };
}

async function handle(
  options: AwsJsonServerOptions,
  contentType: string,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const target = String(request.headers["x-amz-target"] ?? "");
  const prefix = `${options.targetPrefix}.`;
  const name = target.startsWith(prefix) ? target.slice(prefix.length) : "";
  // Own names only: a target like `<Prefix>.toString` must not reach Object.prototype.
  const operation = Object.hasOwn(options.operations, name) ? options.operations[name] : undefined;
  if (request.method !== "POST" || !operation) {
    const shown = target || "(no X-Amz-Target)";
    send(response, contentType, 400, {
      __type: "UnknownOperationException",
      message: options.unknownOperationMessage?.(shown) ?? `Unknown operation ${shown}`,
    });
    return;
  }
  let body: unknown;
  try {
    const text = Buffer.concat(chunks).toString("utf8");
    body = text === "" ? {} : JSON.parse(text);
  } catch {
    send(response, contentType, 400, {
      __type: "SerializationException",
      message: "Body is not JSON",
    });
    return;
  }
  if (!isPlainObject(body) && options.nonObjectBody !== "empty") {
    send(response, contentType, 400, {
      __type: "SerializationException",
      message: "Body is not an object",
    });
    return;
  }
  try {
    send(response, contentType, 200, await operation(isPlainObject(body) ? body : {}));
  } catch (error) {
    const reply =
      error instanceof AwsServiceError
        ? { status: 400, type: error.type, message: error.message }
        : options.errorReply?.(error);
    // Not an error the service answers by name: a bug, answered 500 by the caller of handle.
    if (!reply) throw error;
    send(response, contentType, reply.status, { __type: reply.type, message: reply.message });
  }
}

function send(
  response: ServerResponse,
  contentType: string,
  status: number,
  body: AwsJsonBody,
): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    "content-type": contentType,
    "content-length": Buffer.byteLength(text),
    "x-amzn-requestid": randomUUID(),
  });
  response.end(text);
}

function isPlainObject(value: unknown): value is AwsJsonBody {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
