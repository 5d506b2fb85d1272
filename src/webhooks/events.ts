/** The events a subscription can ask for. */
export const WEBHOOK_EVENTS = ["new_message", "message_status", "device_status"] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

export function isWebhookEvent(v: string): v is WebhookEvent {
  return (WEBHOOK_EVENTS as readonly string[]).includes(v);
}

/** The notification channel that wakes delivery workers (PostgreSQL NOTIFY; in-process on SQLite). */
export const DELIVERY_CHANNEL = "webhook_deliveries";

/**
 * Who acts on subscriptions: an OAuth client on behalf of a user grant (the API's Principal has this
 * shape). Subscriptions belong to the client; the grant's locations bound what it can see and touch.
 */
export interface Owner {
  clientId: string;
  userId: string;
  grantId: string;
  locationIds: readonly string[];
}
