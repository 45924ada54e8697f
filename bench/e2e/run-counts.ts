/**
 * What one relayed file cost the cloud, counted while it ran: per function its invocations,
 * billed duration, AWS requests by action (from the IAM gate, which every call of a function
 * passes) and log bytes; state transitions per state; provider calls; events.
 */

import type { LocalRelay } from "../../local/local-relay.js";

/** Per-function figures of one run. */
export interface FunctionCounts {
  readonly invocations: number;
  readonly billedMs: number;
  /** Configured memory, MB: with `billedMs`, the GB-seconds Lambda bills. */
  readonly memorySizeMb: number;
  /** Highest heap + buffers any invocation held so far (not reset per run), bytes. */
  readonly peakMemoryBytes: number;
  /** Requests the function made, as `service:Action` → count. */
  readonly awsRequests: Readonly<Record<string, number>>;
  /** Bytes of log lines it wrote. */
  readonly logBytes: number;
}

/** Every count of one run. */
export interface RunCounts {
  /** By relay function name (`transfer`, `report`, ...). */
  readonly functions: Readonly<Record<string, FunctionCounts>>;
  /** State transitions (states entered, and retries) by state name. */
  readonly transitions: Readonly<Record<string, number>>;
  /** Provider API calls and part PUTs, by sandbox endpoint. */
  readonly providerCalls: Readonly<Record<string, number>>;
  /** Relay events published. */
  readonly events: number;
}

/** A point to count from. */
export interface CountMark {
  readonly lambdas: ReadonlyMap<string, { invocations: number; billedMs: number }>;
  readonly decisions: number;
  readonly executions: number;
  readonly providerCalls: Readonly<Record<string, number>>;
  readonly events: number;
  readonly logs: number;
}

/** Marks where a run starts. */
export function markCounts(relay: LocalRelay): CountMark {
  return {
    lambdas: new Map(
      [...relay.lambdas].map(([id, fn]) => [
        id,
        { invocations: fn.stats.invocations, billedMs: fn.stats.billedMs },
      ]),
    ),
    decisions: relay.decisions.length,
    executions: relay.machine.list().length,
    providerCalls: { ...relay.sandbox?.calls() },
    events: relay.events.list.length,
    logs: relay.logs.length,
  };
}

/** Everything counted since `mark` (every execution started since is this run's). */
export function countsSince(relay: LocalRelay, mark: CountMark): RunCounts {
  const requests = new Map<string, Record<string, number>>();
  for (const decision of relay.decisions.slice(mark.decisions)) {
    const action = decision.action.includes(":")
      ? decision.action
      : `${decision.service}:${decision.action}`;
    const of = requests.get(decision.principal) ?? {};
    of[action] = (of[action] ?? 0) + 1;
    requests.set(decision.principal, of);
  }
  const logBytes = new Map<string, number>();
  for (const line of relay.logs.slice(mark.logs)) {
    const id = line.slice(0, line.indexOf(" "));
    logBytes.set(id, (logBytes.get(id) ?? 0) + Buffer.byteLength(line) - id.length);
  }
  const functions: Record<string, FunctionCounts> = {};
  for (const fn of relay.deployed.functions) {
    const stats = relay.lambdas.get(fn.logicalId)?.stats;
    const before = mark.lambdas.get(fn.logicalId);
    if (!stats) continue;
    functions[fn.relayFunction ?? fn.logicalId] = {
      invocations: stats.invocations - (before?.invocations ?? 0),
      billedMs: stats.billedMs - (before?.billedMs ?? 0),
      memorySizeMb: fn.memorySizeMb,
      peakMemoryBytes: stats.peakMemoryBytes,
      awsRequests: requests.get(fn.logicalId) ?? {},
      logBytes: logBytes.get(fn.logicalId) ?? 0,
    };
  }
  const transitions: Record<string, number> = {};
  for (const execution of relay.machine.list().slice(mark.executions)) {
    for (const event of execution.history) {
      if (event.type !== "StateEntered" && event.type !== "StateRetried") continue;
      const name = (event as { state?: { name?: string } }).state?.name ?? "?";
      transitions[name] = (transitions[name] ?? 0) + 1;
    }
  }
  const providerCalls: Record<string, number> = {};
  for (const [endpoint, count] of Object.entries(relay.sandbox?.calls() ?? {})) {
    const delta = (count ?? 0) - (mark.providerCalls[endpoint] ?? 0);
    if (delta > 0) providerCalls[endpoint] = delta;
  }
  return {
    functions,
    transitions,
    providerCalls,
    events: relay.events.list.length - mark.events,
  };
}
