/**
 * Webhooks: subscriptions (owned by an OAuth client, bounded by its grant's locations), the
 * transactional outbox (`emitEvent`), Standard Webhooks signing, and durable delivery with retries,
 * per-endpoint fairness, 410 removal, auto-disable and replay.
 */
export { type AttemptResult, attemptDelivery, type Poster } from "./attempt-delivery.js";
export { emitEvent } from "./emit-event.js";
export { DELIVERY_CHANNEL, isWebhookEvent, type Owner, WEBHOOK_EVENTS, type WebhookEvent } from "./events.js";
export { listDeliveries } from "./list-deliveries.js";
export {
  deleteSubscription,
  getSubscription,
  listSubscriptions,
  unsubscribe,
} from "./manage-subscriptions.js";
export { type WebhookOptions, webhookOptions } from "./options.js";
export { removeOldDeliveries } from "./purge-deliveries.js";
export type { DeliveryView, SubscriptionView } from "./presenters.js";
export { replayDeliveries } from "./replay.js";
export { decide, retryAfterMs } from "./retry-policy.js";
export { newSecret, signedHeaders } from "./sign.js";
export { MAX_URL_LENGTH, subscribe } from "./subscribe.js";
export { createDeliveryWorker, type DeliveryWorker } from "./worker.js";
