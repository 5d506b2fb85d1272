import type { Ctx } from "../context.js";
import { devices as repo } from "../store/repos/index.js";
import { markOfflinePhones } from "./mark-offline.js";
import { transitionMessage } from "./messages-port.js";

/**
 * Background work for the queue: queued messages past their deadline become `expired` (through
 * transitionMessage, so subscribers hear of it), messages held by a phone that is gone go back to the
 * queue and the phones of those locations are woken so another one picks the work up, and phones
 * unseen for `onlineMs` are announced offline. Returns true when a full batch was
 * processed (run again at once).
 */
export async function maintainQueue({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { ttlMs: number; onlineMs: number; batch?: number };
}): Promise<{ expired: number; released: string[]; offline: number; more: boolean }> {
  const batch = input.batch ?? 200;
  const now = ctx.clock.now();
  const overdue = await repo.queue.overdue(ctx.db, now, input.ttlMs, batch);
  for (const id of overdue) {
    await ctx.store.transaction((tx) =>
      transitionMessage({
        ctx: { ...ctx, db: tx },
        input: {
          messageId: id,
          status: "expired",
          error: "Not sent before its deadline",
          at: now,
          source: "system",
        },
      }),
    );
  }
  const released = await repo.queue.releaseLapsed(ctx.db, now, input.onlineMs);
  const offline = await markOfflinePhones({ ctx, input: { onlineMs: input.onlineMs, batch } });
  for (const locationId of released) await ctx.store.notify("message_enqueued", locationId);
  // Pacing only looks back one day; de-dup records for phone webhooks are kept a week.
  await repo.sends.removeOlderThan(ctx.db, now - 2 * 86_400_000);
  await repo.events.removeOlderThan(ctx.db, now - 7 * 86_400_000);
  await repo.pairings.removeExpired(ctx.db, now - 86_400_000);
  return { expired: overdue.length, released, offline, more: overdue.length >= batch || offline >= batch };
}
