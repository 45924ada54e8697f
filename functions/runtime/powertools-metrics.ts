/**
 * The metrics sink of a deployed function: Powertools Metrics, which writes CloudWatch
 * Embedded Metric Format lines to stdout (CloudWatch turns them into metrics, no API call).
 * Metrics without dimensions of their own are buffered and flushed once per invocation; a
 * metric with dimensions (an outcome, a code) goes out at once as a line of its own.
 */

import { Metrics, type MetricUnit } from "@aws-lambda-powertools/metrics";

/** A unit Powertools takes. */
type Unit = (typeof MetricUnit)[keyof typeof MetricUnit];

import { type MetricsSink, RELAY_METRICS, RELAY_METRICS_NAMESPACE } from "../core/metrics.js";

/** One Powertools `Metrics` per container; `flush()` after each invocation. */
export class PowertoolsMetricsSink implements MetricsSink {
  readonly #metrics = new Metrics({
    // POWERTOOLS_METRICS_NAMESPACE, set by the construct, wins over this default.
    namespace: process.env.POWERTOOLS_METRICS_NAMESPACE || RELAY_METRICS_NAMESPACE,
    serviceName: process.env.POWERTOOLS_SERVICE_NAME || "relay",
  });

  /** Records one data point. */
  add(
    name: keyof typeof RELAY_METRICS,
    value: number,
    dimensions?: Readonly<Record<string, string>>,
  ): void {
    const unit: Unit = RELAY_METRICS[name];
    if (dimensions === undefined) {
      this.#metrics.addMetric(name, unit, value);
      return;
    }
    const single = this.#metrics.singleMetric();
    single.addDimensions({ ...dimensions });
    single.addMetric(name, unit, value);
  }

  /** Writes what the invocation buffered; nothing (and no warning) when it buffered nothing. */
  flush(): void {
    if (this.#metrics.hasStoredMetrics()) this.#metrics.publishStoredMetrics();
  }
}
