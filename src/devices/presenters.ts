import type { DeviceRow } from "../store/repos/devices.js";
import { isBatteryLow, isOutdatedApp, type PhoneHealth, readHealth } from "./health.js";

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
  /** From the app's User-Agent; null until the phone has called with it. */
  appVersion: string | null;
  /** Older than the first version with the SSE-only channel (MIN_APP_VERSION). */
  appOutdated: boolean;
  /**
   * Registered with a Firebase push token: the app is on its default "Auto" notification channel,
   * opens no event stream and is woken only by its 15-minute poll. Fix: SSE only, restart the app.
   */
  pushOnly: boolean;
  /** Last `system:ping` health report, and when it came. */
  health: PhoneHealth | null;
  healthAt: string | null;
  batteryLow: boolean;
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
    appVersion: d.app_version,
    appOutdated: isOutdatedApp(d.app_version),
    pushOnly: d.push_token !== null && d.push_token !== "",
    health: readHealth(d.health),
    healthAt: d.health_at === null ? null : new Date(Number(d.health_at)).toISOString(),
    batteryLow: isBatteryLow(readHealth(d.health)),
  };
}

export type DeviceStatus = "online" | "offline" | "battery_low" | "push_only";

/**
 * The `device_status` webhook payload (CONTRACT.md: `event, deviceId, locationId, status, battery,
 * charging, updated_at`, plus the phone's `name` and `last_seen_at` so a subscriber can say which
 * phone and since when): one event per change a subscriber should act on (a phone went offline or
 * came back, its battery ran low, or it registered on the push-only channel). `battery` is the last
 * reported level in percent and `charging` whether it was charging; both null before any report.
 */
export function deviceStatusPayload(d: DeviceRow, status: DeviceStatus, at: number): Record<string, unknown> {
  const health = readHealth(d.health);
  return {
    event: "device_status",
    deviceId: d.id,
    locationId: d.location_id,
    status,
    battery: health?.batteryLevel ?? null,
    charging: health?.charging ?? null,
    updated_at: new Date(at).toISOString(),
    name: d.name,
    last_seen_at: d.last_seen_at === null ? null : new Date(Number(d.last_seen_at)).toISOString(),
  };
}
