import type { DeviceRow } from "../store/repos/devices.js";
import { reregistrationToken } from "./tokens.js";

/** The webhook events each phone posts to our ingest endpoint. */
export const PHONE_EVENTS = [
  "sms:received",
  "sms:sent",
  "sms:delivered",
  "sms:failed",
  "mms:downloaded",
  "system:ping",
] as const;

/** Where a phone posts its signed webhooks: the dispatch host, one path per device. */
export function ingestUrl(dispatchUrl: string, deviceId: string): string {
  return `${dispatchUrl}/api/mobile/v1/ingest/${deviceId}`;
}

/** GET /webhooks: our own ingest URL for every event we consume. */
export function deviceWebhooks(device: DeviceRow, dispatchUrl: string) {
  return PHONE_EVENTS.map((event) => ({
    id: `${device.id}.${event.replace(":", "-")}`,
    deviceId: device.id,
    url: ingestUrl(dispatchUrl, device.id),
    event,
  }));
}

/**
 * Attempts the app makes to post each webhook, 5 s × 2^(n−1) apart: 14 span about 22 h, so a server
 * or proxy outage of about a day loses no inbound SMS (the app drops an event after its last try).
 */
export const WEBHOOK_RETRY_COUNT = 14;

/** How often the app posts `system:ping` (battery, connection, failed sends) and pulls. */
export const PING_INTERVAL_SECONDS = 300;

/**
 * GET /settings in SMSGate's snake_case sections. Pacing: the phone enforces one limit window, so it
 * gets the tightest we have (per minute, else hour, else day); the server enforces all three. The
 * gateway section keeps the phone on SSE (no Firebase) and hands it its re-registration token. It never
 * carries `cloud_url`: that would point the phone at someone else's server.
 */
export function deviceSettings(device: DeviceRow, secret: string) {
  const limit =
    device.limit_per_minute !== null
      ? { limit_period: "PerMinute", limit_value: device.limit_per_minute }
      : device.limit_per_hour !== null
        ? { limit_period: "PerHour", limit_value: device.limit_per_hour }
        : device.limit_per_day !== null
          ? { limit_period: "PerDay", limit_value: device.limit_per_day }
          : { limit_period: "Disabled" };
  return {
    messages: {
      ...limit,
      // Explicit nulls: the app resets a key sent as null, but keeps its old value for a missing key,
      // so a send interval cleared on the dashboard would stay on the phone.
      send_interval_min: device.send_interval_min,
      send_interval_max: device.send_interval_max,
      processing_order: "FIFO",
    },
    ping: { interval_seconds: PING_INTERVAL_SECONDS },
    logs: { lifetime_days: 7 },
    webhooks: { internet_required: true, retry_count: WEBHOOK_RETRY_COUNT, signing_key: device.signing_key },
    gateway: { notification_channel: "SSE_ONLY", private_token: reregistrationToken(secret, device.id) },
  };
}
