import type { Ctx } from "../context.js";
import type { Store } from "../store/types.js";
import { oauth } from "../store/repos/index.js";

/** "Last used" is shown to the minute: record it at most this often per grant. */
export const LAST_USED_EVERY_MS = 60_000;
const MAX_TRACKED = 10_000;

/** Per store: grant id → when this process last wrote (or tried to write) its last use. */
const written = new WeakMap<Store, Map<string, number>>();

/**
 * Note that a grant's access token was just accepted, for the Integrations and Admin pages' "Last
 * used". Off the request path: the write is not awaited and its failure only logged, so a busy database
 * never slows or fails an API call for this. A process writes a grant at most once a minute (memory),
 * and the UPDATE itself skips rows written within the minute, so several nodes add little.
 */
export function noteGrantUse(ctx: Ctx, grantId: string): void {
  let seen = written.get(ctx.store);
  if (!seen) {
    seen = new Map();
    written.set(ctx.store, seen);
  }
  const now = ctx.clock.now();
  const last = seen.get(grantId);
  if (last !== undefined && now - last < LAST_USED_EVERY_MS) return;
  if (seen.size >= MAX_TRACKED) seen.clear();
  seen.set(grantId, now);
  // The store itself, never a caller's transaction: this write outlives the request.
  oauth.grants.touchLastUsed(ctx.store.db, grantId, now, LAST_USED_EVERY_MS).catch((e: unknown) => {
    ctx.log.debug({ err: e, grantId }, "could not record the grant's last use");
  });
}
