import type { Ctx } from "../../context.js";
import { devicePresence } from "../../devices/index.js";
import type { AppDeps } from "../../http/deps.js";
import type { ApiLocation } from "./presenters.js";

/**
 * Adds `phones: {total, online}` and `queued` to each location of /me and /locations, so an
 * integration can tell "no phone online" apart from "sending" before it sends. Two queries for all
 * the locations of an answer, whatever their number.
 */
export async function phonePresence(locations: ApiLocation[], ctx: Ctx, deps: AppDeps): Promise<void> {
  const presence = await devicePresence({
    ctx,
    input: {
      locationIds: locations.map((l) => l.id),
      onlineMs: deps.config.deviceOnlineSeconds * 1000,
    },
  });
  for (const l of locations) {
    const p = presence[l.id];
    l.phones = { total: (p?.online ?? 0) + (p?.offline ?? 0), online: p?.online ?? 0 };
    l.queued = p?.queued ?? 0;
  }
}
