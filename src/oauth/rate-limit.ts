import type { Ctx } from "../context.js";
import { oauth } from "../store/repos/index.js";

export const RATE_WINDOW_MS = 60_000;

export interface RateDecision {
  ok: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the budget is full again. */
  resetSeconds: number;
  /** Seconds until one more request fits (0 when ok). */
  retryAfterSeconds: number;
}

/**
 * Count one request against `perMinute` for `key` (GCRA: a steady rate with a burst of a whole
 * minute's budget), shared by every process through the database: one atomic statement per call.
 */
export async function consumeRate({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { key: string; perMinute: number };
}): Promise<RateDecision> {
  const interval = RATE_WINDOW_MS / input.perMinute;
  const now = ctx.clock.now();
  // Whole milliseconds, rounded down so a full minute holds the whole budget.
  const hit = await oauth.rateBuckets.hit(
    ctx.db,
    input.key,
    now,
    Math.max(1, Math.floor(interval)),
    RATE_WINDOW_MS,
  );
  const ahead = Math.max(0, hit.tat - now);
  const remaining = Math.max(0, Math.floor((RATE_WINDOW_MS - ahead) / interval));
  return {
    ok: hit.ok,
    limit: input.perMinute,
    remaining: hit.ok ? remaining : 0,
    resetSeconds: Math.ceil(ahead / 1000),
    retryAfterSeconds: hit.ok ? 0 : Math.max(1, Math.ceil((ahead + interval - RATE_WINDOW_MS) / 1000)),
  };
}
