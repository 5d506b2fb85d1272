import type { Generated } from "kysely";

/** Phones (SMSGate app instances) bound to a location, their pairing tokens, and routing state. */
export interface DevicesTable {
  id: string;
  location_id: string;
  name: string;
  /** SHA-256 of the bearer token the app uses; the token itself is returned once at registration. */
  token_hash: string;
  push_token: string | null;
  /** JSON array of `{slotIndex, simNumber, phoneNumber?, carrierName?}` as the app reports them. */
  sim_cards: string;
  /**
   * Key the phone signs its webhooks with. Kept readable (not hashed) because the server must both
   * hand it to the phone in GET /settings and verify HMACs with it.
   */
  signing_key: string;
  /** Pacing per SIM; null means no limit for that window. */
  limit_per_minute: number | null;
  limit_per_hour: number | null;
  limit_per_day: number | null;
  /** Seconds the phone waits between two sends (SMSGate `send_interval_min/max`). */
  send_interval_min: number | null;
  send_interval_max: number | null;
  created_at: number;
  updated_at: number;
  last_seen_at: number | null;
  /** When the phone last registered (pairing or re-registration); its start-up fetches race this. */
  registered_at: number | null;
  /** Last GET /settings and GET /webhooks: before registered_at means the phone holds none yet. */
  settings_fetched_at: number | null;
  webhooks_fetched_at: number | null;
  /** An inbox export (`MessagesExportRequested`) owed to the phone, covering from this time to now. */
  export_since: number | null;
  /** The presence last announced to `device_status` subscribers: online, offline or unknown. */
  presence: Generated<string>;
  presence_at: number | null;
  /** From the app's User-Agent (`me.capcom.smsgateway/<version>`). */
  app_version: string | null;
  /** JSON of the last `system:ping` health report, reduced to what we show (see devices/health.ts). */
  health: string | null;
  health_at: number | null;
}

/** One-time pairing: a long token (QR code) and a short code, both hashed, single use, expiring. */
export interface DevicePairingsTable {
  id: string;
  location_id: string;
  token_hash: string;
  code_hash: string;
  created_by: string | null;
  created_at: number;
  expires_at: number;
  used_at: number | null;
  device_id: string | null;
}

/** The SIM a contact's thread last went out on, per location (keeps a conversation on one number). */
export interface DeviceThreadsTable {
  location_id: string;
  phone: string;
  device_id: string;
  sim_number: number;
  updated_at: number;
}

/** One row per message a phone took (acknowledged): what SIM pacing counts. */
export interface DeviceSendsTable {
  message_id: string;
  device_id: string;
  sim_number: number;
  at: number;
}

/** Webhook envelopes already processed from a phone (replays are answered 200 and ignored). */
export interface DeviceEventsTable {
  device_id: string;
  event_id: string;
  event: string;
  received_at: number;
}

export interface DeviceTables {
  devices: DevicesTable;
  device_pairings: DevicePairingsTable;
  device_threads: DeviceThreadsTable;
  device_sends: DeviceSendsTable;
  device_events: DeviceEventsTable;
}
