import { inTransaction, type Ctx } from "../context.js";
import { AppError } from "../core/errors.js";
import { newId } from "../core/ids.js";
import { webhooks as repo } from "../store/repos/index.js";
import { isWebhookEvent, type Owner, WEBHOOK_EVENTS, type WebhookEvent } from "./events.js";
import { presentSubscription, type SubscriptionView } from "./presenters.js";
import { newSecret } from "./sign.js";

export const MAX_URL_LENGTH = 2048;

/**
 * Scopes an event's payload needs beyond `webhooks:write`: `new_message` carries the text and sender of
 * inbound SMS, which `messages:read` otherwise guards (finding I1).
 */
const EVENT_SCOPES: Partial<Record<WebhookEvent, string>> = { new_message: "messages:read" };

/**
 * Subscribe `targetUrl` to an event of a location. Idempotent on (client, location, event, URL): the
 * same subscription, id and secret come back; one that was unsubscribed, removed by a 410 or disabled
 * becomes active again (subscribing is the owner saying the endpoint works now).
 * `checkUrl` is the egress policy (https only, no private addresses unless allowed); it throws
 * `invalid_target_url`. `scopes` are the caller's OAuth scopes: an event may need more than
 * `webhooks:write` (403 `insufficient_scope` naming the missing one).
 */
export async function subscribe({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: {
    owner: Owner;
    locationId: string;
    event: string;
    targetUrl: string;
    checkUrl: (url: string) => Promise<void>;
    scopes: readonly string[];
  };
}): Promise<SubscriptionView & { secret: string }> {
  const { owner, locationId, event, targetUrl } = input;
  if (!isWebhookEvent(event)) {
    throw new AppError("invalid_event", `event: must be one of ${WEBHOOK_EVENTS.join(", ")}`, {
      details: { field: "event" },
    });
  }
  const needed = EVENT_SCOPES[event];
  if (needed && !input.scopes.includes(needed)) {
    throw new AppError("insufficient_scope", `This token lacks the ${needed} scope (needed for ${event})`, {
      details: { scope: needed },
    });
  }
  if (!owner.locationIds.includes(locationId)) {
    throw new AppError(
      "location_not_found",
      "The specified location does not exist or you don't have access to it",
    );
  }
  if (targetUrl.length > MAX_URL_LENGTH) {
    throw new AppError("invalid_target_url", `targetUrl: at most ${MAX_URL_LENGTH} characters`, {
      details: { field: "targetUrl" },
    });
  }
  await input.checkUrl(targetUrl);

  const key = { clientId: owner.clientId, locationId, event, targetUrl };
  const row = await inTransaction(ctx, async (tx) => {
    const now = tx.clock.now();
    const existing = await repo.subscriptions.byKey(tx.db, key);
    if (existing) {
      if (existing.status !== "active") {
        await repo.subscriptions.update(tx.db, existing.id, {
          status: "active",
          status_reason: null,
          failing_since: null,
          disabled_at: null,
          user_id: owner.userId,
          grant_id: owner.grantId,
          updated_at: now,
        });
      }
      return repo.subscriptions.byId(tx.db, existing.id);
    }
    // A concurrent subscribe with the same key may win the insert; then both read its row.
    await tx.db
      .insertInto("webhook_subscriptions")
      .values({
        id: newId("webhook", now),
        client_id: owner.clientId,
        user_id: owner.userId,
        grant_id: owner.grantId,
        location_id: locationId,
        event,
        target_url: targetUrl,
        secret: newSecret(),
        status: "active",
        created_at: now,
        updated_at: now,
      })
      .onConflict((oc) => oc.columns(["client_id", "location_id", "event", "target_url"]).doNothing())
      .execute();
    return repo.subscriptions.byKey(tx.db, key);
  });
  if (!row) throw new AppError("internal_error", "The subscription could not be saved");
  ctx.log.info({ webhookId: row.id, event, locationId }, "webhook subscribed");
  return { ...presentSubscription(row), secret: row.secret };
}
