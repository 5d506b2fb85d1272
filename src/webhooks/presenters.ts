import { isoOrNull } from "../core/clock.js";
import type { AttemptRow, DeliveryRow, SubscriptionRow } from "../store/repos/webhooks.js";

export interface SubscriptionView {
  id: string;
  webhook_id: string;
  targetUrl: string;
  event: string;
  locationId: string;
  /** `active`, or `disabled` after failing for days (replay re-enables it). */
  status: string;
  status_reason: string | null;
  failing_since: string | null;
  disabled_at: string | null;
  created_at: string;
  updated_at: string;
}

/** A subscription without its secret (shown only by subscribe). */
export function presentSubscription(s: SubscriptionRow): SubscriptionView {
  return {
    id: s.id,
    webhook_id: s.id,
    targetUrl: s.target_url,
    event: s.event,
    locationId: s.location_id,
    status: s.status,
    status_reason: s.status_reason,
    failing_since: isoOrNull(s.failing_since),
    disabled_at: isoOrNull(s.disabled_at),
    created_at: isoOrNull(s.created_at) ?? "",
    updated_at: isoOrNull(s.updated_at) ?? "",
  };
}

export interface AttemptView {
  attempt: number;
  started_at: string;
  duration_ms: number;
  status_code: number | null;
  error: string | null;
  response_body: string | null;
}

export interface DeliveryView {
  id: string;
  event: string;
  /** `pending` (waiting or in flight), `delivered`, or `failed` (gave up or endpoint off). */
  status: string;
  attempts: number;
  next_attempt_at: string | null;
  last_status_code: number | null;
  last_error: string | null;
  created_at: string;
  delivered_at: string | null;
  payload: unknown;
  attempt_log: AttemptView[];
}

export function presentDelivery(d: DeliveryRow, log: AttemptRow[]): DeliveryView {
  let payload: unknown;
  try {
    payload = JSON.parse(d.payload);
  } catch {
    payload = d.payload;
  }
  return {
    id: d.id,
    event: d.event,
    status: d.status,
    attempts: Number(d.attempts),
    next_attempt_at: d.status === "pending" ? isoOrNull(d.next_attempt_at) : null,
    last_status_code: d.last_status_code,
    last_error: d.last_error,
    created_at: isoOrNull(d.created_at) ?? "",
    delivered_at: isoOrNull(d.delivered_at),
    payload,
    attempt_log: log.map((a) => ({
      attempt: Number(a.attempt),
      started_at: isoOrNull(a.started_at) ?? "",
      duration_ms: Number(a.duration_ms),
      status_code: a.status_code,
      error: a.error,
      response_body: a.response_body,
    })),
  };
}
