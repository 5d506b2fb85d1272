import type { Generated } from "kysely";

/** Messages (both directions), their status history, and POST /messages idempotency records. */
export interface MessagesTable {
  id: string;
  location_id: string;
  /** The OAuth client that sent it (outbound via the API); null for inbound and dashboard sends. */
  client_id: string | null;
  /** `outbound` or `inbound`. */
  direction: string;
  /** E.164: the recipient (outbound) or the sender (inbound). */
  phone: string;
  body: string | null;
  /** JSON array of http(s) URLs (MMS). */
  attachments: string;
  segments: number;
  /** `GSM-7` or `UCS-2`. */
  encoding: string;
  /** queued, dispatched, sent, delivered, failed, expired (outbound); received (inbound). */
  status: string;
  error: string | null;
  device_id: string | null;
  sim_number: number | null;
  /** Until when the phone that fetched it holds it (status stays queued until the phone acknowledges). */
  lease_until: number | null;
  dispatch_attempts: number;
  expires_at: number | null;
  /** Inbound: the phone's event key, unique per location, so a re-delivered SMS is stored once. */
  dedupe_key: string | null;
  created_at: number;
  updated_at: number;
  sent_at: number | null;
  delivered_at: number | null;
  failed_at: number | null;
}

export interface MessageEventsTable {
  message_id: string;
  seq: number;
  status: string;
  error: string | null;
  /** `api`, `phone`, `system`. */
  source: string;
  device_id: string | null;
  at: number;
}

export interface IdempotencyKeysTable {
  client_id: string;
  /**
   * The connection (OAuth grant) that used the key: keys are scoped per client and connection, so
   * tenants of one shared client neither collide nor learn each other's keys. '' for a sender with
   * no connection (client-wide scope).
   */
  grant_id: Generated<string>;
  key: string;
  /** SHA-256 of the canonical request body: the same key with another body is 422. */
  request_hash: string;
  status_code: number | null;
  response: string | null;
  message_id: string | null;
  created_at: number;
  expires_at: number;
}

export interface MessageTables {
  messages: MessagesTable;
  message_events: MessageEventsTable;
  idempotency_keys: IdempotencyKeysTable;
}
