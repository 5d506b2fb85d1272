import type { Ctx } from "../context.js";
import { devices as repo } from "../store/repos/index.js";
import { type DeviceView, presentDevice } from "./presenters.js";

/** Phones of some locations (all when `locationIds` is omitted), with online status and queue depth. */
export async function listDevices({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { locationIds?: string[]; onlineMs: number };
}): Promise<(DeviceView & { queueDepth: number })[]> {
  const rows = input.locationIds
    ? await repo.devices.listByLocations(ctx.db, input.locationIds)
    : await repo.devices.listAll(ctx.db);
  const depth = await repo.queue.depth(ctx.db, [...new Set(rows.map((r) => r.location_id))]);
  const now = ctx.clock.now();
  return rows.map((r) => ({
    ...presentDevice(r, now, input.onlineMs),
    queueDepth: depth.get(r.location_id) ?? 0,
  }));
}

export interface LocationPresence {
  online: number;
  offline: number;
  /** Outbound messages waiting for a phone of this location. */
  queued: number;
  devices: { id: string; name: string; online: boolean; lastSeenAt: string | null }[];
}

/**
 * Phones online/offline and queued messages per location (for GET /api/v1/locations). Every location
 * asked for is in the result, with zero phones when it has none.
 */
export async function devicePresence({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { locationIds: string[]; onlineMs?: number };
}): Promise<Record<string, LocationPresence>> {
  const onlineMs = input.onlineMs ?? 90_000;
  const rows = await repo.devices.listByLocations(ctx.db, input.locationIds);
  const depth = await repo.queue.depth(ctx.db, input.locationIds);
  const now = ctx.clock.now();
  const out: Record<string, LocationPresence> = {};
  for (const id of input.locationIds)
    out[id] = { online: 0, offline: 0, queued: depth.get(id) ?? 0, devices: [] };
  for (const r of rows) {
    const v = presentDevice(r, now, onlineMs);
    const p = out[r.location_id];
    if (!p) continue;
    if (v.online) p.online++;
    else p.offline++;
    p.devices.push({ id: v.id, name: v.name, online: v.online, lastSeenAt: v.lastSeenAt });
  }
  return out;
}
