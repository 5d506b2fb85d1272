import type { Config } from "../config/index.js";

/** The configuration delivery needs, taken once from Config (verbs never read the environment). */
export interface WebhookOptions {
  /** Whole-request timeout of one POST. */
  timeoutMs: number;
  /** Waits before each retry (attempt 2, 3, …); its length + 1 is the number of attempts. */
  retryScheduleMs: number[];
  /** Each wait is scaled by a random factor in [1 - jitter, 1 + jitter]. */
  jitter: number;
  /** A receiver's Retry-After is honoured up to this. */
  retryAfterMaxMs: number;
  /** An endpoint whose attempts have all failed for this long is disabled. */
  disableAfterMs: number;
  /** Deliveries in flight per subscription, across all workers and nodes. */
  perEndpoint: number;
  /** Deliveries in flight per worker process. */
  concurrency: number;
  /** How long a claim holds a delivery; longer than the timeout, so only a dead worker loses one. */
  leaseMs: number;
  /** Fallback poll (wake-ups normally come from the commit that queued the work). */
  pollMs: number;
}

export function webhookOptions(config: Config): WebhookOptions {
  return {
    timeoutMs: config.webhookTimeoutMs,
    retryScheduleMs: config.webhookRetryScheduleMs,
    jitter: config.webhookRetryJitter,
    retryAfterMaxMs: config.webhookRetryAfterMaxSeconds * 1000,
    disableAfterMs: config.webhookDisableAfterSeconds * 1000,
    perEndpoint: config.webhookEndpointConcurrency,
    concurrency: config.webhookConcurrency,
    leaseMs: Math.max(config.webhookTimeoutMs * 2, config.webhookTimeoutMs + 30_000),
    pollMs: config.webhookPollMs,
  };
}
