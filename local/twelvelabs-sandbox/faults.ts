/**
 * Fault injection for the sandbox: per-endpoint delays, 500s and 429s (with `Retry-After`), so
 * that tests can prove a client's retries without a flaky network.
 */

/** Faults of one endpoint. Rates are probabilities from 0 to 1. */
export interface EndpointFaults {
  /** Probability of answering 500. @default 0 */
  readonly error500Rate?: number;
  /** Probability of answering 429. @default 0 */
  readonly error429Rate?: number;
  /** `Retry-After` of a 429, in seconds. @default 1 */
  readonly retryAfterSeconds?: number;
  /** Wait before answering (or before failing), in milliseconds. @default 0 */
  readonly delayMs?: number;
}

/** Faults of every sandbox endpoint; `partPut` applies to PUTs through the presigned-URL gate. */
export interface SandboxFaults {
  readonly create?: EndpointFaults;
  readonly presignedUrls?: EndpointFaults;
  readonly report?: EndpointFaults;
  readonly status?: EndpointFaults;
  readonly list?: EndpointFaults;
  readonly partPut?: EndpointFaults;
  /**
   * Chunks whose first accepted report is followed at once by a `failed` mark (as when the
   * provider's own verification rejects a chunk), once per session: the chunk must be sent and
   * reported again. @default none
   */
  readonly failChunksOnFirstReport?: readonly number[];
}

/** Name of an endpoint that faults can be injected into. */
export type FaultEndpoint = Exclude<keyof SandboxFaults, "failChunksOnFirstReport">;

/** What an injected fault asks the endpoint to answer instead of its real answer. */
export type InjectedFault =
  | { readonly status: 500 }
  | { readonly status: 429; readonly retryAfterSeconds: number };

const DEFAULT_RETRY_AFTER_SECONDS = 1;

/** Rolls the configured faults of each call; `cancel()` releases every pending delay at once. */
export class FaultInjector {
  private faults: SandboxFaults;
  private readonly pending = new Set<{ timer: NodeJS.Timeout; release: () => void }>();
  private readonly counts: Partial<Record<FaultEndpoint, number>> = {};
  private readonly injectedCounts: Partial<Record<FaultEndpoint, number>> = {};

  constructor(
    faults: SandboxFaults = {},
    private readonly random: () => number = Math.random,
  ) {
    this.faults = faults;
  }

  /** Replaces every configured fault. */
  set(faults: SandboxFaults): void {
    this.faults = faults;
  }

  /** Waits the endpoint's delay, then returns the fault to answer with, if one is rolled. */
  async inject(endpoint: FaultEndpoint): Promise<InjectedFault | undefined> {
    this.counts[endpoint] = (this.counts[endpoint] ?? 0) + 1;
    const faults = this.faults[endpoint];
    if (!faults) return undefined;
    if (faults.delayMs && faults.delayMs > 0) await this.delay(faults.delayMs);
    const fault = this.rollFault(faults);
    if (fault) this.injectedCounts[endpoint] = (this.injectedCounts[endpoint] ?? 0) + 1;
    return fault;
  }

  /** Calls per endpoint so far, faulted or not: tests read which calls a client made. */
  calls(): Readonly<Partial<Record<FaultEndpoint, number>>> {
    return { ...this.counts };
  }

  /** 500s and 429s answered so far, per endpoint: proof that a test's faults were hit. */
  injected(): Readonly<Partial<Record<FaultEndpoint, number>>> {
    return { ...this.injectedCounts };
  }

  /** Chunks to mark failed after their first accepted report. */
  chunksToFailOnReport(): readonly number[] {
    return this.faults.failChunksOnFirstReport ?? [];
  }

  /** Ends every pending delay now, so that no timer outlives the sandbox. */
  cancel(): void {
    for (const entry of this.pending) {
      clearTimeout(entry.timer);
      entry.release();
    }
    this.pending.clear();
  }

  private rollFault(faults: EndpointFaults): InjectedFault | undefined {
    if (this.roll(faults.error500Rate)) return { status: 500 };
    if (this.roll(faults.error429Rate)) {
      return {
        status: 429,
        retryAfterSeconds: faults.retryAfterSeconds ?? DEFAULT_RETRY_AFTER_SECONDS,
      };
    }
    return undefined;
  }

  private roll(rate: number | undefined): boolean {
    return rate !== undefined && rate > 0 && this.random() < rate;
  }

  private delay(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          this.pending.delete(entry);
          resolve();
        }, ms),
        release: resolve,
      };
      this.pending.add(entry);
    });
  }
}
