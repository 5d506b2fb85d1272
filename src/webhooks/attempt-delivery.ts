import { type Ctx, withDb } from "../context.js";
import { webhooks as repo } from "../store/repos/index.js";
import type { ClaimedDelivery } from "../store/repos/webhooks.js";
import { bookkeeping } from "./bookkeeping.js";
import type { WebhookOptions } from "./options.js";
import { decide, type Outcome } from "./retry-policy.js";
import { signedHeaders } from "./sign.js";

/** The part of the egress module delivery uses (src/egress: SSRF-checked, pinned, no redirects). */
export interface Poster {
  post(
    url: string,
    init: { headers: Record<string, string>; body: string; timeoutMs: number },
  ): Promise<{
    status: number;
    headers: Record<string, string>;
    body: string;
    durationMs: number;
    error?: string;
  }>;
}

export interface AttemptResult {
  outcome: Outcome;
  status: number;
  durationMs: number;
  error?: string;
  /** False when this worker's lease was lost meanwhile (another worker owns the row now). */
  settled: boolean;
  /** Set when this attempt disabled or removed the subscription. */
  endpoint?: "disabled" | "removed";
  /** After a success with `chain`: the endpoint's next due delivery, already leased to this worker. */
  next?: ClaimedDelivery;
}

const USER_AGENT = "myCRMSIM-Webhooks/1.0";

/**
 * One signed POST of a claimed delivery, then its outcome recorded in one transaction: the attempt
 * log row, the delivery's next state (fenced by the lease token), and the endpoint's health —
 * 410 removes the subscription; failing every attempt for `disableAfterMs` disables it.
 */
export async function attemptDelivery({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: {
    delivery: ClaimedDelivery;
    egress: Poster;
    options: WebhookOptions;
    /** Lease the endpoint's next due delivery in the same transaction after a success. */
    chain?: boolean;
  };
}): Promise<AttemptResult> {
  const { delivery: d, egress, options } = input;
  const startedAt = ctx.clock.now();
  const headers = {
    "content-type": "application/json",
    "user-agent": USER_AGENT,
    ...signedHeaders(d.secret, d.id, Math.floor(startedAt / 1000), d.payload),
  };
  const res = await egress.post(d.target_url, { headers, body: d.payload, timeoutMs: options.timeoutMs });
  const now = ctx.clock.now();
  const outcome = decide(res, d.retry_index, now, options);
  const error =
    res.status === 0
      ? (res.error ?? "no response")
      : outcome.kind === "delivered"
        ? null
        : `HTTP ${res.status}${res.status >= 300 && res.status < 400 ? " (redirects are not followed)" : ""}`;
  const durationMs = Math.round(res.durationMs);

  return bookkeeping(ctx, async (db) => {
    const tx = withDb(ctx, db);
    await repo.subscriptions.lock(tx.db, d.subscription_id);
    await repo.attempts.insert(tx.db, {
      delivery_id: d.id,
      subscription_id: d.subscription_id,
      attempt: d.attempts,
      started_at: startedAt,
      duration_ms: durationMs,
      status_code: res.status === 0 ? null : res.status,
      error: error?.slice(0, 500) ?? null,
      response_body: res.status === 0 ? null : res.body.slice(0, 1024),
    });
    const common = { last_status_code: res.status === 0 ? null : res.status, updated_at: now };
    const base = { outcome, status: res.status, durationMs, error: error ?? undefined };
    const patch =
      outcome.kind === "delivered"
        ? { ...common, status: "delivered", next_attempt_at: null, last_error: null, delivered_at: now }
        : outcome.kind === "retry"
          ? { ...common, next_attempt_at: outcome.at, retry_index: outcome.retryIndex, last_error: error }
          : {
              ...common,
              status: "failed",
              next_attempt_at: null,
              last_error: outcome.kind === "gone" ? "endpoint answered 410 Gone" : `gave up: ${error}`,
            };
    const settled = await repo.deliveries.settle(tx.db, d.id, d.lease_token, patch);
    if (!settled) return { ...base, settled };

    if (outcome.kind === "delivered") {
      // A streak seen at claim time ends here (a row already healthy needs no write).
      if (d.failing_since !== null) await repo.subscriptions.markHealthy(tx.db, d.subscription_id, now);
      const next = input.chain
        ? await repo.deliveries.claimNextFor(tx.db, {
            after: d,
            now,
            leaseUntil: now + options.leaseMs,
            token: d.lease_token,
          })
        : undefined;
      return { ...base, settled, ...(next ? { next } : {}) };
    }
    const sub = await repo.subscriptions.byId(tx.db, d.subscription_id);
    if (sub?.status !== "active") return { ...base, settled };
    if (outcome.kind === "gone") {
      await repo.subscriptions.update(tx.db, sub.id, {
        status: "removed",
        status_reason: "gone",
        updated_at: now,
      });
      await repo.deliveries.failPending(tx.db, sub.id, "subscription removed (410 Gone)", now);
      tx.log.info({ webhookId: sub.id }, "webhook endpoint answered 410 Gone; subscription removed");
      return { ...base, settled, endpoint: "removed" as const };
    }
    const failingSince = sub.failing_since ?? startedAt;
    if (sub.failing_since === null) await repo.subscriptions.markFailing(tx.db, sub.id, startedAt);
    if (now - failingSince >= options.disableAfterMs) {
      await repo.subscriptions.update(tx.db, sub.id, {
        status: "disabled",
        status_reason: "failing",
        disabled_at: now,
        updated_at: now,
      });
      await repo.deliveries.failPending(tx.db, sub.id, "endpoint disabled after failing too long", now);
      tx.log.warn({ webhookId: sub.id, failingSince }, "webhook endpoint disabled after failing too long");
      return { ...base, settled, endpoint: "disabled" as const };
    }
    return { ...base, settled };
  });
}
