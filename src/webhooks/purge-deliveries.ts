import type { Ctx } from "../context.js";
import { webhooks as repo } from "../store/repos/index.js";

/**
 * Delivery retention: finished deliveries (delivered or failed, with their attempt logs) created more
 * than `retentionMs` ago are deleted, at most `limit` per call. Pending ones are never touched,
 * whatever their age. `more` while a full batch was deleted.
 */
export async function removeOldDeliveries({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { limit: number; retentionMs: number };
}): Promise<{ removed: number; more: boolean }> {
  const before = ctx.clock.now() - input.retentionMs;
  const removed = await ctx.store.transaction((tx) => repo.deliveries.purgeFinished(tx, before, input.limit));
  return { removed, more: removed === input.limit };
}
