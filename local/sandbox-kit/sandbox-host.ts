/**
 * The lifecycle every sandbox shares: its bucket made sure of, one HTTP port on 127.0.0.1 serving
 * the sandbox's API and the part gate, its clock, the controls tests drive it with (faults,
 * rewriter, clock, counts), and a stop that closes every connection and releases every pending
 * fault delay. A sandbox brings only its routes, its state and its part URLs.
 */

import { once } from "node:events";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { Agent } from "undici";
import { type AnswerRewriter, type ApiRoute, createApiListener } from "./api-listener.js";
import type { FaultInjector, FaultSource, FaultsByEndpoint, PartPutEndpoint } from "./faults.js";
import { PartGate, type PartUploads } from "./part-gate.js";
import { type PartUrlDetails, PartUrlSigner } from "./part-url-signer.js";
import { ensureBucket } from "./sandbox-bucket.js";
import { SandboxClock } from "./sandbox-clock.js";
import type { ResolvedCommonOptions } from "./sandbox-options.js";

/** What every running sandbox offers, over its fault endpoints `E`, faults `F` and rewriter `W`. */
export interface SandboxControls<E extends string, F, W> {
  /** `127.0.0.1:<port>`, the host every presigned part URL points at (the gate). */
  readonly partHost: string;
  /** Replaces every injected fault; throws `InvalidInputError` naming a bad field. */
  setFaults(faults: F): void;
  /** Replaces the rewriter of successful API answers; `undefined` removes it. */
  setRewriteAnswer(rewrite: W | undefined): void;
  /** Jumps the sandbox's clock forward by `ms` milliseconds: issued URLs and uploads expire. */
  advanceClock(ms: number): void;
  /** Epoch milliseconds on the sandbox's clock (its base clock plus every jump). */
  now(): number;
  /** API calls and part PUTs received so far, per endpoint (faulted ones included). */
  calls(): Readonly<Partial<Record<E, number>>>;
  /**
   * Every fault so far, as `<endpoint>.<kind>` → count, e.g. `{ "create.lostAnswer": 2,
   * "partPut.resetMidPut": 5, "report.429": 1, "clock.advance": 1 }`.
   * `<endpoint>.clientGone` counts answers not written because the client had hung up.
   */
  faultCounts(): Readonly<Record<string, number>>;
  /** Closes the server and every connection; the local stack is the caller's. Safe to call twice. */
  stop(): Promise<void>;
}

/** What the host needs, for a sandbox with fault endpoints `E`, faults `F`, API endpoints `A`. */
export interface SandboxHostOptions<E extends string, F extends FaultsByEndpoint<E>, A extends E> {
  /** The sandbox's resolved options; `now` is the base clock that `advanceClock` jumps add to. */
  readonly options: ResolvedCommonOptions<E, F, AnswerRewriter<A>>;
  /** The sandbox's injector; it serves the gate's endpoint too. */
  readonly faults: FaultInjector<E, F> & FaultSource<PartPutEndpoint>;
  /** The sandbox's fault validation, for `setFaults`. */
  readonly validateFaults: (faults: unknown) => F;
}

/** A sandbox's API as the host serves it: its routes, how it reads calls, and its part URLs. */
export interface ServedApi<A extends string, D extends PartUrlDetails, T> {
  /** See {@link ApiListenerDeps.route}. */
  readonly route: (method: string, pathname: string) => ApiRoute<A> | undefined;
  /** Header that carries the key, as the API names it. */
  readonly apiKeyHeader: string;
  /** Reads the body of an API call (after the key check). */
  readonly readBody: (req: IncomingMessage) => Promise<unknown>;
  /** The signer of the part URLs the API hands out ({@link SandboxHost.partUrlSigner}). */
  readonly signer: PartUrlSigner<D>;
  /** Where the gate stores what those URLs carry. */
  readonly uploads: PartUploads<D, T>;
  /** Demand every upload header as handed out at the gate. */
  readonly strictHeaders: boolean;
}

/** A started host: what a sandbox builds its API on. */
export interface SandboxHost<E extends string, F, A extends E> {
  /** `http://127.0.0.1:<port>`. */
  readonly origin: string;
  /** Epoch milliseconds on the sandbox's clock. */
  readonly now: () => number;
  /** Controls for the sandbox's public interface. */
  readonly controls: SandboxControls<E, F, AnswerRewriter<A>>;
  /** A part URL signer pointed at this host's gate, on its clock, with the URL lifetime option. */
  partUrlSigner<D extends PartUrlDetails>(): PartUrlSigner<D>;
  /** Starts answering requests: the API's calls, and part PUTs through the gate. */
  serve<D extends PartUrlDetails, T>(api: ServedApi<A, D, T>): void;
}

/** Makes sure of the bucket, then listens on 127.0.0.1; requests wait for {@link SandboxHost.serve}. */
export async function startSandboxHost<
  E extends string,
  F extends FaultsByEndpoint<E>,
  A extends E,
>({ options, faults, validateFaults }: SandboxHostOptions<E, F, A>): Promise<SandboxHost<E, F, A>> {
  await ensureBucket(options.s3, options.bucket);

  const server = createServer();
  server.listen(options.port, "127.0.0.1");
  await once(server, "listening");
  const port = (server.address() as AddressInfo).port;
  const origin = `http://127.0.0.1:${port}`;

  const clock = new SandboxClock(options.now);
  let rewriter = options.rewriteAnswer;
  const dispatcher = new Agent();
  let stopped: Promise<void> | undefined;
  return {
    origin,
    now: clock.now,
    partUrlSigner: () =>
      new PartUrlSigner({
        s3: options.s3,
        gateOrigin: origin,
        s3Endpoint: options.s3Endpoint,
        now: clock.now,
        lifetimeSeconds: options.urlLifetimeSeconds,
      }),
    serve: (api) => {
      const gate = new PartGate({
        signer: api.signer,
        uploads: api.uploads,
        faults,
        strictHeaders: api.strictHeaders,
        now: clock.now,
        dispatcher,
      });
      server.on(
        "request",
        createApiListener({
          route: api.route,
          gate,
          faults,
          apiKey: options.apiKey,
          apiKeyHeader: api.apiKeyHeader,
          readBody: api.readBody,
          rewriter: () => rewriter,
        }),
      );
    },
    controls: {
      partHost: `127.0.0.1:${port}`,
      setFaults: (next) => faults.set(validateFaults(next)),
      setRewriteAnswer: (next) => {
        rewriter = next;
      },
      advanceClock: (ms) => {
        clock.advance(ms);
        faults.countClockAdvance();
      },
      now: clock.now,
      calls: () => faults.calls(),
      faultCounts: () => faults.counts(),
      stop: () => {
        stopped ??= (async () => {
          faults.cancel();
          const closed = new Promise<void>((resolve) => server.close(() => resolve()));
          server.closeAllConnections();
          await closed;
          await dispatcher.destroy();
        })();
        return stopped;
      },
    },
  };
}
