import type { Ctx } from "../context.js";
import { messages as repo } from "../store/repos/index.js";

/**
 * Delete expired idempotency records (an expired key may be reused anyway), at most `limit` per call
 * (`more`: call again).
 */
export async function removeExpiredIdempotencyKeys({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { limit: number };
}): Promise<{ removed: number; more: boolean }> {
  const removed = await repo.idempotency.removeAllExpired(ctx.db, ctx.clock.now(), input.limit);
  return { removed, more: removed >= input.limit };
}
