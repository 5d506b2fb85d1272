import type { Ctx } from "../context.js";
import type { DeviceRow } from "../store/repos/devices.js";
import { emitEvent } from "../webhooks/index.js";
import { type DeviceStatus, deviceStatusPayload } from "./presenters.js";

/**
 * Queue a `device_status` event for the phone's location, in the caller's transaction (so it is sent
 * exactly when the change it reports is committed).
 */
export async function announceDeviceStatus(ctx: Ctx, device: DeviceRow, status: DeviceStatus): Promise<void> {
  await emitEvent({
    ctx,
    input: {
      locationId: device.location_id,
      event: "device_status",
      payload: deviceStatusPayload(device, status, ctx.clock.now()),
    },
  });
}

/**
 * A phone registered (or updated) with a Firebase push token: the app is on its default "Auto"
 * channel, opens no event stream and is woken only by its 15-minute poll. Said once, when the token
 * appears, so the owner can switch it to "SSE only" and restart the app.
 */
export async function announcePushOnly(ctx: Ctx, device: DeviceRow, hadToken: boolean): Promise<void> {
  if (hadToken || !device.push_token) return;
  await announceDeviceStatus(ctx, device, "push_only");
}
