import type { Ctx } from "../context.js";
import { oauth } from "../store/repos/index.js";
import type { Store } from "../store/types.js";

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
 * This process's share of one key's budget: requests already counted in the database (the bucket's
 * tat moved past them) and not yet used here. Units are never handed back, so across every process
 * at most `perMinute` requests are admitted per minute plus what each process holds (≤ 1 s of the
 * full rate); none are wasted while requests keep coming.
 */
interface Share {
  /** Requests this process may still admit without asking the database. */
  units: number;
  /** The database's tat after the last reservation. */
  tat: number;
  /** Refusals are remembered until one more slot can fit (tat only grows, so asking earlier is moot). */
  blockedUntil: number;
  lastUsed: number;
  /** A reservation in flight: concurrent requests wait for it instead of asking too. */
  pending?: Promise<void>;
}

const shares = new WeakMap<Store, Map<string, Share>>();
let lastSweep = 0;

/**
 * The part of `consumeRate` that needs no database: the decision when this process's share of `key`
 * answers by itself (a unit left, or a refusal it remembers), else undefined and the caller awaits
 * `consumeRate`. The API's per-request path takes no promise for a budget this way.
 */
export function consumeRateLocally({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { key: string; perMinute: number };
}): RateDecision | undefined {
  const share = shares.get(ctx.store)?.get(input.key);
  if (!share) return undefined;
  const now = ctx.clock.now();
  const perSlot = Math.max(1, Math.floor(input.perMinute / RATE_WINDOW_MS));
  const interval = Math.max(1, Math.floor((RATE_WINDOW_MS * perSlot) / input.perMinute));
  if (share.units > 0) {
    share.units--;
    share.lastUsed = now;
    return admitted(input.perMinute, interval, perSlot, share, now);
  }
  if (share.blockedUntil > now) return refused(input.perMinute, interval, share.tat, now);
  return undefined;
}

/**
 * Count one request against `perMinute` for `key` (GCRA: a steady rate with a burst of a whole
 * minute's budget), shared by every process through the database. A process reserves about one
 * second of the full rate at a time (`rate_buckets.take`, one atomic statement) and admits requests
 * from that share in memory, so a busy client costs one statement per second per process instead of
 * one per request; small budgets (≤ 60 a minute) still ask the database every time.
 */
export async function consumeRate({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { key: string; perMinute: number };
}): Promise<RateDecision> {
  // Slots are whole milliseconds: above 60,000 a minute one slot carries `perSlot` requests.
  const perSlot = Math.max(1, Math.floor(input.perMinute / RATE_WINDOW_MS));
  const interval = Math.max(1, Math.floor((RATE_WINDOW_MS * perSlot) / input.perMinute));
  const chunkSlots = Math.max(1, Math.ceil(input.perMinute / 60 / perSlot));
  const byKey = sharesOf(ctx);
  for (let attempt = 0; ; attempt++) {
    const now = ctx.clock.now();
    let share = byKey.get(input.key);
    if (share && share.units > 0) {
      share.units--;
      share.lastUsed = now;
      return admitted(input.perMinute, interval, perSlot, share, now);
    }
    if (share && share.blockedUntil > now) return refused(input.perMinute, interval, share.tat, now);
    if (share?.pending && attempt < 3) {
      await share.pending;
      continue;
    }
    share ??= { units: 0, tat: now, blockedUntil: 0, lastUsed: now };
    byKey.set(input.key, share);
    const s = share;
    const reservation = oauth.rateBuckets
      .take(ctx.db, input.key, now, interval, RATE_WINDOW_MS, chunkSlots)
      .then((r) => {
        s.tat = r.tat;
        s.units += r.granted * perSlot;
        s.blockedUntil = r.granted === 0 ? r.tat + interval - RATE_WINDOW_MS : 0;
      })
      .finally(() => {
        if (s.pending === reservation) s.pending = undefined;
      });
    s.pending = reservation;
    await reservation;
    const after = ctx.clock.now();
    if (s.units > 0) {
      s.units--;
      s.lastUsed = after;
      return admitted(input.perMinute, interval, perSlot, s, after);
    }
    return refused(input.perMinute, interval, s.tat, after);
  }
}

function sharesOf(ctx: Ctx): Map<string, Share> {
  let m = shares.get(ctx.store);
  if (!m) {
    m = new Map();
    shares.set(ctx.store, m);
  }
  const now = ctx.clock.now();
  // Forget shares idle for a whole window: their bucket has drained, so nothing useful is lost.
  if (now - lastSweep > RATE_WINDOW_MS) {
    lastSweep = now;
    for (const [k, v] of m) if (!v.pending && now - v.lastUsed > RATE_WINDOW_MS) m.delete(k);
  }
  return m;
}

function admitted(limit: number, interval: number, perSlot: number, s: Share, now: number): RateDecision {
  const ahead = Math.max(0, s.tat - now);
  const room = Math.max(0, Math.floor((RATE_WINDOW_MS - ahead) / interval)) * perSlot;
  return {
    ok: true,
    limit,
    remaining: Math.min(limit, room + s.units),
    resetSeconds: Math.ceil(ahead / 1000),
    retryAfterSeconds: 0,
  };
}

function refused(limit: number, interval: number, tat: number, now: number): RateDecision {
  const ahead = Math.max(0, tat - now);
  return {
    ok: false,
    limit,
    remaining: 0,
    resetSeconds: Math.ceil(ahead / 1000),
    retryAfterSeconds: Math.max(1, Math.ceil((ahead + interval - RATE_WINDOW_MS) / 1000)),
  };
}
