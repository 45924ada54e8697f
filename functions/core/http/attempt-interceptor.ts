/**
 * An undici interceptor for one attempt of a JSON call, composed below the retry interceptor:
 * it gives the attempt a hard timeout (connect to last byte), reads the answer whole but never
 * past a byte cap, and turns a 2xx that is not JSON or too long into a failure the retry
 * interceptor can retry. Only then does it hand the answer on, replayed from memory.
 *
 * Why read the answer here rather than in the caller: undici's retry handler decides at the
 * status line, so a body-level failure (an HTML page with status 200, a 200 MB answer) would
 * reach the caller as a success, and a timeout in the middle of a 2xx body would make the retry
 * handler resume it with a `Range` request. Held here, the retry handler only ever sees a whole
 * answer or an error before any of it.
 */

import type { Dispatcher } from "undici";
import type { AttemptTimeout } from "./attempt-budget.js";
import { AttemptFailure } from "./attempt-failure.js";

/** Limits of every attempt. */
export interface AttemptLimits {
  /** The timeout of the attempt starting now; called once per attempt. */
  readonly attemptTimeout: () => AttemptTimeout;
  /** Most bytes of a 2xx body read; a longer answer fails the attempt. */
  readonly maxAnswerBytes: number;
  /** Most bytes of an error body read; the rest is dropped, the status stands. */
  readonly maxErrorBodyBytes: number;
}

/** Interceptor giving every attempt dispatched through it the {@link AttemptLimits}. */
export function attemptInterceptor(limits: AttemptLimits): Dispatcher.DispatcherComposeInterceptor {
  return (dispatch) => (opts, handler) => dispatch(opts, new AttemptHandler(handler, limits));
}

/**
 * `waiting`: dispatched, no answer yet; `reading`: the answer is arriving; `replaying`: it
 * arrived whole and is being handed on; `done`: handed on, or failed.
 */
type Phase = "waiting" | "reading" | "replaying" | "done";

/** One attempt, between the connection (upstream) and the retry handler (downstream). */
class AttemptHandler implements Dispatcher.DispatchHandler {
  private phase: Phase = "waiting";
  private upstream: Dispatcher.DispatchController | undefined;
  private readonly downstream = new ReplayController(this);
  private readonly timer: NodeJS.Timeout;
  private failure: Error | undefined;
  private statusCode = 0;
  private headers: Record<string, string | string[] | undefined> = {};
  private statusMessage: string | undefined;
  private trailers: Record<string, string | string[] | undefined> = {};
  private readonly chunks: Buffer[] = [];
  private bytes = 0;
  private cap = 0;
  /** Next replay step: 0 status line, 1 body, 2 end, 3 over. */
  private step = 0;

  constructor(
    private readonly next: Dispatcher.DispatchHandler,
    private readonly limits: AttemptLimits,
  ) {
    const timeout = limits.attemptTimeout();
    this.timer = setTimeout(
      () => this.fail(new AttemptFailure("timeout", timeout.label)),
      timeout.ms,
    );
  }

  onRequestStart(controller: Dispatcher.DispatchController, context: unknown): void {
    if (this.phase === "done") {
      // Timed out while queued or connecting: the request must not go out late.
      controller.abort(this.failure ?? new Error("attempt over"));
      return;
    }
    this.upstream = controller;
    this.next.onRequestStart?.(this.downstream, context);
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: Record<string, string | string[] | undefined>,
    statusMessage?: string,
  ): void {
    if (this.phase !== "waiting") return;
    this.phase = "reading";
    this.statusCode = statusCode;
    this.headers = headers;
    this.statusMessage = statusMessage;
    this.cap = this.isSuccess() ? this.limits.maxAnswerBytes : this.limits.maxErrorBodyBytes;
    const declared = Number(headers["content-length"]);
    if (this.isSuccess() && declared > this.cap) this.fail(this.tooLarge());
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.phase !== "reading") return;
    const room = this.cap - this.bytes;
    if (chunk.length <= room) {
      this.chunks.push(chunk);
      this.bytes += chunk.length;
      return;
    }
    if (this.isSuccess()) {
      this.fail(this.tooLarge());
      return;
    }
    // An error body only feeds an excerpt: keep its head, stop reading, keep the status.
    this.chunks.push(chunk.subarray(0, room));
    this.bytes += room;
    this.finish(true);
  }

  onResponseEnd(
    _controller: Dispatcher.DispatchController,
    trailers: Record<string, string | string[] | undefined>,
  ): void {
    if (this.phase !== "reading") return;
    this.trailers = trailers;
    this.finish(false);
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    // After a failure or a cut-off read, the connection's own abort error is expected noise.
    if (this.phase === "done" || this.phase === "replaying") return;
    this.phase = "done";
    clearTimeout(this.timer);
    this.next.onResponseError?.(this.downstream, error);
  }

  /** Hands on as much of the answer as the downstream takes before it pauses. */
  resumeReplay(): void {
    while (this.phase === "replaying" && !this.downstream.paused && this.step < 3) {
      const step = this.step++;
      if (step === 0) {
        this.next.onResponseStart?.(
          this.downstream,
          this.statusCode,
          this.headers,
          this.statusMessage,
        );
      } else if (step === 1) {
        if (this.bytes > 0) this.next.onResponseData?.(this.downstream, Buffer.concat(this.chunks));
      } else {
        this.phase = "done";
        this.next.onResponseEnd?.(this.downstream, this.trailers);
      }
    }
  }

  /** The downstream aborted: end the attempt with its reason, as a connection would. */
  abortedDownstream(reason: Error): void {
    if (this.phase === "done") return;
    if (this.phase !== "replaying") {
      this.fail(reason);
      return;
    }
    this.phase = "done";
    queueMicrotask(() => this.next.onResponseError?.(this.downstream, reason));
  }

  private isSuccess(): boolean {
    return this.statusCode >= 200 && this.statusCode < 300;
  }

  private tooLarge(): AttemptFailure {
    return new AttemptFailure("too-large", `answer exceeded ${this.cap} bytes`);
  }

  /** The whole answer (or an error body's head) is in: check it, then replay it. */
  private finish(cutOff: boolean): void {
    clearTimeout(this.timer);
    if (this.isSuccess() && !isJson(this.chunks)) {
      this.fail(new AttemptFailure("not-json", `answer is not JSON (${this.bytes} bytes)`));
      return;
    }
    this.phase = "replaying";
    // Stop the rest of an error body: the socket is closed rather than drained.
    if (cutOff) this.upstream?.abort(new Error("error answer read up to the cap"));
    this.resumeReplay();
  }

  /** Ends the attempt with `error`: stops the connection, tells the downstream. */
  private fail(error: Error): void {
    if (this.phase === "done" || this.phase === "replaying") return;
    this.phase = "done";
    this.failure = error;
    clearTimeout(this.timer);
    this.upstream?.abort(error);
    this.next.onResponseError?.(this.downstream, error);
  }
}

/**
 * The controller the downstream holds. `aborted` is true only when the downstream itself
 * aborted: an attempt that timed out or failed here must still look retryable to undici's
 * retry handler, which never retries an aborted request.
 */
class ReplayController implements Dispatcher.DispatchController {
  #paused = false;
  #aborted = false;
  #reason: Error | null = null;

  constructor(private readonly attempt: AttemptHandler) {}

  get aborted(): boolean {
    return this.#aborted;
  }

  get paused(): boolean {
    return this.#paused;
  }

  get reason(): Error | null {
    return this.#reason;
  }

  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    this.attempt.resumeReplay();
  }

  abort(reason: Error): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason;
    this.attempt.abortedDownstream(reason);
  }
}

/** Whether the body parses as JSON. */
function isJson(chunks: readonly Buffer[]): boolean {
  try {
    JSON.parse(Buffer.concat(chunks).toString("utf8"));
    return true;
  } catch {
    return false;
  }
}
