import type { Ctx } from "../context.js";
import type { Clock } from "../core/clock.js";
import { randomToken } from "../core/crypto.js";
import type { Logger } from "../core/logger.js";
import type { Metrics } from "../observability/metrics.js";
import { webhooks as repo } from "../store/repos/index.js";
import type { ClaimedDelivery } from "../store/repos/webhooks.js";
import type { Store } from "../store/types.js";
import { type AttemptResult, attemptDelivery, type Poster } from "./attempt-delivery.js";
import { bookkeeping } from "./bookkeeping.js";
import { DELIVERY_CHANNEL } from "./events.js";
import type { WebhookOptions } from "./options.js";

/** Deliveries one slot may take in a row from one endpoint's backlog before claiming afresh. */
const CHAIN_MAX = 20;

export interface DeliveryWorker {
  name: string;
  start(): void;
  /** Claim and start due deliveries now (after a commit that queued some, or a freed slot). */
  wake(): void;
  /**
   * Stop claiming; wait up to `graceMs` for the POSTs in flight, then hand back the leases of those
   * still running so another worker can take them at once (at-least-once: one may arrive twice).
   */
  stop(): Promise<void>;
  /** Deliveries this process has in flight. */
  readonly inFlight: number;
}

/**
 * The delivery loop of one process. Woken by the outbox commit (NOTIFY on PostgreSQL, in-process on
 * SQLite), by each finished attempt (a slot is free) and by a fallback poll (retries that came due,
 * leases of crashed workers that ran out, other processes' work). Runs up to `concurrency` POSTs at
 * once; the claim itself keeps each endpoint to `perEndpoint` in flight across all workers.
 */
export function createDeliveryWorker(deps: {
  store: Store;
  clock: Clock;
  log: Logger;
  egress: Poster;
  options: WebhookOptions;
  metrics?: Metrics;
  graceMs?: number;
}): DeliveryWorker {
  const { store, clock, log, options } = deps;
  const ctx: Ctx = { store, db: store.db, clock, log };
  const inflight = new Map<string, { delivery: ClaimedDelivery; done: Promise<void> }>();
  let stopped = true;
  let pumping = false;
  let again = false;
  let timer: NodeJS.Timeout | undefined;
  let unlisten: (() => Promise<void>) | undefined;
  const attemptsTotal = deps.metrics?.counter(
    "mycrmsim_webhook_attempts_total",
    "Webhook delivery attempts by outcome",
    ["outcome"],
  );
  const attemptSeconds = deps.metrics?.histogram(
    "mycrmsim_webhook_attempt_duration_seconds",
    "Duration of webhook POSTs",
    [],
    [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30],
  );

  const gaveUp = deps.metrics?.counter(
    "mycrmsim_webhook_deliveries_failed_total",
    "Webhook deliveries given up after the whole retry schedule",
  );
  const endpointChanges = deps.metrics?.counter(
    "mycrmsim_webhook_endpoint_changes_total",
    "Webhook subscriptions disabled (failing for too long) or removed (410 Gone) by delivery",
    ["change"],
  );
  const record = (r: AttemptResult) => {
    const outcome =
      r.outcome.kind === "delivered"
        ? "delivered"
        : r.outcome.kind === "gone"
          ? "gone"
          : r.status === 0
            ? r.error?.startsWith("timeout")
              ? "timeout"
              : "network_error"
            : "http_error";
    attemptsTotal?.inc({ outcome });
    attemptSeconds?.observe(r.durationMs / 1000);
    if (r.outcome.kind === "exhausted") gaveUp?.inc();
    if (r.endpoint) endpointChanges?.inc({ change: r.endpoint });
  };

  /**
   * One slot: attempt `d`; after a success the settle transaction may hand over the endpoint's next
   * due delivery, which runs in the same slot (up to CHAIN_MAX in a row, then the slot goes back to
   * the general claim so other endpoints get their turn).
   */
  const run = (first: ClaimedDelivery) => {
    const slot = { delivery: first, done: Promise.resolve() };
    slot.done = (async () => {
      let d: ClaimedDelivery | undefined = first;
      for (let n = 1; d; n++) {
        slot.delivery = d;
        const current: ClaimedDelivery = d;
        const chain: boolean = !stopped && n < CHAIN_MAX;
        try {
          const r: AttemptResult = await attemptDelivery({
            ctx,
            input: { delivery: d, egress: deps.egress, options, chain },
          });
          record(r);
          d = r.next;
        } catch (e) {
          log.error({ err: e, deliveryId: current.id }, "webhook attempt could not be recorded");
          d = undefined;
        }
      }
    })().finally(() => {
      inflight.delete(first.id);
      wake();
    });
    inflight.set(first.id, slot);
  };

  const claimOnce = async (): Promise<boolean> => {
    const room = options.concurrency - inflight.size;
    if (room <= 0) return false;
    const token = randomToken(12);
    const now = clock.now();
    const claimed = await bookkeeping(ctx, (tx) =>
      repo.deliveries.claim(tx, {
        now,
        limit: room,
        perEndpoint: options.perEndpoint,
        leaseUntil: now + options.leaseMs,
        token,
      }),
    );
    for (const d of claimed.rows) run(d);
    return claimed.rows.length > 0 && (claimed.more || claimed.rows.length === room);
  };

  const pump = async () => {
    try {
      do {
        again = false;
        while (!stopped && (await claimOnce())) {
          // a full batch: there may be more due
        }
      } while (again && !stopped);
    } catch (e) {
      log.error({ err: e }, "webhook claim failed; will retry");
    } finally {
      pumping = false;
    }
  };

  function wake(): void {
    if (stopped) return;
    if (pumping) {
      again = true;
      return;
    }
    pumping = true;
    void pump();
  }

  return {
    name: "webhook-delivery",
    get inFlight() {
      return inflight.size;
    },
    start() {
      if (!stopped) return;
      stopped = false;
      timer = setInterval(wake, options.pollMs);
      timer.unref();
      store
        .listen(DELIVERY_CHANNEL, () => wake())
        .then((u) => {
          if (stopped) void u();
          else unlisten = u;
        })
        .catch((e) => log.error({ err: e }, "could not listen for webhook wake-ups; polling only"));
      wake();
    },
    wake,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await unlisten?.();
      unlisten = undefined;
      while (pumping) await new Promise((r) => setImmediate(r));
      const pending = [...inflight.values()];
      if (pending.length === 0) return;
      let timeout: NodeJS.Timeout | undefined;
      const finished = await Promise.race([
        Promise.all(pending.map((p) => p.done)).then(() => true),
        new Promise<boolean>((r) => {
          timeout = setTimeout(() => r(false), deps.graceMs ?? 5000);
        }),
      ]);
      clearTimeout(timeout);
      if (finished) return;
      const byToken = new Map<string, string[]>();
      for (const { delivery } of inflight.values()) {
        byToken.set(delivery.lease_token, [...(byToken.get(delivery.lease_token) ?? []), delivery.id]);
      }
      for (const [token, ids] of byToken) {
        await repo.deliveries.release(store.db, ids, token, clock.now()).catch(() => undefined);
      }
      log.warn({ count: inflight.size }, "webhook deliveries still in flight at shutdown were handed back");
    },
  };
}
