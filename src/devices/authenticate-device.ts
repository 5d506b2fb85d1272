import type { Ctx } from "../context.js";
import { sha256Hex } from "../core/crypto.js";
import { AppError } from "../core/errors.js";
import { devices as repo } from "../store/repos/index.js";
import type { DeviceRow } from "../store/repos/devices.js";

/** Sightings closer together than this are not written again (one write per phone per few seconds). */
const TOUCH_GAP_MS = 5_000;

/**
 * The phone behind a device token, with its last_seen updated. Unknown tokens are 401, which is
 * what makes the SMSGate app re-register.
 */
export async function authenticateDevice({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { token: string };
}): Promise<DeviceRow> {
  const device = await repo.devices.byTokenHash(ctx.db, sha256Hex(input.token));
  if (!device) throw new AppError("unauthorized", "Unknown device token; register the device again");
  const now = ctx.clock.now();
  if (device.last_seen_at === null || Number(device.last_seen_at) < now - TOUCH_GAP_MS) {
    await repo.devices.touch(ctx.db, [device.id], now, TOUCH_GAP_MS);
    device.last_seen_at = now;
  }
  return device;
}
