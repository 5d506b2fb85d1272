import type { Ctx } from "../context.js";
import { sha256Hex } from "../core/crypto.js";
import { AppError } from "../core/errors.js";
import { devices as repo } from "../store/repos/index.js";
import type { DeviceRow } from "../store/repos/devices.js";
import { noteContact } from "./note-contact.js";

/**
 * The phone behind a device token, with the sighting recorded (see noteContact). Unknown tokens are
 * 401, which is what makes the SMSGate app re-register.
 */
export async function authenticateDevice({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { token: string; onlineMs: number; userAgent?: string };
}): Promise<DeviceRow> {
  const device = await repo.devices.byTokenHash(ctx.db, sha256Hex(input.token));
  if (!device) throw new AppError("unauthorized", "Unknown device token; register the device again");
  await noteContact({ ctx, input: { device, onlineMs: input.onlineMs, userAgent: input.userAgent } });
  return device;
}
