import { Counter, collectDefaultMetrics, Histogram, type Metric, Registry } from "prom-client";
import { droppedLogLines } from "./log.js";

/** One label combination of a histogram, resolved once: observing it allocates nothing. */
export interface DurationSeries {
  observe(seconds: number): void;
}

/** HTTP request durations by method, route and status (`mycrmsim_http_request_duration_seconds`). */
export interface HttpDurations {
  series(method: string, route: string, status: number): DurationSeries;
}

/** The process's Prometheus registry and the metrics the transports and jobs record. */
export interface Metrics {
  registry: Registry;
  httpDuration: HttpDurations;
  counter(name: string, help: string, labelNames?: string[]): Counter<string>;
  histogram(name: string, help: string, labelNames?: string[], buckets?: number[]): Histogram<string>;
}

const HTTP_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10];

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "mycrmsim_" });
  const httpDuration = new RouteHistogram(
    "mycrmsim_http_request_duration_seconds",
    "HTTP request duration by route and status",
    HTTP_BUCKETS,
  );
  registry.registerMetric(httpDuration as unknown as Metric);
  let reported = 0;
  new Counter({
    name: "mycrmsim_log_lines_dropped_total",
    help: "Log lines dropped because stdout did not take them fast enough",
    registers: [registry],
    collect() {
      const now = droppedLogLines();
      if (now > reported) this.inc(now - reported);
      reported = now;
    },
  });
  const counters = new Map<string, Counter<string>>();
  const histograms = new Map<string, Histogram<string>>();
  return {
    registry,
    httpDuration,
    counter(name, help, labelNames = []) {
      let c = counters.get(name);
      if (!c) {
        c = new Counter({ name, help, labelNames, registers: [registry] });
        counters.set(name, c);
      }
      return c;
    },
    histogram(name, help, labelNames = [], buckets) {
      let h = histograms.get(name);
      if (!h) {
        h = new Histogram({ name, help, labelNames, registers: [registry], ...(buckets ? { buckets } : {}) });
        histograms.set(name, h);
      }
      return h;
    },
  };
}

class Series implements DurationSeries {
  /** Observations per bucket (not cumulative); the last slot is past the largest bound. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  constructor(
    readonly labels: Record<string, string>,
    private readonly bounds: readonly number[],
  ) {
    this.counts = new Float64Array(bounds.length + 1);
  }
  observe(seconds: number): void {
    let i = 0;
    while (i < this.bounds.length && seconds > (this.bounds[i] ?? 0)) i++;
    this.counts[i] = (this.counts[i] ?? 0) + 1;
    this.sum += seconds;
    this.count++;
  }
}

/**
 * A Prometheus histogram for the per-request path. prom-client's `observe(labels, v)` hashes a label
 * object on every call; here each label combination is resolved to its series once (route → method →
 * status), and a request only bumps numbers. The exposition is prom-client's histogram format, so the
 * registry prints it like any other metric.
 */
class RouteHistogram implements HttpDurations {
  readonly type = "histogram";
  readonly aggregator = "sum";
  private readonly index = new Map<string, Map<string, Map<number, Series>>>();
  private readonly all: Series[] = [];

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly bounds: readonly number[],
  ) {}

  series(method: string, route: string, status: number): DurationSeries {
    let byMethod = this.index.get(route);
    if (!byMethod) {
      byMethod = new Map();
      this.index.set(route, byMethod);
    }
    let byStatus = byMethod.get(method);
    if (!byStatus) {
      byStatus = new Map();
      byMethod.set(method, byStatus);
    }
    let s = byStatus.get(status);
    if (!s) {
      s = new Series({ method, route, status: String(status) }, this.bounds);
      byStatus.set(status, s);
      this.all.push(s);
    }
    return s;
  }

  /** The registry's text format: `le` first, then the series' labels (as prom-client prints them). */
  getForPromString() {
    const values: {
      labels: Record<string, string | number>;
      sharedLabels: Record<string, string>;
      value: number;
      metricName: string;
    }[] = [];
    for (const s of this.all) {
      let acc = 0;
      this.bounds.forEach((le, i) => {
        acc += s.counts[i] ?? 0;
        values.push({
          labels: { le },
          sharedLabels: s.labels,
          value: acc,
          metricName: `${this.name}_bucket`,
        });
      });
      values.push(
        { labels: { le: "+Inf" }, sharedLabels: s.labels, value: s.count, metricName: `${this.name}_bucket` },
        { labels: {}, sharedLabels: s.labels, value: s.sum, metricName: `${this.name}_sum` },
        { labels: {}, sharedLabels: s.labels, value: s.count, metricName: `${this.name}_count` },
      );
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  /** The JSON form (`registry.getMetricsAsJSON()`): labels merged. */
  get() {
    const data = this.getForPromString();
    return {
      ...data,
      values: data.values.map((v) => ({
        labels: { ...v.sharedLabels, ...v.labels },
        value: v.value,
        metricName: v.metricName,
      })),
    };
  }
}
