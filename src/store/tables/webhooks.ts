import type { Generated } from "kysely";

/** Webhook subscriptions, their delivery outbox (also the durable job store) and the attempt log. */
export interface WebhookSubscriptionsTable {
  id: string;
  /** The OAuth client that subscribed; together with location, event and URL it is the natural key. */
  client_id: string;
  /** The user and grant whose token made the subscription (for the record and the dashboard). */
  user_id: string;
  grant_id: string;
  location_id: string;
  event: string;
  target_url: string;
  /**
   * `whsec_…`. Kept readable, not hashed: every delivery is signed with it (HMAC needs the key itself),
   * and subscribing again must hand back the same one. Same reasoning as a phone's signing key.
   */
  secret: string;
  /** `active`, `disabled` (failing for too long; replay re-enables) or `removed` (unsubscribed, 410). */
  status: string;
  /** Why it is disabled or removed (`failing`, `gone`, `unsubscribed`). */
  status_reason: string | null;
  /** Start of the current run of failed attempts; null after a success. */
  failing_since: number | null;
  created_at: number;
  updated_at: number;
  disabled_at: number | null;
}

/** One event for one subscription: the outbox row, claimed by workers with a lease. */
export interface WebhookDeliveriesTable {
  /** `whd_…`, sent as `webhook-id`: the same on every retry and replay. */
  id: string;
  subscription_id: string;
  location_id: string;
  event: string;
  /** The JSON body, exactly as sent (and signed). */
  payload: string;
  /** `pending` (due at next_attempt_at, or leased), `delivered`, `failed` (gave up, or endpoint off). */
  status: string;
  /** Attempts made, ever (replays continue the count). */
  attempts: number;
  /** Position in the retry schedule; a replay starts it again. */
  retry_index: number;
  next_attempt_at: number | null;
  /** A worker's claim: until then no other worker takes the row; an expired lease is claimable again. */
  lease_until: number | null;
  lease_token: string | null;
  last_status_code: number | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
  delivered_at: number | null;
}

/** Every POST made, with what came back. */
export interface WebhookDeliveryAttemptsTable {
  id: Generated<number>;
  delivery_id: string;
  subscription_id: string;
  attempt: number;
  started_at: number;
  duration_ms: number;
  /** HTTP status, or null when no answer came (connect error, timeout, refused target). */
  status_code: number | null;
  error: string | null;
  /** The first 1 KiB of the answer. */
  response_body: string | null;
}

export interface WebhookTables {
  webhook_subscriptions: WebhookSubscriptionsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_delivery_attempts: WebhookDeliveryAttemptsTable;
}
