import type { Ctx } from "../context.js";
import { oauth } from "../store/repos/index.js";

/** A day without a failed sign-in forgets the earlier failures of that account or address. */
export const SIGNIN_FAILURES_KEEP_MS = 86_400_000;

/**
 * Delete sign-in failure counters with no failure for a day and no block still running, at most
 * `limit` per call (`more`: call again).
 */
export async function removeStaleSigninAttempts({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { limit: number };
}): Promise<{ removed: number; more: boolean }> {
  const now = ctx.clock.now();
  const removed = await oauth.signinAttempts.removeStale(
    ctx.db,
    now - SIGNIN_FAILURES_KEEP_MS,
    now,
    input.limit,
  );
  return { removed, more: removed >= input.limit };
}
