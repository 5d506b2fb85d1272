import type { Ctx } from "../context.js";
import type { Store } from "../store/types.js";
import type { Principal } from "./verify-access-token.js";

/**
 * Every node drops its cached tokens when this channel fires: a grant was revoked, a client disabled,
 * a member removed. Other domains (accounts) notify it by name, without importing this module.
 */
export const ACCESS_CHANGED_CHANNEL = "access_changed";

/** Upper bound of the cache lifetime (AUTH_CACHE_MS is validated against it). */
export const MAX_TOKEN_CACHE_MS = 5_000;
const MAX_ENTRIES = 10_000;

interface Entry {
  principal: Principal;
  /** Epoch ms (ctx.clock) after which the entry is ignored: cache lifetime or token expiry. */
  until: number;
}

/**
 * Verified access tokens of one store, by token hash, for a few seconds. Why it is safe:
 * - only positive answers are kept, never longer than the token lives;
 * - a revocation on this node clears it at once (`forgetAccessTokens`), and a lookup that was in
 *   flight across that clear is not stored (its answer may predate the revocation);
 * - other nodes clear theirs on the ACCESS_CHANGED_CHANNEL notification (PostgreSQL NOTIFY), and at
 *   worst after the cache lifetime (≤ 5 s) if that notification is lost.
 */
class TokenCache {
  readonly entries = new Map<string, Entry>();
  /** Bumped by every clear; a lookup stores its answer only if the epoch did not move meanwhile. */
  epoch = 0;
  listening = false;

  clear(): void {
    this.entries.clear();
    this.epoch++;
  }
}

const caches = new WeakMap<Store, TokenCache>();

function cacheOf(ctx: Ctx): TokenCache {
  let c = caches.get(ctx.store);
  if (!c) {
    c = new TokenCache();
    caches.set(ctx.store, c);
  }
  if (!c.listening) {
    c.listening = true;
    const cache = c;
    ctx.store
      .listen(ACCESS_CHANGED_CHANNEL, () => cache.clear())
      .catch((e: unknown) => {
        // Only a closed store refuses; entries still expire after the cache lifetime.
        cache.listening = false;
        ctx.log.warn({ err: e }, "token cache: cannot subscribe to access changes");
      });
  }
  return c;
}

/** The cached principal of a token hash, if any and still fresh. */
export function cachedPrincipal(ctx: Ctx, hash: string): Principal | undefined {
  const c = caches.get(ctx.store);
  const e = c?.entries.get(hash);
  if (!e) return undefined;
  if (e.until <= ctx.clock.now()) {
    c?.entries.delete(hash);
    return undefined;
  }
  return e.principal;
}

/** The current epoch, taken before a database lookup and handed back to `rememberPrincipal`. */
export function cacheEpoch(ctx: Ctx): number {
  return cacheOf(ctx).epoch;
}

export function rememberPrincipal(
  ctx: Ctx,
  input: { hash: string; principal: Principal; tokenExpiresAt: number; epoch: number; ttlMs: number },
): void {
  if (input.ttlMs <= 0) return;
  const c = cacheOf(ctx);
  if (c.epoch !== input.epoch) return;
  if (c.entries.size >= MAX_ENTRIES) {
    const oldest = c.entries.keys().next().value;
    if (oldest !== undefined) c.entries.delete(oldest);
  }
  const ttl = Math.min(input.ttlMs, MAX_TOKEN_CACHE_MS);
  c.entries.set(input.hash, {
    principal: input.principal,
    until: Math.min(ctx.clock.now() + ttl, input.tokenExpiresAt),
  });
}

/**
 * Call after committing anything that narrows what an access token may do (grant revoked, client
 * disabled): clears this node's cache at once and tells the other nodes. Never throws: the change is
 * already committed, and the other nodes' entries expire within the cache lifetime anyway.
 */
export async function forgetAccessTokens({ ctx }: { ctx: Ctx }): Promise<void> {
  caches.get(ctx.store)?.clear();
  try {
    await ctx.store.notify(ACCESS_CHANGED_CHANNEL, "");
  } catch (e) {
    ctx.log.warn({ err: e }, "token cache: could not tell other nodes about an access change");
  }
}
