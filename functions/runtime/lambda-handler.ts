/**
 * Wraps a step as a Lambda handler: builds the default clients once per container (lazily, so
 * importing a handler for local use reads no env) and logs one line per invocation, with ids
 * and counts only.
 */

import { Logger } from "@aws-lambda-powertools/logger";
import type { Context } from "aws-lambda";
import { readStepEnvironment, type StepEnvironment } from "../core/config/environment.js";
import { deadlineFor, withDeadline } from "../core/deadline.js";
import { withMetrics } from "../core/metrics.js";
import type { RelayFunctionName } from "../core/step-registry.js";
import { PowertoolsMetricsSink } from "./powertools-metrics.js";

/** The relay's structured logger (Powertools): JSON lines, never payload dumps. */
export const logger = new Logger({ serviceName: "relay" });

/** A step bound to its clients. */
export type Step<Out> = (event: unknown) => Promise<Out>;

/** A Lambda entry: the event, and the invocation's context when Lambda gives one. */
export type LambdaEntry<Out> = (event: unknown, context?: Context) => Promise<Out>;

/** Builds the Lambda entry for a step from its factory and its default-clients builder. */
function lambdaHandler<Deps, Out>(
  name: string,
  makeHandler: (deps: Deps) => Step<Out>,
  defaultDeps: () => Promise<Deps> | Deps,
): LambdaEntry<Out> {
  let bound: Promise<Step<Out>> | undefined;
  // Built at the first invocation, not at import: a local caller importing a handler reads no env.
  let metrics: PowertoolsMetricsSink | undefined;
  return async (event, context) => {
    metrics ??= new PowertoolsMetricsSink();
    const sink = metrics;
    // Every line of this invocation carries its request id and function name.
    if (context) logger.addContext(context);
    // A failed build (a bad environment) is not cached: each invocation reports it anew.
    bound ??= Promise.resolve()
      .then(defaultDeps)
      .then(makeHandler)
      .catch((error: unknown) => {
        bound = undefined;
        throw error;
      });
    let step: Step<Out>;
    try {
      step = await bound;
    } catch (error) {
      logFailure(name, error);
      throw error;
    }
    try {
      // Provider calls and chunk transfers inside give up before Lambda would kill the step.
      const run = () => withMetrics(sink, () => step(event));
      const out = context
        ? await withDeadline(deadlineFor(context.getRemainingTimeInMillis()), run)
        : await run();
      logger.info(`${name} done`, { step: name, result: summarize(out) });
      return out;
    } catch (error) {
      logFailure(name, error);
      throw error;
    } finally {
      // What a failed invocation moved was moved all the same.
      sink.flush();
    }
  };
}

function logFailure(name: string, error: unknown): void {
  const e = error as { name?: string; message?: string; code?: string };
  logger.error(`${name} failed`, {
    step: name,
    errorName: e.name,
    code: e.code,
    // Powertools reserves `message` (the log line's own) and would drop it.
    errorMessage: e.message,
  });
}

/** Keeps only scalar fields of a step's output: ids, counts and states, never nested data. */
function summarize(out: unknown): Record<string, unknown> {
  if (typeof out !== "object" || out === null) return {};
  return Object.fromEntries(
    Object.entries(out).filter(([, v]) => ["string", "number", "boolean"].includes(typeof v)),
  );
}

/** A step's Lambda entry and its factory for explicit clients (unit tests). */
export interface StepHandler<Deps, Out> {
  readonly makeHandler: (deps: Deps) => Step<Out>;
  readonly handler: LambdaEntry<Out>;
}

/**
 * Binds a core step function into its Lambda entry and its explicit-clients factory. The entry
 * reads the function's own variables (its `RELAY_STEPS` row) at its first invocation and
 * builds its clients from them with `defaultDeps`.
 */
export function stepHandler<N extends RelayFunctionName, Deps, Out>(
  name: N,
  step: (event: unknown, deps: Deps) => Promise<Out>,
  defaultDeps: (env: StepEnvironment<N>) => NoInfer<Deps>,
): StepHandler<Deps, Out> {
  const makeHandler =
    (deps: Deps): Step<Out> =>
    (event) =>
      step(event, deps);
  const fromEnv = (): Deps => defaultDeps(readStepEnvironment(name));
  return { makeHandler, handler: lambdaHandler(name, makeHandler, fromEnv) };
}
