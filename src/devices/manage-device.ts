import type { Ctx } from "../context.js";
import { AppError } from "../core/errors.js";
import { devices as repo } from "../store/repos/index.js";
import type { DeviceRow } from "../store/repos/devices.js";
import { type Pacing, presentDevice, type DeviceView } from "./presenters.js";

/** One device, only when it belongs to one of `locationIds` (else the same 404 as a missing one). */
export async function getDevice({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { deviceId: string; locationIds?: string[] };
}): Promise<DeviceRow> {
  const d = await repo.devices.byId(ctx.db, input.deviceId);
  if (!d || (input.locationIds && !input.locationIds.includes(d.location_id))) {
    throw new AppError("device_not_found", `No device ${input.deviceId}`);
  }
  return d;
}

const LIMIT = (name: string, v: number | null | undefined, max: number) => {
  if (v === null || v === undefined) return null;
  if (!Number.isInteger(v) || v < 1 || v > max) {
    throw new AppError("validation_failed", `${name}: must be a whole number from 1 to ${max}, or empty`, {
      details: { field: name },
    });
  }
  return v;
};

/**
 * Set a phone's pacing (per SIM: per minute/hour/day; seconds between sends). Omitted or null fields
 * mean "no limit". The phone hears of it through a SettingsUpdated event on `device_settings`.
 */
export async function updatePacing({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { deviceId: string; locationIds?: string[]; pacing: Partial<Pacing>; onlineMs: number };
}): Promise<DeviceView> {
  const d = await getDevice({ ctx, input });
  const p = input.pacing;
  const patch = {
    limit_per_minute: LIMIT("perMinute", p.perMinute, 10_000),
    limit_per_hour: LIMIT("perHour", p.perHour, 100_000),
    limit_per_day: LIMIT("perDay", p.perDay, 1_000_000),
    send_interval_min: LIMIT("sendIntervalMin", p.sendIntervalMin, 3600),
    send_interval_max: LIMIT("sendIntervalMax", p.sendIntervalMax, 3600),
  };
  if (
    patch.send_interval_min !== null &&
    patch.send_interval_max !== null &&
    patch.send_interval_max < patch.send_interval_min
  ) {
    throw new AppError("validation_failed", "sendIntervalMax: must not be below sendIntervalMin", {
      details: { field: "sendIntervalMax" },
    });
  }
  const now = ctx.clock.now();
  await repo.devices.update(ctx.db, d.id, { ...patch, updated_at: now });
  await ctx.store.notify("device_settings", d.id);
  return presentDevice({ ...d, ...patch, updated_at: now }, now, input.onlineMs);
}

/**
 * Unpair a phone. Its token stops working at once (the app gets 401 and cannot re-register); messages
 * it had on lease go back to the queue when the lease runs out.
 */
export async function removeDevice({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { deviceId: string; locationIds?: string[] };
}): Promise<{ removed: true }> {
  const d = await getDevice({ ctx, input });
  await repo.devices.remove(ctx.db, d.id);
  await ctx.store.notify("device_removed", d.id);
  return { removed: true };
}
