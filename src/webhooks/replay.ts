import { inTransaction, type Ctx } from "../context.js";
import { webhooks as repo } from "../store/repos/index.js";
import type { Owner } from "./events.js";
import { visibleSubscription } from "./manage-subscriptions.js";
import { presentSubscription, type SubscriptionView } from "./presenters.js";
import { signalDeliveries } from "./signal.js";

/**
 * Queue again the deliveries created since `since` that did not get through (all of them with
 * `includeDelivered`), with a fresh retry schedule and the same webhook-id. A disabled endpoint is
 * enabled again: replaying is the owner saying it works now.
 */
export async function replayDeliveries({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { owner: Owner; id: string; since: number; includeDelivered?: boolean };
}): Promise<{ requeued: number; subscription: SubscriptionView }> {
  return inTransaction(ctx, async (tx) => {
    const now = tx.clock.now();
    const sub = await visibleSubscription(tx.db, input.owner, input.id);
    await repo.subscriptions.lock(tx.db, sub.id);
    if (sub.status !== "active") {
      await repo.subscriptions.update(tx.db, sub.id, {
        status: "active",
        status_reason: null,
        failing_since: null,
        disabled_at: null,
        updated_at: now,
      });
    }
    const requeued = await repo.deliveries.requeue(tx.db, {
      subscriptionId: sub.id,
      since: input.since,
      now,
      includeDelivered: input.includeDelivered === true,
    });
    if (requeued > 0) await signalDeliveries(tx);
    const fresh = await repo.subscriptions.byId(tx.db, sub.id);
    tx.log.info({ webhookId: sub.id, requeued }, "webhook deliveries replayed");
    return { requeued, subscription: presentSubscription(fresh ?? sub) };
  });
}
