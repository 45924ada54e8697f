/**
 * The local Lambda runtime on real worker threads and small fixture bundles written per test
 * (plus one real esbuild bundle of the start function): results, isolation, warm and cold
 * environments, concurrency, the runtime's error shapes, timeouts, exits, context and logs,
 * and the account's concurrency limits (throttling, the async event queue).
 */

import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import {
  LambdaConcurrency,
  LambdaFunctionError,
  LocalLambda,
  type LocalLambdaSpec,
  TooManyRequestsException,
} from "../../../local/lambda/local-lambda.js";
import { latch, ScriptedHttpServer } from "../../helpers/scripted-http-server.js";

let root: string;
const started: LocalLambda[] = [];
let fixtureCount = 0;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "local-lambda-"));
});

afterEach(async () => {
  await Promise.all(started.splice(0).map((fn) => fn.stop()));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Writes `source` as `<dir>/<file>` in a fresh asset folder; returns the folder. */
async function fixture(source: string, file = "index.mjs"): Promise<string> {
  fixtureCount += 1;
  const dir = join(root, `asset${fixtureCount}`);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, file), source);
  return dir;
}

/** A LocalLambda over `source`, stopped after the test. */
async function localLambda(
  source: string,
  spec: Partial<LocalLambdaSpec> = {},
): Promise<LocalLambda> {
  const fn = new LocalLambda({
    functionName: "Fn",
    codeDirectory: await fixture(source),
    handler: "index.handler",
    environment: {},
    timeoutSeconds: 1,
    memorySizeMb: 128,
    onLog: () => {},
    ...spec,
  });
  started.push(fn);
  return fn;
}

/** The rejection of `promise`, which must be a LambdaFunctionError. */
async function functionError(promise: Promise<unknown>): Promise<LambdaFunctionError> {
  const error = await promise.then(
    () => expect.unreachable("the invocation should have failed"),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(LambdaFunctionError);
  return error as LambdaFunctionError;
}

/** A handler that counts its invocations in module scope. */
const COUNTER = `
let count = 0;
export const handler = async (event) => {
  count += 1;
  if (event.spin) for (;;) {}
  if (event.exit !== undefined) process.exit(event.exit);
  return { count };
};
`;

describe("results", () => {
  it("round-trips event and result as JSON", async () => {
    const fn = await localLambda(
      `export const handler = async (event) => ({ event, at: new Date(0), skipped: undefined, n: 1.5 });`,
    );
    await expect(fn.invoke({ a: [1, "x", null], b: { c: true } })).resolves.toEqual({
      event: { a: [1, "x", null], b: { c: true } },
      at: "1970-01-01T00:00:00.000Z",
      n: 1.5,
    });
  });

  it("answers null for undefined", async () => {
    const fn = await localLambda(`export const handler = async () => undefined;`);
    await expect(fn.invoke({})).resolves.toBeNull();
  });

  it("takes a callback-style handler's answer", async () => {
    const fn = await localLambda(
      `export const handler = (event, context, callback) => { callback(null, { via: "callback" }); };`,
    );
    await expect(fn.invoke({})).resolves.toEqual({ via: "callback" });
  });

  it("loads an index.cjs bundle", async () => {
    const fn = new LocalLambda({
      functionName: "Cjs",
      codeDirectory: await fixture(`exports.handler = async () => "from cjs";`, "index.cjs"),
      handler: "index.handler",
      environment: {},
      timeoutSeconds: 1,
      memorySizeMb: 128,
    });
    started.push(fn);
    await expect(fn.invoke({})).resolves.toBe("from cjs");
  });
});

describe("isolation", () => {
  const PARENT_ONLY = "LOCAL_LAMBDA_TEST_PARENT_ONLY";
  beforeAll(() => {
    process.env[PARENT_ONLY] = "parent";
  });
  afterAll(() => {
    delete process.env[PARENT_ONLY];
  });

  it("gives each function exactly its own environment", async () => {
    const source = `export const handler = async (event) => {
      const seen = { ...process.env };
      process.env.WRITTEN_INSIDE = event.name;
      return seen;
    };`;
    const a = await localLambda(source, { functionName: "A", environment: { ONLY_A: "a" } });
    const b = await localLambda(source, { functionName: "B", environment: { ONLY_B: "b" } });
    await expect(a.invoke({ name: "a" })).resolves.toEqual({ ONLY_A: "a" });
    await expect(b.invoke({ name: "b" })).resolves.toEqual({ ONLY_B: "b" });
    // A write inside stays inside that environment (visible to its next invocation only).
    await expect(a.invoke({ name: "a" })).resolves.toEqual({ ONLY_A: "a", WRITTEN_INSIDE: "a" });
    expect(process.env.WRITTEN_INSIDE).toBeUndefined();
  });
});

describe("execution environments", () => {
  it("keeps module scope warm between invocations", async () => {
    const fn = await localLambda(COUNTER);
    await expect(fn.invoke({})).resolves.toEqual({ count: 1 });
    await expect(fn.invoke({})).resolves.toEqual({ count: 2 });
    expect(fn.stats).toMatchObject({ coldStarts: 1, invocations: 2, timeouts: 0, throttles: 0 });
  });

  it("counts billed milliseconds and the peak memory an invocation held, as Lambda reports them", async () => {
    const fn = await localLambda(
      `let kept;
export const handler = async (event) => {
  // Held across a few samples, then let go: the peak must still count it.
  kept = Buffer.alloc(event.mib * 1024 * 1024, 1);
  await new Promise((resolve) => setTimeout(resolve, 100));
  kept = undefined;
  return { ok: true };
};`,
      { memorySizeMb: 256 },
    );
    await fn.invoke({ mib: 1 });
    const small = fn.stats;
    await fn.invoke({ mib: 64 });
    const big = fn.stats;
    expect(small.billedMs).toBeGreaterThanOrEqual(100);
    expect(big.billedMs).toBeGreaterThanOrEqual(small.billedMs + 100);
    expect(small.peakMemoryBytes).toBeGreaterThan(1024 * 1024);
    expect(big.peakMemoryBytes).toBeGreaterThanOrEqual(64 * 1024 * 1024);
  });

  it('with isolation "process", each environment is a process of its own: logs before results, RSS as its memory, exits reported', async () => {
    const lines: string[] = [];
    const fn = await localLambda(
      `let kept;
export const handler = async (event) => {
  if (event.exit) process.exit(3);
  console.log("working on", event.mib);
  kept = Buffer.alloc(event.mib * 1024 * 1024, 1);
  await new Promise((resolve) => setTimeout(resolve, 60));
  return { pid: process.pid, env: Object.keys(process.env).sort() };
};`,
      {
        isolation: "process",
        memorySizeMb: 256,
        timeoutSeconds: 10,
        environment: { ONLY_THIS: "1" },
        onLog: (line) => lines.push(line),
      },
    );
    const [a, b] = (await Promise.all([fn.invoke({ mib: 48 }), fn.invoke({ mib: 1 })])) as {
      pid: number;
      env: string[];
    }[];
    expect(a?.pid).not.toBe(process.pid);
    expect(b?.pid).not.toBe(a?.pid);
    // Exactly the function's environment (the platform may add nothing of this process's).
    expect(a?.env).not.toContain("PATH");
    expect(a?.env).toContain("ONLY_THIS");
    // Each invocation's line was delivered before its result.
    expect(lines.filter((l) => l.startsWith("working on"))).toHaveLength(2);
    expect(fn.stats.peakMemoryBytes).toBeGreaterThan(48 * 1024 * 1024);

    await expect(fn.invoke({ exit: true })).rejects.toMatchObject({
      errorType: "Runtime.ExitError",
      message: expect.stringMatching(/exit status 3/),
    });
  });

  it("runs concurrent invocations in parallel, in separate environments", async () => {
    // A barrier: the server answers no request until two are waiting. Serialized invocations
    // would never get past it (and would time out).
    const server = await ScriptedHttpServer.start();
    const twoWaiting = latch();
    server.respond((_request, n) => {
      if (n === 2) twoWaiting.open();
      return { until: twoWaiting.opened, reply: { status: 200, text: "go" } };
    });
    try {
      const fn = await localLambda(
        `import { threadId } from "node:worker_threads";
        export const handler = async (event) => {
          const answer = await (await fetch(event.url)).text();
          return { answer, threadId };
        };`,
        { timeoutSeconds: 30 },
      );
      const url = `${server.origin}/`;
      const [first, second] = (await Promise.all([fn.invoke({ url }), fn.invoke({ url })])) as {
        answer: string;
        threadId: number;
      }[];
      expect(first?.answer).toBe("go");
      expect(second?.answer).toBe("go");
      expect(first?.threadId).not.toBe(second?.threadId);
      expect(fn.stats).toMatchObject({ coldStarts: 2, invocations: 2 });
    } finally {
      await server.close();
    }
  });
});

describe("function errors, as the Node.js runtime reports them", () => {
  it("rejects with the thrown error's name, message and trace", async () => {
    const fn = await localLambda(
      `class BadThing extends Error { name = "BadThing"; }
      export const handler = async () => { throw new BadThing("it broke"); };`,
    );
    const error = await functionError(fn.invoke({}));
    expect(error).toMatchObject({
      name: "BadThing",
      errorType: "BadThing",
      message: "it broke",
      errorMessage: "it broke",
    });
    expect(error.trace[0]).toBe("BadThing: it broke");
    expect(error.trace.some((line) => line.includes("index.mjs"))).toBe(true);
    // A handled error keeps the environment warm.
    await functionError(fn.invoke({}));
    expect(fn.stats.coldStarts).toBe(1);
  });

  it("reports a thrown non-Error by its typeof, as the runtime does", async () => {
    const fn = await localLambda(`export const handler = async () => { throw "plain text"; };`);
    const error = await functionError(fn.invoke({}));
    expect(error).toMatchObject({
      name: "string",
      errorType: "string",
      errorMessage: "plain text",
      trace: [],
    });
  });

  it("reports a module that fails to import as Runtime.ImportModuleError", async () => {
    const fn = await localLambda(
      `import "no-such-package-for-local-lambda";
      export const handler = async () => "unreachable";`,
    );
    const error = await functionError(fn.invoke({}));
    expect(error.errorType).toBe("Runtime.ImportModuleError");
    expect(error.errorMessage).toContain("no-such-package-for-local-lambda");
  });

  it("reports a missing module file as Runtime.ImportModuleError", async () => {
    const fn = await localLambda(`export const handler = async () => 1;`, {
      handler: "missing.handler",
    });
    const error = await functionError(fn.invoke({}));
    expect(error).toMatchObject({
      errorType: "Runtime.ImportModuleError",
      errorMessage: "Error: Cannot find module 'missing'",
    });
  });

  it("reports a syntax error as Runtime.UserCodeSyntaxError", async () => {
    const fn = await localLambda(`export const handler = async () => {`);
    const error = await functionError(fn.invoke({}));
    expect(error.errorType).toBe("Runtime.UserCodeSyntaxError");
  });

  it("reports a missing export as Runtime.HandlerNotFound", async () => {
    const fn = await localLambda(`export const other = async () => 1;`);
    const error = await functionError(fn.invoke({}));
    expect(error).toMatchObject({
      errorType: "Runtime.HandlerNotFound",
      errorMessage: "index.handler is undefined or not exported",
    });
  });
});

describe("timeouts and crashes", () => {
  it("kills a handler that outlives its timeout and discards its environment", async () => {
    const fn = await localLambda(COUNTER);
    await expect(fn.invoke({})).resolves.toEqual({ count: 1 });
    const error = await functionError(fn.invoke({ spin: true }));
    expect(error).toMatchObject({
      name: "Sandbox.Timedout",
      errorType: "Sandbox.Timedout",
      message: "Task timed out after 1.00 seconds",
    });
    expect(fn.stats).toMatchObject({ coldStarts: 1, invocations: 2, timeouts: 1, throttles: 0 });
    // The next invocation cold-starts a fresh environment: module state starts over.
    await expect(fn.invoke({})).resolves.toEqual({ count: 1 });
    expect(fn.stats.coldStarts).toBe(2);
  });

  it("reports process.exit as Runtime.ExitError and discards the environment", async () => {
    const fn = await localLambda(COUNTER);
    const error = await functionError(fn.invoke({ exit: 3 }));
    expect(error.errorType).toBe("Runtime.ExitError");
    expect(error.errorMessage).toMatch(
      /^RequestId: \S+ Error: Runtime exited with error: exit status 3$/,
    );
    await expect(fn.invoke({})).resolves.toEqual({ count: 1 });
    expect(fn.stats.coldStarts).toBe(2);
  });

  it("reports an uncaught exception with its own name, and discards the environment", async () => {
    const fn = await localLambda(
      `let count = 0;
      export const handler = async (event) => {
        count += 1;
        if (event.late) await new Promise(() => setTimeout(() => { throw new TypeError("late"); }, 0));
        return { count };
      };`,
    );
    const error = await functionError(fn.invoke({ late: true }));
    expect(error).toMatchObject({ errorType: "TypeError", errorMessage: "late" });
    await expect(fn.invoke({})).resolves.toEqual({ count: 1 });
  });

  it("reports an unhandled rejection as Runtime.UnhandledPromiseRejection", async () => {
    const fn = await localLambda(
      `export const handler = async () => {
        Promise.reject(new Error("nobody waits"));
        await new Promise(() => {});
      };`,
    );
    const error = await functionError(fn.invoke({}));
    expect(error).toMatchObject({
      errorType: "Runtime.UnhandledPromiseRejection",
      errorMessage: "Error: nobody waits",
    });
  });

  it("reports a heap beyond the memory setting as Runtime.ExitError", async () => {
    const fn = await localLambda(
      `export const handler = async () => {
        const hoard = [];
        for (;;) hoard.push(new Array(1e5).fill(hoard.length));
      };`,
      { timeoutSeconds: 60 },
    );
    const error = await functionError(fn.invoke({}));
    expect(error.errorType).toBe("Runtime.ExitError");
    expect(error.errorMessage).toContain("heap out of memory");
  });
});

describe("context and logs", () => {
  it("hands the handler Lambda's context", async () => {
    const fn = await localLambda(
      `export const handler = async (event, context) => {
        const first = context.getRemainingTimeInMillis();
        await new Promise((resolve) => setTimeout(resolve, 20));
        const { getRemainingTimeInMillis, ...fields } = context;
        return { ...fields, first, second: getRemainingTimeInMillis() };
      };`,
      {
        functionName: "CtxFn",
        memorySizeMb: 256,
        environment: { AWS_REGION: "eu-west-3" },
      },
    );
    const context = (await fn.invoke({})) as Record<string, unknown>;
    expect(context).toMatchObject({
      functionName: "CtxFn",
      functionVersion: "$LATEST",
      invokedFunctionArn: "arn:aws:lambda:eu-west-3:000000000000:function:CtxFn",
      memoryLimitInMB: "256",
      logGroupName: "/aws/lambda/CtxFn",
      callbackWaitsForEmptyEventLoop: true,
    });
    expect(context.awsRequestId).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    );
    expect(context.logStreamName).toMatch(/^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/);
    const first = context.first as number;
    const second = context.second as number;
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThanOrEqual(1000);
    expect(second).toBeLessThan(first);
    const again = (await fn.invoke({})) as Record<string, unknown>;
    expect(again.awsRequestId).not.toBe(context.awsRequestId);
    expect(again.logStreamName).toBe(context.logStreamName);
  });

  it("hands every stdout and stderr line to onLog with the function name", async () => {
    const lines: Array<[string, string]> = [];
    const fn = await localLambda(
      `console.log("init line");
      export const handler = async (event) => {
        console.log("hello %d", event.n);
        process.stdout.write("in ");
        process.stdout.write("pieces\\n");
        console.error("to stderr");
        return "ok";
      };`,
      { functionName: "Logger", onLog: (line, name) => lines.push([line, name]) },
    );
    await fn.invoke({ n: 7 });
    // The lines of an invocation arrive before its result; stdout and stderr are two streams,
    // each in order.
    const from = (name: string) => lines.filter(([, fnName]) => fnName === name).map(([l]) => l);
    expect(from("Logger").filter((l) => l !== "to stderr")).toEqual([
      "init line",
      "hello 7",
      "in pieces",
    ]);
    expect(from("Logger")).toContain("to stderr");
    expect(lines).toHaveLength(4);
  });
});

describe("stop", () => {
  it("rejects invocations after stop, and the one running", async () => {
    const fn = await localLambda(COUNTER, { timeoutSeconds: 30 });
    await expect(fn.invoke({})).resolves.toEqual({ count: 1 });
    const running = fn.invoke({ spin: true });
    const settled = running.then(
      () => "resolved",
      (e: Error) => e.message,
    );
    await fn.stop();
    await expect(settled).resolves.toBe("local Lambda Fn is stopped");
    await expect(fn.invoke({})).rejects.toThrow("local Lambda Fn is stopped");
  });
});

/**
 * A gate the functions wait at: each request to `url` is held until `open()`. `waiting` says
 * how many invocations are held now, so a test knows they are running without any timing.
 */
async function startGate(): Promise<{
  readonly url: string;
  readonly waiting: () => number;
  open: () => void;
  close: () => Promise<void>;
}> {
  const server = await ScriptedHttpServer.start();
  const opened = latch();
  server.respond(() => ({ until: opened.opened, reply: { status: 200, text: "open" } }));
  return {
    url: `${server.origin}/`,
    waiting: () => server.inFlight,
    open: opened.open,
    close: () => server.close(),
  };
}

/** A handler that waits at the gate `event.url` (if any), then answers its event. */
const AT_GATE = `export const handler = async (event) => {
  if (event.url) await (await fetch(event.url)).text();
  return { done: event.n ?? null };
};`;

/** The rejection of `promise`, which must be Lambda's throttling answer. */
async function throttled(promise: Promise<unknown>): Promise<TooManyRequestsException> {
  const error = await promise.then(
    () => expect.unreachable("the invocation should have been throttled"),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TooManyRequestsException);
  expect(error).toMatchObject({
    name: "TooManyRequestsException",
    message: "Rate Exceeded.",
    statusCode: 429,
    type: "User",
  });
  return error as TooManyRequestsException;
}

describe("concurrency limits, as Lambda has them", () => {
  let gate: Awaited<ReturnType<typeof startGate>>;
  beforeAll(async () => {
    gate = await startGate();
  });
  afterEach(() => {
    gate.open();
  });
  afterAll(async () => {
    await gate.close();
  });
  /** A fresh gate for each test: the shared one is opened after every test. */
  const freshGate = async () => {
    await gate.close();
    gate = await startGate();
    return gate;
  };

  it("refuses a synchronous invocation above the account's limit, without running it", async () => {
    const g = await freshGate();
    const account = new LambdaConcurrency({ accountLimit: 2 });
    const held = await localLambda(AT_GATE, {
      functionName: "Held",
      concurrency: account,
      timeoutSeconds: 30,
    });
    const other = await localLambda(COUNTER, { functionName: "Other", concurrency: account });
    const running = [held.invoke({ url: g.url, n: 1 }), held.invoke({ url: g.url, n: 2 })];
    await vi.waitFor(() => expect(g.waiting()).toBe(2), { timeout: 20_000 });

    // The account's two slots are taken: any function is refused, its code never runs.
    const refused = await throttled(other.invoke({}));
    expect(refused.reason).toBe("ConcurrentInvocationLimitExceeded");
    expect((await throttled(held.invoke({ n: 3 }))).reason).toBe(
      "ConcurrentInvocationLimitExceeded",
    );
    expect(other.stats).toMatchObject({ coldStarts: 0, invocations: 0, timeouts: 0, throttles: 1 });
    expect(held.stats).toMatchObject({ invocations: 2, throttles: 1 });
    expect(account.stats).toMatchObject({
      accountLimit: 2,
      inFlight: 2,
      peakInFlight: 2,
      throttles: 2,
      throttlesByFunction: { Held: 1, Other: 1 },
    });

    g.open();
    await expect(Promise.all(running)).resolves.toEqual([{ done: 1 }, { done: 2 }]);
    // Capacity is back: the refused function runs now (its first run: count 1).
    await expect(other.invoke({})).resolves.toEqual({ count: 1 });
    expect(account.stats).toMatchObject({ inFlight: 0, peakInFlight: 2, throttles: 2 });
  });

  it("holds a function to its reserved concurrency, which no other function can take", async () => {
    const g = await freshGate();
    const account = new LambdaConcurrency({ accountLimit: 3 });
    const reserved = await localLambda(AT_GATE, {
      functionName: "Reserved",
      concurrency: account,
      reservedConcurrency: 1,
      timeoutSeconds: 30,
    });
    const shared = await localLambda(AT_GATE, {
      functionName: "Shared",
      concurrency: account,
      timeoutSeconds: 30,
    });
    const running = [shared.invoke({ url: g.url, n: 1 }), shared.invoke({ url: g.url, n: 2 })];
    await vi.waitFor(() => expect(g.waiting()).toBe(2), { timeout: 20_000 });

    // Two run of an account of three, but the third slot is Reserved's: Shared gets no more.
    expect(account.stats.inFlight).toBe(2);
    expect((await throttled(shared.invoke({}))).reason).toBe("ConcurrentInvocationLimitExceeded");
    // Reserved always has its one slot, and never more.
    running.push(reserved.invoke({ url: g.url, n: 3 }));
    await vi.waitFor(() => expect(g.waiting()).toBe(3), { timeout: 20_000 });
    expect((await throttled(reserved.invoke({}))).reason).toBe(
      "ReservedFunctionConcurrentInvocationLimitExceeded",
    );
    expect(account.stats.throttlesByFunction).toEqual({ Shared: 1, Reserved: 1 });

    g.open();
    await expect(Promise.all(running)).resolves.toEqual([{ done: 1 }, { done: 2 }, { done: 3 }]);
    await expect(reserved.invoke({ n: 4 })).resolves.toEqual({ done: 4 });
  });

  it("throttles every invocation of a function reserved at 0", async () => {
    const fn = await localLambda(COUNTER, { reservedConcurrency: 0 });
    expect((await throttled(fn.invoke({}))).reason).toBe(
      "ReservedFunctionConcurrentInvocationLimitExceeded",
    );
    expect(fn.stats).toMatchObject({ invocations: 0, throttles: 1, coldStarts: 0 });
  });

  it("refuses reservations beyond the account's limit, as PutFunctionConcurrency does", async () => {
    const account = new LambdaConcurrency({ accountLimit: 3 });
    await localLambda(COUNTER, { functionName: "A", concurrency: account, reservedConcurrency: 2 });
    await expect(
      localLambda(COUNTER, { functionName: "B", concurrency: account, reservedConcurrency: 2 }),
    ).rejects.toThrow(
      /reserved concurrency of B \(2\) exceeds the account's unreserved concurrency \(1\)/,
    );
    expect(() => new LambdaConcurrency({ accountLimit: 0 })).toThrow(RangeError);
  });

  it("queues a throttled asynchronous invocation and delivers it once capacity frees", async () => {
    const g = await freshGate();
    const account = new LambdaConcurrency({ accountLimit: 1 });
    const held = await localLambda(AT_GATE, {
      functionName: "Held",
      concurrency: account,
      timeoutSeconds: 30,
    });
    const queued = await localLambda(COUNTER, { functionName: "Queued", concurrency: account });
    const running = held.invoke({ url: g.url, n: 1 });
    await vi.waitFor(() => expect(g.waiting()).toBe(1), { timeout: 20_000 });

    let delivered = false;
    // A retry delay far beyond the test's reach: the event is retried when capacity frees.
    const event = queued.invokeAsync({}, { throttleDelayMs: 3_600_000 }).then(() => {
      delivered = true;
    });
    await vi.waitFor(() => expect(queued.stats.throttles).toBe(1));
    expect(delivered).toBe(false);
    expect(queued.stats.invocations).toBe(0);

    g.open();
    await running;
    await event;
    expect(delivered).toBe(true);
    expect(queued.stats).toMatchObject({ invocations: 1, throttles: 1 });
  });

  it("gives up a throttled event past its maximum age, and retries a failing one twice", async () => {
    const none = await localLambda(COUNTER, { reservedConcurrency: 0 });
    await throttled(none.invokeAsync({}, { maximumEventAgeSeconds: 0 }));

    const failing = await localLambda(
      `export const handler = async () => { throw new Error("no"); };`,
    );
    await expect(failing.invokeAsync({})).rejects.toThrow("no");
    expect(failing.stats.invocations).toBe(3);
    await expect(failing.invokeAsync({}, { retryAttempts: 0 })).rejects.toThrow("no");
    expect(failing.stats.invocations).toBe(4);
  });

  it("stops waiting for capacity when the function is stopped", async () => {
    const fn = await localLambda(COUNTER, { reservedConcurrency: 0 });
    const event = fn.invokeAsync({}, { throttleDelayMs: 3_600_000 });
    await vi.waitFor(() => expect(fn.stats.throttles).toBe(1));
    await fn.stop();
    await expect(event).rejects.toThrow("local Lambda Fn is stopped");
  });
});

describe("a real shipped bundle (esbuild, target node22) on this Node", () => {
  let assetDir: string;
  beforeAll(async () => {
    assetDir = join(root, "start-asset");
    await build({
      entryPoints: ["functions/start/handler.ts"],
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node22",
      outfile: join(assetDir, "index.mjs"),
      banner: {
        js: "import { createRequire } from 'module';const require = createRequire(import.meta.url);",
      },
      logLevel: "silent",
    });
  });

  it("loads and fails on its bad environment, naming the variable", async () => {
    const fn = new LocalLambda({
      functionName: "StartFunction",
      codeDirectory: assetDir,
      handler: "index.handler",
      environment: { STATE_MACHINE_ARN: "" },
      timeoutSeconds: 10,
      memorySizeMb: 256,
      onLog: () => {},
    });
    started.push(fn);
    const error = await functionError(fn.invoke({}));
    expect(error.name).toBe("InvalidInputError");
    expect(error.message).toContain("STATE_MACHINE_ARN");
  });
});
