import type { Ctx } from "../context.js";
import { newId } from "../core/ids.js";
import { webhooks as repo } from "../store/repos/index.js";
import type { WebhookEvent } from "./events.js";
import { signalDeliveries } from "./signal.js";

/**
 * The transactional outbox: one delivery row per active subscription of the location and event,
 * written with `ctx.db` (the caller's transaction, so the rows commit or vanish with the message),
 * then a wake-up for the delivery workers that takes effect at commit. The payload is sent as the
 * JSON body verbatim. Returns how many deliveries were queued.
 */
export async function emitEvent({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { locationId: string; event: WebhookEvent; payload: Record<string, unknown> };
}): Promise<number> {
  const subs = await repo.subscriptions.activeFor(ctx.db, input.locationId, input.event);
  if (subs.length === 0) return 0;
  const now = ctx.clock.now();
  const body = JSON.stringify(input.payload);
  await repo.deliveries.insertMany(
    ctx.db,
    subs.map((s) => ({
      id: newId("delivery", now),
      subscription_id: s.id,
      location_id: input.locationId,
      event: input.event,
      payload: body,
      status: "pending",
      attempts: 0,
      retry_index: 0,
      next_attempt_at: now,
      created_at: now,
      updated_at: now,
    })),
  );
  await signalDeliveries(ctx);
  return subs.length;
}
