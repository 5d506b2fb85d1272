import { inTransaction, type Ctx } from "../context.js";
import { devices as repo } from "../store/repos/index.js";
import { announceDeviceStatus } from "./announce-status.js";

/**
 * Phones announced online that have not been seen for `onlineMs` (no call, no webhook, no stream
 * keepalive) are now offline: recorded once, whichever node gets there first, with a `device_status`
 * event in the same transaction, and the other phones of its location are woken for the messages
 * that were waiting for it. Returns how many went offline.
 */
export async function markOfflinePhones({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { onlineMs: number; batch?: number };
}): Promise<number> {
  const now = ctx.clock.now();
  const lapsed = await repo.devices.lapsedOnline(ctx.db, now, input.onlineMs, input.batch ?? 200);
  let n = 0;
  const wake = new Set<string>();
  for (const d of lapsed) {
    await inTransaction(ctx, async (tx) => {
      if (!(await repo.devices.setPresence(tx.db, d.id, ["online"], "offline", now))) return;
      n++;
      wake.add(d.location_id);
      await announceDeviceStatus(tx, d, "offline");
    });
  }
  // Contacts whose thread was on this phone waited for it while it was online; the location's other
  // phones may take them now, but nothing else would wake them before their next poll.
  for (const locationId of wake) {
    if (await repo.queue.hasUnheld(ctx.db, locationId, now))
      await ctx.store.notify("message_enqueued", locationId);
  }
  return n;
}
