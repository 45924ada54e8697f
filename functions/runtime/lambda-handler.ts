/**
 * Wraps a step as a Lambda handler: builds the default clients once per container (lazily, so
 * importing a handler for local use reads no env) and logs one line per invocation, with ids
 * and counts only.
 */

import { Logger } from "@aws-lambda-powertools/logger";

/** The relay's structured logger (Powertools): JSON lines, never payload dumps. */
export const logger = new Logger({ serviceName: "relay" });

/** A step bound to its clients. */
export type Step<Out> = (event: unknown) => Promise<Out>;

/** Builds the Lambda entry for a step from its factory and its default-clients builder. */
export function lambdaHandler<Deps, Out>(
  name: string,
  makeHandler: (deps: Deps) => Step<Out>,
  defaultDeps: () => Promise<Deps> | Deps,
): Step<Out> {
  let bound: Promise<Step<Out>> | undefined;
  return async (event) => {
    bound ??= Promise.resolve(defaultDeps()).then(makeHandler);
    const step = await bound;
    try {
      const out = await step(event);
      logger.info(`${name} done`, { step: name, result: summarize(out) });
      return out;
    } catch (error) {
      const e = error as { name?: string; message?: string; code?: string };
      logger.error(`${name} failed`, {
        step: name,
        errorName: e.name,
        code: e.code,
        // Powertools reserves `message` (the log line's own) and would drop it.
        errorMessage: e.message,
      });
      throw error;
    }
  };
}

/** Keeps only scalar fields of a step's output: ids, counts and states, never nested data. */
function summarize(out: unknown): Record<string, unknown> {
  if (typeof out !== "object" || out === null) return {};
  return Object.fromEntries(
    Object.entries(out).filter(([, v]) => ["string", "number", "boolean"].includes(typeof v)),
  );
}

/** A step's Lambda entry and its factory for explicit clients (local stack, tests). */
export interface StepHandler<Deps, Out> {
  readonly makeHandler: (deps: Deps) => Step<Out>;
  readonly handler: Step<Out>;
}

/** Binds a core step function into its Lambda entry and its explicit-clients factory. */
export function stepHandler<Deps, Out>(
  name: string,
  step: (event: unknown, deps: Deps) => Promise<Out>,
  defaultDeps: () => Promise<Deps> | Deps,
): StepHandler<Deps, Out> {
  const makeHandler =
    (deps: Deps): Step<Out> =>
    (event) =>
      step(event, deps);
  return { makeHandler, handler: lambdaHandler(name, makeHandler, defaultDeps) };
}
