import type { WebhookOptions } from "./options.js";

export type Outcome =
  | { kind: "delivered" }
  /** 410 Gone: the receiver says the subscription is over. */
  | { kind: "gone" }
  | { kind: "retry"; at: number; retryIndex: number }
  | { kind: "exhausted" };

/**
 * What an answer means. Only 2xx is success (a 3xx is a failure: redirects are never followed).
 * Retries follow the schedule with ±jitter; a Retry-After (seconds or HTTP date) pushes the next
 * attempt later, up to the configured cap, but never earlier than the schedule.
 */
export function decide(
  res: { status: number; headers: Record<string, string> },
  retryIndex: number,
  now: number,
  opts: Pick<WebhookOptions, "retryScheduleMs" | "jitter" | "retryAfterMaxMs">,
  random: () => number = Math.random,
): Outcome {
  if (res.status >= 200 && res.status < 300) return { kind: "delivered" };
  if (res.status === 410) return { kind: "gone" };
  const base = opts.retryScheduleMs[retryIndex];
  if (base === undefined) return { kind: "exhausted" };
  let wait = Math.round(base * (1 + opts.jitter * (2 * random() - 1)));
  const after = retryAfterMs(res.headers["retry-after"], now);
  if (after !== undefined) wait = Math.max(wait, Math.min(after, opts.retryAfterMaxMs));
  return { kind: "retry", at: now + wait, retryIndex: retryIndex + 1 };
}

/** RFC 9110 Retry-After: delay-seconds or an HTTP-date; undefined when absent or unreadable. */
export function retryAfterMs(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const t = Date.parse(v);
  if (Number.isNaN(t)) return undefined;
  return Math.max(0, t - now);
}
