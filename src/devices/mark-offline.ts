import { inTransaction, type Ctx } from "../context.js";
import { devices as repo } from "../store/repos/index.js";
import { emitEvent } from "../webhooks/index.js";
import { deviceStatusPayload } from "./presenters.js";

/**
 * Phones announced online that have not been seen for `onlineMs` (no call, no webhook, no stream
 * keepalive) are now offline: recorded once, whichever node gets there first, with a `device_status`
 * event in the same transaction. Returns how many went offline.
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
  for (const d of lapsed) {
    await inTransaction(ctx, async (tx) => {
      if (!(await repo.devices.setPresence(tx.db, d.id, ["online"], "offline", now))) return;
      n++;
      await emitEvent({
        ctx: tx,
        input: {
          locationId: d.location_id,
          event: "device_status",
          payload: deviceStatusPayload(d, "offline", now, input.onlineMs),
        },
      });
    });
  }
  return n;
}
