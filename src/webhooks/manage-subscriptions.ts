import { inTransaction, type Ctx } from "../context.js";
import { AppError } from "../core/errors.js";
import type { Db } from "../store/index.js";
import type { SubscriptionRow } from "../store/repos/webhooks.js";
import { webhooks as repo } from "../store/repos/index.js";
import type { Owner } from "./events.js";
import { presentSubscription, type SubscriptionView } from "./presenters.js";

/**
 * The subscription if the owner may see it: its client's, on a location the grant reaches, not
 * removed. Everything else is the same 404, so other clients' ids cannot be probed.
 */
export async function visibleSubscription(db: Db, owner: Owner, id: string): Promise<SubscriptionRow> {
  const s = await repo.subscriptions.byId(db, id);
  if (
    !s ||
    s.client_id !== owner.clientId ||
    !owner.locationIds.includes(s.location_id) ||
    s.status === "removed"
  ) {
    throw new AppError("webhook_not_found", "No such webhook subscription");
  }
  return s;
}

/** Mark a subscription removed and stop what it still had queued. */
export async function removeRow(db: Db, s: SubscriptionRow, reason: string, now: number): Promise<void> {
  // The UPDATE takes the subscription's row lock before any delivery row (the one lock order).
  await repo.subscriptions.update(db, s.id, { status: "removed", status_reason: reason, updated_at: now });
  await repo.deliveries.failPending(db, s.id, `subscription removed (${reason})`, now);
}

/** This client's subscriptions on the grant's locations (or one of them). */
export async function listSubscriptions({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { owner: Owner; locationId?: string };
}): Promise<SubscriptionView[]> {
  const { owner, locationId } = input;
  if (locationId !== undefined && !owner.locationIds.includes(locationId)) {
    throw new AppError(
      "location_not_found",
      "The specified location does not exist or you don't have access to it",
    );
  }
  const rows = await repo.subscriptions.listForClient(
    ctx.db,
    owner.clientId,
    locationId === undefined ? owner.locationIds : [locationId],
  );
  return rows.map(presentSubscription);
}

export async function getSubscription({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { owner: Owner; id: string };
}): Promise<SubscriptionView> {
  return presentSubscription(await visibleSubscription(ctx.db, input.owner, input.id));
}

/** DELETE /webhooks/{id}: 404 unless visible to the owner. */
export async function deleteSubscription({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { owner: Owner; id: string };
}): Promise<void> {
  await inTransaction(ctx, async (tx) => {
    const s = await visibleSubscription(tx.db, input.owner, input.id);
    await removeRow(tx.db, s, "unsubscribed", tx.clock.now());
  });
}

/**
 * The seed's unsubscribe: idempotent, so an id that is unknown, already removed or not this
 * client's answers success without touching anything. Without `webhookId`, every subscription of this
 * client to `targetUrl` on the location is removed. Returns how many were removed now.
 */
export async function unsubscribe({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { owner: Owner; locationId: string; webhookId?: string; targetUrl?: string };
}): Promise<number> {
  const { owner, locationId } = input;
  if (!owner.locationIds.includes(locationId)) {
    throw new AppError(
      "location_not_found",
      "The specified location does not exist or you don't have access to it",
    );
  }
  return inTransaction(ctx, async (tx) => {
    const now = tx.clock.now();
    let rows: SubscriptionRow[];
    if (input.webhookId) {
      const s = await repo.subscriptions.byId(tx.db, input.webhookId);
      rows = s ? [s] : [];
    } else if (input.targetUrl) {
      rows = (await repo.subscriptions.listForClient(tx.db, owner.clientId, [locationId])).filter(
        (s) => s.target_url === input.targetUrl,
      );
    } else {
      rows = [];
    }
    const mine = rows.filter(
      (s) => s.client_id === owner.clientId && s.location_id === locationId && s.status !== "removed",
    );
    for (const s of mine) await removeRow(tx.db, s, "unsubscribed", now);
    return mine.length;
  });
}
