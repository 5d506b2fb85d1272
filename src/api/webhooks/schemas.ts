/** JSON schemas of the webhooks API (validation and OpenAPI; responses also speed up serialisation). */
import { WEBHOOK_EVENTS } from "../../webhooks/index.js";

const NULLABLE_STRING = { type: ["string", "null"] } as const;
const NULLABLE_INT = { type: ["integer", "null"] } as const;

/**
 * No `enum` on the request: an unknown event is the domain's 400 `invalid_event`, whose message lists
 * the events (a schema enum would answer a bare `invalid_request`). Responses carry the enum.
 */
export const EVENT = {
  type: "string",
  description:
    "One of `new_message` (an inbound SMS/MMS), `message_status` (an outbound message changed status) or `device_status` (a phone went `offline`, came back `online`, ran low on battery `battery_low`, or registered on the push-only channel `push_only`). Anything else: 400 `invalid_event`.",
  examples: ["new_message", "device_status"],
} as const;

export const SUBSCRIPTION = {
  type: "object",
  properties: {
    id: { type: "string", examples: ["wh_01jd3k7m9x2b4c6d8f0g1h2j3k"] },
    webhook_id: { type: "string", examples: ["wh_01jd3k7m9x2b4c6d8f0g1h2j3k"] },
    targetUrl: { type: "string" },
    event: { type: "string", enum: WEBHOOK_EVENTS },
    locationId: { type: "string" },
    status: {
      type: "string",
      enum: ["active", "disabled"],
      description: "`disabled` after failing for days; replay enables it again",
    },
    status_reason: NULLABLE_STRING,
    failing_since: NULLABLE_STRING,
    disabled_at: NULLABLE_STRING,
    created_at: { type: "string" },
    updated_at: { type: "string" },
  },
} as const;

export const SUBSCRIBED = {
  type: "object",
  properties: {
    ...SUBSCRIPTION.properties,
    secret: {
      type: "string",
      description: "Standard Webhooks signing secret (`whsec_…`): verify `webhook-signature` with it",
    },
  },
} as const;

export const SUBSCRIBE_BODY = {
  type: "object",
  properties: {
    targetUrl: { type: "string", minLength: 1, examples: ["https://hook.eu1.make.com/your-webhook-url"] },
    event: EVENT,
    locationId: { type: "string", minLength: 1, maxLength: 64, examples: ["loc_01jd3k7m9x2b4c6d8f0g1h2j3k"] },
  },
  required: ["targetUrl", "event", "locationId"],
} as const;

export const UNSUBSCRIBE_BODY = {
  type: "object",
  properties: {
    targetUrl: { type: "string" },
    webhookId: { type: "string", maxLength: 64, examples: ["wh_01jd3k7m9x2b4c6d8f0g1h2j3k"] },
    locationId: { type: "string", minLength: 1, maxLength: 64 },
  },
  required: ["locationId"],
} as const;

export const REPLAY_BODY = {
  type: "object",
  properties: {
    since: {
      type: "string",
      description: "ISO 8601 time: deliveries created since then that did not get through are sent again",
      examples: ["2026-05-21T10:00:00.000Z"],
    },
    includeDelivered: { type: "boolean", description: "Also send again the ones that were delivered" },
  },
  required: ["since"],
} as const;

export const ID_PARAMS = {
  type: "object",
  properties: { id: { type: "string", maxLength: 64 } },
  required: ["id"],
} as const;

export const DELIVERY = {
  type: "object",
  properties: {
    id: { type: "string", description: "Also the `webhook-id` header: the same on every retry" },
    event: { type: "string", enum: WEBHOOK_EVENTS },
    status: { type: "string", enum: ["pending", "delivered", "failed"] },
    attempts: { type: "integer" },
    next_attempt_at: NULLABLE_STRING,
    last_status_code: NULLABLE_INT,
    last_error: NULLABLE_STRING,
    created_at: { type: "string" },
    delivered_at: NULLABLE_STRING,
    payload: { type: "object", additionalProperties: true },
    attempt_log: {
      type: "array",
      items: {
        type: "object",
        properties: {
          attempt: { type: "integer" },
          started_at: { type: "string" },
          duration_ms: { type: "integer" },
          status_code: NULLABLE_INT,
          error: NULLABLE_STRING,
          response_body: NULLABLE_STRING,
        },
      },
    },
  },
} as const;

export const DELIVERIES_QUERY = {
  type: "object",
  properties: {
    cursor: { type: "string", maxLength: 64 },
    limit: { type: "integer", minimum: 1, maximum: 200 },
    status: { type: "string", enum: ["pending", "delivered", "failed"] },
  },
} as const;

const AT = "2026-05-21T10:00:00.000Z";

export const SUBSCRIPTION_EXAMPLE = {
  id: "wh_01jd3k7m9x2b4c6d8f0g1h2j3k",
  webhook_id: "wh_01jd3k7m9x2b4c6d8f0g1h2j3k",
  targetUrl: "https://hook.eu1.make.com/your-webhook-url",
  event: "new_message",
  locationId: "loc_01jd3k7m9x2b4c6d8f0g1h2j3k",
  status: "active",
  status_reason: null,
  failing_since: null,
  disabled_at: null,
  created_at: AT,
  updated_at: AT,
} as const;

export const SUBSCRIBED_EXAMPLE = {
  ...SUBSCRIPTION_EXAMPLE,
  secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
} as const;

export const SUBSCRIBE_EXAMPLES = {
  newMessage: {
    summary: "Inbound SMS/MMS of a location",
    value: {
      targetUrl: SUBSCRIPTION_EXAMPLE.targetUrl,
      event: "new_message",
      locationId: SUBSCRIPTION_EXAMPLE.locationId,
    },
  },
  deviceStatus: {
    summary: "A location's phones going offline, online, low on battery",
    value: {
      targetUrl: SUBSCRIPTION_EXAMPLE.targetUrl,
      event: "device_status",
      locationId: SUBSCRIPTION_EXAMPLE.locationId,
    },
  },
};

export const DELIVERY_EXAMPLE = {
  id: "whd_01jd3k7m9x2b4c6d8f0g1h2j3k",
  event: "new_message",
  status: "delivered",
  attempts: 1,
  next_attempt_at: null,
  last_status_code: 200,
  last_error: null,
  created_at: AT,
  delivered_at: "2026-05-21T10:00:00.184Z",
  payload: {
    event: "new_message",
    id: "msg_01jd3m2p4r6t8v0w2x4y6z8a0b",
    phone_number: "+14155552671",
    locationId: SUBSCRIPTION_EXAMPLE.locationId,
    message: "Can I book for 4 tonight?",
    created_at: AT,
    attachments: [],
  },
  attempt_log: [
    {
      attempt: 1,
      started_at: "2026-05-21T10:00:00.050Z",
      duration_ms: 134,
      status_code: 200,
      error: null,
      response_body: "ok",
    },
  ],
} as const;
