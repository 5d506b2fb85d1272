import { inTransaction, type Ctx } from "../context.js";
import { AppError } from "../core/errors.js";
import type { DeviceRow } from "../store/repos/devices.js";
import { devices as repo } from "../store/repos/index.js";
import { announcePushOnly } from "./announce-status.js";
import type { SimCard } from "./presenters.js";

/** PATCH /device: the app reports its push token and SIM cards. Only for the caller's own id. */
export async function updateDevice({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { device: DeviceRow; id: string; pushToken?: string | null; simCards?: SimCard[] };
}): Promise<void> {
  if (input.id !== input.device.id) throw new AppError("forbidden", "That is not this device's id");
  const pushToken = input.pushToken ?? null;
  await inTransaction(ctx, async (tx) => {
    await repo.devices.update(tx.db, input.device.id, {
      push_token: pushToken,
      ...(input.simCards ? { sim_cards: JSON.stringify(input.simCards) } : {}),
      updated_at: tx.clock.now(),
    });
    await announcePushOnly(tx, { ...input.device, push_token: pushToken }, !!input.device.push_token);
  });
}
