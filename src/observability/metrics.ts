import { Counter, collectDefaultMetrics, Histogram, Registry } from "prom-client";

/** The process's Prometheus registry and the metrics the transports and jobs record. */
export interface Metrics {
  registry: Registry;
  httpDuration: Histogram<"method" | "route" | "status">;
  counter(name: string, help: string, labelNames?: string[]): Counter<string>;
  histogram(name: string, help: string, labelNames?: string[], buckets?: number[]): Histogram<string>;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "mycrmsim_" });
  const httpDuration = new Histogram({
    name: "mycrmsim_http_request_duration_seconds",
    help: "HTTP request duration by route and status",
    labelNames: ["method", "route", "status"] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [registry],
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
