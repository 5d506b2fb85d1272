import type { Ctx } from "../context.js";
import { oauth } from "../store/repos/index.js";
import { REFRESH_GRACE_MS } from "./refresh-tokens.js";

/**
 * How long expired codes and tokens are kept: a replayed code within a day still revokes the grant it
 * produced, and a late "expired" in the logs can still be traced to its grant.
 */
export const EXPIRED_KEEP_MS = 86_400_000;

/**
 * Delete what the authorization server no longer needs, at most `limit` rows per table per call:
 * codes and tokens expired more than a day ago, sealed refresh successors past the retry grace, and
 * drained rate buckets. `more` says a table had more than `limit` to delete (call again).
 */
export async function removeExpiredOAuthRecords({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { limit: number };
}): Promise<{ removed: number; more: boolean }> {
  const now = ctx.clock.now();
  const counts = [
    await oauth.codes.removeExpiredBefore(ctx.db, now - EXPIRED_KEEP_MS, input.limit),
    await oauth.tokens.removeExpiredBefore(ctx.db, now - EXPIRED_KEEP_MS, input.limit),
    await oauth.rateBuckets.removeDrained(ctx.db, now, input.limit),
  ];
  await oauth.tokens.forgetSealed(ctx.db, now - REFRESH_GRACE_MS);
  return { removed: counts.reduce((a, b) => a + b, 0), more: counts.some((n) => n >= input.limit) };
}
