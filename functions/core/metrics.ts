/**
 * The relay's metrics: names, units and dimensions, and where a step records them. Like the
 * deadline, the sink travels in an `AsyncLocalStorage`: metrics belong to the invocation (the
 * Lambda wrapper opens a sink and flushes it as EMF lines), while the code that counts retries
 * sits deep in clients built once per container. Outside an invocation nothing is recorded.
 */

import { AsyncLocalStorage } from "node:async_hooks";

/** Default CloudWatch namespace of the relay's metrics. */
export const RELAY_METRICS_NAMESPACE = "Relay";

/** Every metric the relay emits, with its CloudWatch unit. */
export const RELAY_METRICS = {
  /** Bytes sent to the provider by transfer. */
  BytesTransferred: "Bytes",
  /** Chunks sent to the provider by transfer. */
  ChunksTransferred: "Count",
  /** Provider API attempts made again, and chunk PUTs that failed and go again. */
  Retries: "Count",
  /** Presigned URLs fetched because a chunk had none or it was about to expire. */
  UrlRefreshes: "Count",
  /** Admission to completion of one upload. */
  UploadDuration: "Milliseconds",
  /** One per upload outcome, by `outcome` (completed, failed, rejected) and `code`. */
  Uploads: "Count",
  /** One per ended indexing, by `outcome` (ready, failed). */
  AssetsIndexed: "Count",
} as const;

/** Name of a relay metric. */
export type RelayMetricName = keyof typeof RELAY_METRICS;

/** Where metrics go: one data point each, with its own dimensions (besides `service`). */
export interface MetricsSink {
  add(name: RelayMetricName, value: number, dimensions?: Readonly<Record<string, string>>): void;
}

const current = new AsyncLocalStorage<MetricsSink>();

/** Runs `fn` with `sink` receiving every metric recorded by what it awaits. */
export function withMetrics<T>(sink: MetricsSink, fn: () => Promise<T>): Promise<T> {
  return current.run(sink, fn);
}

/** Records one data point in the current invocation's sink; nothing outside an invocation. */
export function recordMetric(
  name: RelayMetricName,
  value: number,
  dimensions?: Readonly<Record<string, string>>,
): void {
  if (value === 0 && dimensions === undefined) return;
  current.getStore()?.add(name, value, dimensions);
}
