import type { DeviceRow } from "../store/repos/devices.js";

/**
 * How many more messages each SIM of a phone may take now: the tightest of its per-minute, per-hour
 * and per-day limits, counting what the phone took (acknowledged) in each window plus what it holds
 * on lease. Infinity when the phone has no limits.
 */
export function remainingBySim(
  device: DeviceRow,
  sims: number[],
  taken: Map<number, { minute: number; hour: number; day: number }>,
  leased: Map<number, number>,
): Map<number, number> {
  const out = new Map<number, number>();
  for (const sim of sims) {
    const t = taken.get(sim) ?? { minute: 0, hour: 0, day: 0 };
    const l = leased.get(sim) ?? 0;
    let left = Number.POSITIVE_INFINITY;
    if (device.limit_per_minute !== null) left = Math.min(left, device.limit_per_minute - t.minute - l);
    if (device.limit_per_hour !== null) left = Math.min(left, device.limit_per_hour - t.hour - l);
    if (device.limit_per_day !== null) left = Math.min(left, device.limit_per_day - t.day - l);
    out.set(sim, Math.max(0, left));
  }
  return out;
}
