/**
 * The inside of one local Lambda execution environment (a worker thread started by
 * `execution-environment.ts`). It does what the AWS Node.js runtime interface client does in
 * /var/runtime: loads the function's shipped bundle once (the init phase), then runs one
 * invocation at a time through the exported handler with a Lambda context, and reports a
 * result, or an error shaped `{errorType, errorMessage, trace}` exactly as that runtime does
 * (its `Errors.toRapidResponse`, `UserFunction.load` and `Runtime` modules are the reference).
 *
 * Plain JavaScript on purpose: the worker starts with no loaders (`execArgv: []`), so neither
 * vitest's transform nor tsx can be relied on to load a .ts entry here.
 *
 * Protocol, parent → worker: `{type: "invoke", requestId, eventJson, deadlineMs}`.
 * Worker → parent: `{type: "ready"}` | `{type: "init-error", error}` |
 * `{type: "result", requestId, resultJson, peakMemoryBytes}` |
 * `{type: "error", requestId, error, fatal, peakMemoryBytes}` (`peakMemoryBytes`: the highest
 * heap + buffers of this isolate sampled during the invocation).
 */

import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { types } from "node:util";
import { getHeapStatistics } from "node:v8";
import { parentPort, workerData } from "node:worker_threads";

// The bundles target node22 and this may be Node 20: install what `local/polyfills.ts` installs
// in the parent (a worker has its own globals), before the bundle is imported. Unconditional
// and harmless where the global exists.
if (typeof Promise.withResolvers !== "function") {
  Promise.withResolvers = () => {
    let resolvePromise;
    let rejectPromise;
    const promise = new Promise((res, rej) => {
      resolvePromise = res;
      rejectPromise = rej;
    });
    return { promise, resolve: resolvePromise, reject: rejectPromise };
  };
}

/**
 * In a worker thread the spec is its `workerData` and messages go through `parentPort`; in a
 * child process of its own (`isolation: "process"`) the spec is argv's JSON and messages go
 * over IPC, log text included, so that an invocation's lines arrive before its result.
 */
const inThread = parentPort !== null;
/** @type {{functionName: string, codeDirectory: string, handler: string, memorySizeMb: number}} */
const spec = inThread ? workerData : JSON.parse(process.argv[2] ?? "{}");
const port = inThread
  ? /** @type {import("node:worker_threads").MessagePort} */ (parentPort)
  : {
      postMessage: (message, sent) => {
        if (process.connected) process.send?.(message, () => sent?.());
        else sent?.();
      },
      on: (event, listener) => process.on(event, listener),
    };
if (!inThread) {
  for (const name of ["stdout", "stderr"]) {
    process[name].write = (chunk, encoding, callback) => {
      const done = typeof encoding === "function" ? encoding : callback;
      const text = typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
      port.postMessage({ type: "log", stream: name, text });
      if (typeof done === "function") queueMicrotask(() => done());
      return true;
    };
  }
  // The parent going away ends the environment, as a reclaimed sandbox.
  process.on("disconnect", () => process.exit(0));
}
const require = createRequire(import.meta.url);

// Lambda's context reads these from its own variables; an environment without a region still
// gets a well-formed ARN.
const region = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? "us-east-1";
const invokedFunctionArn = `arn:aws:lambda:${region}:000000000000:function:${spec.functionName}`;
// One log stream per execution environment, in Lambda's `yyyy/mm/dd/[$LATEST]<hex>` form.
const logStreamName = `${new Date().toISOString().slice(0, 10).replaceAll("-", "/")}/[$LATEST]${randomBytes(16).toString("hex")}`;

/** The request id of the running invocation; undefined during init and between invocations. */
let currentRequestId;
let initDone = false;

// The runtime's own error classes: their `name` is the errorType Lambda reports.
const runtimeError = (type) => {
  const RuntimeError = class extends Error {};
  RuntimeError.prototype.name = `Runtime.${type}`;
  return RuntimeError;
};
const ImportModuleError = runtimeError("ImportModuleError");
const HandlerNotFound = runtimeError("HandlerNotFound");
const MalformedHandlerName = runtimeError("MalformedHandlerName");
const UserCodeSyntaxError = runtimeError("UserCodeSyntaxError");
const UnhandledPromiseRejection = runtimeError("UnhandledPromiseRejection");

function isErrorLike(value) {
  return (
    value &&
    typeof value.name === "string" &&
    value.name &&
    typeof value.message === "string" &&
    value.message &&
    typeof value.stack === "string" &&
    value.stack
  );
}

/** What the runtime reports for a thrown value: a non-Error's errorType is its `typeof`. */
function toRapidResponse(error) {
  try {
    if (types.isNativeError(error) || isErrorLike(error)) {
      return {
        errorType: error.name,
        errorMessage: error.message,
        trace: typeof error.stack === "string" ? error.stack.split("\n") : [],
      };
    }
    return { errorType: typeof error, errorMessage: String(error), trace: [] };
  } catch {
    return {
      errorType: "handled",
      errorMessage:
        "callback called with Error argument, but there was a problem while retrieving one or more of its message, name, and stack",
      trace: [],
    };
  }
}

/** The runtime's one-line log form of an error (`Invoke Error`, `Uncaught Exception` lines). */
function toFormatted(error) {
  try {
    return `\t${JSON.stringify(error, (_key, value) => {
      if (!(value instanceof Error)) return value;
      return {
        errorType: value.name,
        errorMessage: value.message,
        code: /** @type {{code?: unknown}} */ (value).code,
        ...value,
        ...(typeof value.stack === "string" ? { stack: value.stack.split("\n") } : {}),
      };
    })}`;
  } catch {
    return `\t${JSON.stringify(toRapidResponse(error))}`;
  }
}

/**
 * Waits until the parent has taken every byte written so far to stdout and stderr: a worker's
 * write callback fires once the parent side has consumed the chunk, so the invocation's log
 * lines reach `onLog` before its result does.
 */
function flushStdio() {
  const flush = (stream) => new Promise((done) => stream.write("", () => done()));
  return Promise.all([flush(process.stdout), flush(process.stderr)]);
}

/** Posts a fatal error for whatever is running, then ends the environment, as the runtime does. */
function die(error, exitCode) {
  const message =
    currentRequestId !== undefined
      ? { type: "error", requestId: currentRequestId, error, fatal: true }
      : !initDone
        ? { type: "init-error", error }
        : undefined;
  if (inThread || !message) {
    if (message) port.postMessage(message);
    process.exit(exitCode);
  }
  // Over IPC the report is sent asynchronously: exit once it has left, and run nothing more.
  port.postMessage(message, () => process.exit(exitCode));
  return new Promise(() => {});
}

process.on("uncaughtException", (error) => {
  console.error("Uncaught Exception", toFormatted(error));
  die(toRapidResponse(error), 129);
});

process.on("unhandledRejection", (reason) => {
  const error = new UnhandledPromiseRejection(reason);
  console.error("Unhandled Promise Rejection", toFormatted(error));
  die(toRapidResponse(error), 128);
});

/** Nearest package.json says `"type": "module"` (how the runtime decides how to load `.js`). */
function isModulePackage(directory) {
  for (let dir = directory; ; dir = resolve(dir, "..")) {
    if (dir.endsWith("/node_modules")) return false;
    const manifest = resolve(dir, "package.json");
    if (existsSync(manifest)) return require(manifest).type === "module";
    if (dir === resolve(dir, "..")) return false;
  }
}

/** Loads `<base>`, `.js`, `.mjs` or `.cjs`, in the runtime's order. */
async function loadModule(base, moduleName) {
  if (existsSync(base)) return require(base);
  if (existsSync(`${base}.js`)) {
    return isModulePackage(resolve(base, ".."))
      ? import(pathToFileURL(`${base}.js`).href)
      : require(`${base}.js`);
  }
  if (existsSync(`${base}.mjs`)) return import(pathToFileURL(`${base}.mjs`).href);
  if (existsSync(`${base}.cjs`)) return require(`${base}.cjs`);
  // The runtime would go on to resolve it as a package from the task root; a shipped asset
  // folder holds no packages, and resolving from here would find the repository's.
  const notFound = new Error(`Cannot find module '${moduleName}'`);
  notFound.code = "MODULE_NOT_FOUND";
  throw notFound;
}

/** The handler function named by `spec.handler` (`[dir/]module.export[.nested]`). */
async function loadHandler() {
  const full = spec.handler;
  if (full.includes("..")) {
    throw new MalformedHandlerName(
      `'${full}' is not a valid handler name. Use absolute paths when specifying root directories in handler names.`,
    );
  }
  const handlerName = basename(full);
  const moduleRoot = full.slice(0, full.indexOf(handlerName));
  const match = /^([^.]*)\.(.*)$/.exec(handlerName);
  if (!match) throw new MalformedHandlerName("Bad handler");
  const [, moduleName, exportPath] = match;
  let app;
  try {
    app = await loadModule(resolve(spec.codeDirectory, moduleRoot, moduleName), moduleName);
  } catch (error) {
    if (error instanceof SyntaxError) throw new UserCodeSyntaxError(error);
    const code = error?.code;
    if (code === "MODULE_NOT_FOUND" || code === "ERR_MODULE_NOT_FOUND") {
      throw new ImportModuleError(error);
    }
    throw error;
  }
  const fn = exportPath.split(".").reduce((nested, key) => nested?.[key], app);
  if (!fn) throw new HandlerNotFound(`${full} is undefined or not exported`);
  if (typeof fn !== "function") throw new HandlerNotFound(`${full} is not a function`);
  return fn;
}

/** The context object the runtime hands the handler. */
function makeContext(requestId, deadlineMs, settle) {
  let waitsForEmptyEventLoop = true;
  return {
    functionName: spec.functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn,
    memoryLimitInMB: String(spec.memorySizeMb),
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${spec.functionName}`,
    logStreamName,
    identity: undefined,
    clientContext: undefined,
    getRemainingTimeInMillis: () => deadlineMs - Date.now(),
    get callbackWaitsForEmptyEventLoop() {
      return waitsForEmptyEventLoop;
    },
    set callbackWaitsForEmptyEventLoop(value) {
      waitsForEmptyEventLoop = value;
    },
    done: (error, result) => settle(error, result),
    succeed: (result) => settle(null, result),
    fail: (error) => settle(error ?? "handled", null),
  };
}

/**
 * Runs the handler to its outcome: a returned promise, or the callback / `context.done`
 * (whichever comes first, as the runtime lets only the first count). A rejection with
 * nothing becomes the string "handled", as in the runtime. A worker's event loop never
 * empties, so a callback answers at once whatever `callbackWaitsForEmptyEventLoop` says, and a
 * handler that neither returns a promise nor calls back runs into its timeout.
 */
function runHandler(handler, event, requestId, deadlineMs) {
  return new Promise((resolveOutcome, rejectOutcome) => {
    let settled = false;
    const settle = (error, result) => {
      if (settled) return;
      settled = true;
      if (error !== undefined && error !== null) rejectOutcome(error);
      else resolveOutcome(result);
    };
    try {
      const returned = handler(event, makeContext(requestId, deadlineMs, settle), settle);
      if (returned && typeof returned.then === "function") {
        returned.then(
          (result) => settle(null, result),
          (error) => settle(error ?? "handled", null),
        );
      }
    } catch (error) {
      settle(error, null);
    }
  });
}

/** Lambda answers JSON: `undefined` becomes `null`; what cannot be stringified is an error. */
function serialize(result) {
  try {
    return { ok: true, json: JSON.stringify(result === undefined ? null : result) ?? "null" };
  } catch {
    return { ok: false, error: new Error("Unable to stringify response body") };
  }
}

/**
 * This isolate's heap and buffers: what the function itself holds (the process is shared).
 * From V8's statistics: `process.memoryUsage()` would also read the process's RSS each time.
 */
function memoryInUse() {
  // A process of its own: its RSS, the figure Lambda reports for a sandbox.
  if (!inThread) return process.memoryUsage.rss();
  const heap = getHeapStatistics();
  return heap.used_heap_size + heap.external_memory;
}

async function invoke(handler, { requestId, eventJson, deadlineMs }) {
  currentRequestId = requestId;
  // Sampled through the invocation, as Lambda's "Max Memory Used" is its peak.
  let peakMemoryBytes = memoryInUse();
  const sampler = setInterval(() => {
    peakMemoryBytes = Math.max(peakMemoryBytes, memoryInUse());
  }, 25);
  let message;
  try {
    const result = await runHandler(handler, JSON.parse(eventJson), requestId, deadlineMs);
    const serialized = serialize(result);
    if (!serialized.ok) throw serialized.error;
    message = { type: "result", requestId, resultJson: serialized.json };
  } catch (error) {
    console.error("Invoke Error", toFormatted(error));
    message = { type: "error", requestId, error: toRapidResponse(error), fatal: false };
  }
  clearInterval(sampler);
  message.peakMemoryBytes = Math.max(peakMemoryBytes, memoryInUse());
  await flushStdio();
  currentRequestId = undefined;
  port.postMessage(message);
}

let handler;
try {
  handler = await loadHandler();
} catch (error) {
  // The runtime lets an init failure become an uncaught exception: logged, reported, exit 129.
  console.error("Uncaught Exception", toFormatted(error));
  await flushStdio();
  await die(toRapidResponse(error), 129);
}
initDone = true;
port.on("message", (message) => {
  if (message?.type === "invoke") void invoke(handler, message);
});
await flushStdio();
port.postMessage({ type: "ready" });
