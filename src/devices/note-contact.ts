import { inTransaction, type Ctx } from "../context.js";
import type { DeviceRow } from "../store/repos/devices.js";
import { devices as repo } from "../store/repos/index.js";
import { appVersionFrom } from "./health.js";
import { announceDeviceStatus } from "./announce-status.js";

/**
 * An inbox export after a gap starts this long before the phone was last seen: SMS that arrived just
 * before the phone went quiet may not have been posted yet (the app queues its webhooks).
 */
export const EXPORT_MARGIN_MS = 60_000;

/** Sightings closer together than this are not written again (one write per phone per few seconds). */
export function touchGapMs(onlineMs: number): number {
  return Math.min(5_000, Math.floor(onlineMs / 3));
}

/**
 * A phone made an authenticated call (or posted a signed webhook). Records the sighting and its app
 * version, and what the gap before it means:
 * - back after more than `onlineMs` unseen: an inbox export is owed from before the gap, so SMS the
 *   phone received but never posted (app stopped, retries exhausted) are asked for again;
 * - not announced online yet: it is now, and `device_status` subscribers hear of it.
 * Mutates `device` to what was written.
 */
export async function noteContact({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { device: DeviceRow; onlineMs: number; userAgent?: string };
}): Promise<void> {
  const { device, onlineMs } = input;
  const now = ctx.clock.now();
  const prev = device.last_seen_at === null ? null : Number(device.last_seen_at);
  if (prev === null || prev < now - touchGapMs(onlineMs)) {
    await repo.devices.touch(ctx.db, [device.id], now, touchGapMs(onlineMs));
    device.last_seen_at = now;
  }
  const version = appVersionFrom(input.userAgent);
  if (version && version !== device.app_version) {
    await repo.devices.update(ctx.db, device.id, { app_version: version });
    device.app_version = version;
  }
  if (prev !== null && now - prev > onlineMs) {
    const since = prev - EXPORT_MARGIN_MS;
    await repo.devices.oweExport(ctx.db, device.id, since);
    if (device.export_since === null || Number(device.export_since) > since) device.export_since = since;
  }
  if (device.presence !== "online") {
    await inTransaction(ctx, async (tx) => {
      if (!(await repo.devices.setPresence(tx.db, device.id, ["offline", "unknown"], "online", now))) return;
      device.presence = "online";
      await announceDeviceStatus(tx, device, "online");
    });
  }
}
