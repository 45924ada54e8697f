/**
 * Fault injection shared by the sandboxes: per-endpoint delays, slow answers, 500s, 429s (with
 * `Retry-After`), proxy HTML pages, lost answers and reset part PUTs. The injector is generic over
 * a sandbox's endpoint names, which each sandbox declares. Every roll draws from one random
 * source, so a seeded run repeats.
 */

/** Faults of one endpoint. Rates are probabilities from 0 to 1; a rate of 0 never rolls. */
export interface EndpointFaults {
  /** Probability of answering 500 instead of processing. @default 0 */
  readonly error500Rate?: number;
  /** Probability of answering 429 (with `Retry-After`) instead of processing. @default 0 */
  readonly error429Rate?: number;
  /** `Retry-After` of a 429, in seconds. @default 1 */
  readonly retryAfterSeconds?: number;
  /** Wait before every call is processed and answered, in milliseconds. @default 0 */
  readonly delayMs?: number;
  /** Probability that a call waits `slowMs` more before it is processed and answered. @default 0 */
  readonly slowRate?: number;
  /** Wait of a slow call, in milliseconds. @default 5000 */
  readonly slowMs?: number;
  /**
   * Probability of a `200` with `Content-Type: text/html` and a proxy's error page instead of
   * the answer; the call is not processed. @default 0
   */
  readonly htmlAnswerRate?: number;
  /**
   * Probability that the call is processed completely (a create creates its session, a report
   * is applied, a part is stored) and then the connection is destroyed without an answer, as
   * when a proxy loses it. @default 0
   */
  readonly lostAnswerRate?: number;
}

/** Faults of part PUTs through the presigned-URL gate. */
export interface PartPutFaults extends EndpointFaults {
  /**
   * Probability that the connection is destroyed after part of the body was read; nothing is
   * stored. @default 0
   */
  readonly resetMidPutRate?: number;
}

/** The endpoint name of part PUTs through the presigned-URL gate, the same in every sandbox. */
export const PART_PUT = "partPut";

/** The gate's endpoint name. */
export type PartPutEndpoint = typeof PART_PUT;

/** Faults per endpoint; only {@link PART_PUT} reads `resetMidPutRate`. */
export type FaultsByEndpoint<E extends string> = { readonly [K in E]?: PartPutFaults };

/**
 * What an injected fault counts as: `faultCounts()` keys are `<endpoint>.<kind>`. `clientGone`
 * is no fault but an observation: the client closed the connection before its answer was
 * written. `failChunk` is rolled by a sandbox itself (TwelveLabs' report), through `roll`.
 */
export type FaultKind =
  | "500"
  | "429"
  | "slow"
  | "htmlAnswer"
  | "lostAnswer"
  | "resetMidPut"
  | "failChunk"
  | "clientGone";

/**
 * One roll of the dice: which endpoint's call, for which fault. A random source may read it to
 * script exactly which call meets which fault; a seeded source ignores it.
 */
export interface FaultRoll<E extends string> {
  readonly endpoint: E;
  readonly kind: Exclude<FaultKind, "clientGone">;
}

/** A random source of fault rolls: a number in [0, 1) per roll; below the rate, the fault hits. */
export type FaultRandom<E extends string> = (roll: FaultRoll<E>) => number;

/** An answer a fault puts in place of processing the call. */
export type FaultRefusal =
  | { readonly kind: "500" }
  | { readonly kind: "429"; readonly retryAfterSeconds: number }
  | { readonly kind: "htmlAnswer" };

/** What the rolls of one call decided. */
export interface FaultPlan {
  /** Answer this instead of processing the call. */
  readonly refusal?: FaultRefusal;
  /** Part PUTs only: read part of the body, then destroy the connection. */
  readonly resetMidPut: boolean;
  /** Process the call, then destroy the connection instead of answering. */
  readonly loseAnswer: boolean;
}

/** What the server and the gate need of an injector, for the endpoints they serve. */
export interface FaultSource<E extends string> {
  /** Rolls the faults of one call. */
  inject(endpoint: E): Promise<FaultPlan>;
  /** Counts one occurrence of a fault kind (or of `clientGone`) at an endpoint. */
  count(endpoint: E, kind: FaultKind): void;
}

const NO_FAULT: FaultPlan = { resetMidPut: false, loseAnswer: false };
const DEFAULT_RETRY_AFTER_SECONDS = 1;
const DEFAULT_SLOW_MS = 5000;

/** Rolls the configured faults of each call; `cancel()` releases every pending delay at once. */
export class FaultInjector<E extends string, F extends FaultsByEndpoint<E> = FaultsByEndpoint<E>>
  implements FaultSource<E>
{
  /** The faults in force; a subclass reads its own fields of them. */
  protected faults: F;
  private readonly pending = new Set<{ timer?: NodeJS.Timeout; release: () => void }>();
  private readonly callCounts: Partial<Record<E, number>> = {};
  private readonly injectedCounts: Partial<Record<E, number>> = {};
  private readonly kindCounts: Record<string, number> = {};

  constructor(
    faults: F,
    private readonly random: FaultRandom<E> = Math.random,
    /** How delays wait; tests pass a gate they release. @default a timer */
    private readonly sleep?: (ms: number) => Promise<void>,
  ) {
    this.faults = faults;
  }

  /** Replaces every configured fault. */
  set(faults: F): void {
    this.faults = faults;
  }

  /**
   * Waits the endpoint's delay (and, if rolled, its slow wait), then rolls what the call meets.
   * The rolls run in a fixed order and only for rates above 0, so a seeded run repeats.
   */
  async inject(endpoint: E): Promise<FaultPlan> {
    this.callCounts[endpoint] = (this.callCounts[endpoint] ?? 0) + 1;
    const faults: PartPutFaults | undefined = this.faults[endpoint];
    if (!faults) return NO_FAULT;
    if (faults.delayMs && faults.delayMs > 0) await this.delay(faults.delayMs);
    if (this.roll(faults.slowRate, endpoint, "slow")) {
      this.count(endpoint, "slow");
      await this.delay(faults.slowMs ?? DEFAULT_SLOW_MS);
    }
    const refusal = this.rollRefusal(endpoint, faults);
    if (refusal) {
      this.count(endpoint, refusal.kind);
      if (refusal.kind !== "htmlAnswer") {
        this.injectedCounts[endpoint] = (this.injectedCounts[endpoint] ?? 0) + 1;
      }
      return { ...NO_FAULT, refusal };
    }
    const resetMidPut =
      endpoint === PART_PUT && this.roll(faults.resetMidPutRate, endpoint, "resetMidPut");
    if (resetMidPut) {
      this.count(endpoint, "resetMidPut");
      return { ...NO_FAULT, resetMidPut };
    }
    const loseAnswer = this.roll(faults.lostAnswerRate, endpoint, "lostAnswer");
    if (loseAnswer) this.count(endpoint, "lostAnswer");
    return { ...NO_FAULT, loseAnswer };
  }

  /** Counts one occurrence of a fault kind (or of `clientGone`) at an endpoint. */
  count(endpoint: E, kind: FaultKind): void {
    this.increment(`${endpoint}.${kind}`);
  }

  /** Counts one jump of the sandbox clock, as `clock.advance`. */
  countClockAdvance(): void {
    this.increment("clock.advance");
  }

  /** Calls per endpoint so far, faulted or not: tests read which calls a client made. */
  calls(): Readonly<Partial<Record<E, number>>> {
    return { ...this.callCounts };
  }

  /** 500s and 429s answered so far, per endpoint: proof that a test's faults were hit. */
  injected(): Readonly<Partial<Record<E, number>>> {
    return { ...this.injectedCounts };
  }

  /** Every fault so far, as `<endpoint>.<kind>` → count (e.g. `"create.lostAnswer": 2`). */
  counts(): Readonly<Record<string, number>> {
    return { ...this.kindCounts };
  }

  /** Ends every pending delay now, so that no timer outlives the sandbox. */
  cancel(): void {
    for (const entry of this.pending) {
      clearTimeout(entry.timer);
      entry.release();
    }
    this.pending.clear();
  }

  /** One roll: only a rate above 0 draws from the random source, so a seeded run repeats. */
  protected roll(rate: number | undefined, endpoint: E, kind: FaultRoll<E>["kind"]): boolean {
    return rate !== undefined && rate > 0 && this.random({ endpoint, kind }) < rate;
  }

  private increment(key: string): void {
    this.kindCounts[key] = (this.kindCounts[key] ?? 0) + 1;
  }

  private rollRefusal(endpoint: E, faults: EndpointFaults): FaultRefusal | undefined {
    if (this.roll(faults.error500Rate, endpoint, "500")) return { kind: "500" };
    if (this.roll(faults.error429Rate, endpoint, "429")) {
      return {
        kind: "429",
        retryAfterSeconds: faults.retryAfterSeconds ?? DEFAULT_RETRY_AFTER_SECONDS,
      };
    }
    if (this.roll(faults.htmlAnswerRate, endpoint, "htmlAnswer")) return { kind: "htmlAnswer" };
    return undefined;
  }

  private delay(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const entry: { timer?: NodeJS.Timeout; release: () => void } = { release: resolve };
      const done = (): void => {
        this.pending.delete(entry);
        resolve();
      };
      if (this.sleep) this.sleep(ms).then(done, done);
      else entry.timer = setTimeout(done, ms);
      this.pending.add(entry);
    });
  }
}
