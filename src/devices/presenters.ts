import type { DeviceRow } from "../store/repos/devices.js";

export interface SimCard {
  slotIndex?: number;
  simNumber: number;
  phoneNumber?: string;
  carrierName?: string;
}

export interface Pacing {
  perMinute: number | null;
  perHour: number | null;
  perDay: number | null;
  sendIntervalMin: number | null;
  sendIntervalMax: number | null;
}

export interface DeviceView {
  id: string;
  locationId: string;
  name: string;
  simCards: SimCard[];
  pacing: Pacing;
  online: boolean;
  lastSeenAt: string | null;
  createdAt: string;
}

export function parseSims(raw: string): SimCard[] {
  try {
    const v = JSON.parse(raw) as unknown;
    return Array.isArray(v) ? (v as SimCard[]).filter((s) => Number.isInteger(s?.simNumber)) : [];
  } catch {
    return [];
  }
}

/** The SIM numbers a phone can send on; a phone that reported none uses its default SIM (1). */
export function simNumbers(d: DeviceRow): number[] {
  const nums = [...new Set(parseSims(d.sim_cards).map((s) => s.simNumber))].sort((a, b) => a - b);
  return nums.length > 0 ? nums : [1];
}

export function isOnline(d: DeviceRow, now: number, onlineMs: number, streaming?: boolean): boolean {
  if (streaming) return true;
  return d.last_seen_at !== null && Number(d.last_seen_at) > now - onlineMs;
}

export function presentDevice(d: DeviceRow, now: number, onlineMs: number): DeviceView {
  return {
    id: d.id,
    locationId: d.location_id,
    name: d.name,
    simCards: parseSims(d.sim_cards),
    pacing: {
      perMinute: d.limit_per_minute,
      perHour: d.limit_per_hour,
      perDay: d.limit_per_day,
      sendIntervalMin: d.send_interval_min,
      sendIntervalMax: d.send_interval_max,
    },
    online: isOnline(d, now, onlineMs),
    lastSeenAt: d.last_seen_at === null ? null : new Date(Number(d.last_seen_at)).toISOString(),
    createdAt: new Date(Number(d.created_at)).toISOString(),
  };
}
