import { type Ctx, inTransaction } from "../context.js";
import { attachments as repo } from "../store/repos/index.js";

/**
 * Retention of inbound MMS content: parts stored more than `retentionMs` ago lose their bytes (their
 * metadata stays, marked `expired`, and their messages stop listing them), at most `limit` per call
 * (`more`: call again). The message itself is kept.
 */
export async function removeOldAttachments({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { retentionMs: number; limit: number };
}): Promise<{ removed: number; more: boolean }> {
  const before = ctx.clock.now() - input.retentionMs;
  const removed = await inTransaction(ctx, (tx) => repo.attachments.expireBefore(tx.db, before, input.limit));
  return { removed, more: removed >= input.limit };
}
