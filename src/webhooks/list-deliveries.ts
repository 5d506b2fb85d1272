import type { Ctx } from "../context.js";
import { AppError } from "../core/errors.js";
import { isId } from "../core/ids.js";
import { webhooks as repo } from "../store/repos/index.js";
import type { Owner } from "./events.js";
import { visibleSubscription } from "./manage-subscriptions.js";
import { type DeliveryView, presentDelivery } from "./presenters.js";

const STATUSES = ["pending", "delivered", "failed"];

/**
 * The delivery log of one subscription, newest first: each delivery with its attempts (status codes,
 * durations, errors, the start of each answer) and the next attempt if one is due. Cursor: the last
 * id of the previous page.
 */
export async function listDeliveries({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { owner: Owner; id: string; cursor?: string; limit?: number; status?: string };
}): Promise<{ data: DeliveryView[]; next_cursor: string | null }> {
  const sub = await visibleSubscription(ctx.db, input.owner, input.id);
  if (input.cursor !== undefined && !isId("delivery", input.cursor)) {
    throw new AppError("invalid_request", "cursor: not a cursor from this list", {
      details: { field: "cursor" },
    });
  }
  if (input.status !== undefined && !STATUSES.includes(input.status)) {
    throw new AppError("invalid_request", `status: must be one of ${STATUSES.join(", ")}`, {
      details: { field: "status" },
    });
  }
  const limit = Math.min(Math.max(input.limit ?? 50, 1), 200);
  const rows = await repo.deliveries.listForSubscription(ctx.db, {
    subscriptionId: sub.id,
    before: input.cursor,
    status: input.status,
    limit: limit + 1,
  });
  const page = rows.slice(0, limit);
  const log = await repo.attempts.forDeliveries(
    ctx.db,
    page.map((d) => d.id),
  );
  const byDelivery = new Map<string, typeof log>();
  for (const a of log) byDelivery.set(a.delivery_id, [...(byDelivery.get(a.delivery_id) ?? []), a]);
  return {
    data: page.map((d) => presentDelivery(d, byDelivery.get(d.id) ?? [])),
    next_cursor: rows.length > limit ? (page[page.length - 1]?.id ?? null) : null,
  };
}
