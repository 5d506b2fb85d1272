import { documented, type Examples, type OperationDoc } from "./operation.js";

/**
 * The SMSGate phone protocol (src/gateway) in the public document, tagged "Phones": integrators never
 * call it (the stock Android app does), but operators debugging a phone and people writing another
 * client need it. Its route files keep SMSGate's own schemas; the documentation is merged in here by
 * the swagger transform (document.ts), keyed by method and URL.
 */
const BASE = "/api/mobile/v1";
const DEVICE = [{ deviceToken: [] }];
const AUTH_ERRORS = ["unauthorized", "internal_error", "storage_unavailable"] as const;
const BODY = ["invalid_request", "payload_too_large", "unsupported_media_type"] as const;
const OBJECT = { type: "object", additionalProperties: true } as const;

const MOBILE_MESSAGE = {
  id: "msg_01jd3k7m9x2b4c6d8f0g1h2j3k",
  message: "Your table is ready",
  textMessage: { text: "Your table is ready" },
  phoneNumbers: ["+14155552671"],
  withDeliveryReport: true,
  isEncrypted: false,
  priority: 0,
  validUntil: "2026-05-21T10:05:00.000Z",
  state: "Pending",
  createdAt: "2026-05-21T10:00:00.000Z",
};

function phoneOp(doc: Omit<OperationDoc, "tag" | "shape">): Record<string, unknown> {
  return documented({ ...doc, tag: "Phones", shape: "phone" });
}

const lease = (id: string) =>
  phoneOp({
    operationId: id,
    summary: "Fetch the messages this phone should send",
    description:
      "Leases the location's queued messages to this phone (SMSGate `MobileMessage` shape). A message stays with the phone that fetched it while it is online; `validUntil` is the end of that hold. `?order=lifo` for newest first.",
    security: DEVICE,
    ok: {
      description: "The messages to send, possibly none",
      schema: { type: "array", items: OBJECT },
      examples: { one: { summary: "One SMS to send", value: [MOBILE_MESSAGE] } },
    },
    errors: ["invalid_request", ...AUTH_ERRORS],
  });

const report = (id: string) =>
  phoneOp({
    operationId: id,
    summary: "Report the states of messages (Processed, Sent, Delivered, Failed)",
    description:
      "Per message and per recipient; a state that implies earlier ones records them too. Unknown ids are ignored.",
    security: DEVICE,
    ok: { status: 204, description: "Recorded" },
    errors: [...BODY, ...AUTH_ERRORS],
  });

const ingest = (id: string, summary: string) =>
  phoneOp({
    operationId: id,
    summary,
    description:
      "The URL `GET /webhooks` hands the phone. Signed: `X-Signature` is the hex HMAC-SHA256 of the raw body followed by `X-Timestamp`, keyed with the phone's `signing_key` from `GET /settings`; timestamps further off than INGEST_MAX_SKEW_SECONDS are refused. Answers 200 once the event is stored; a replayed envelope is 200 too (`duplicate: true`).",
    security: [{ phoneSignature: [], phoneTimestamp: [] }],
    ok: {
      description: "Stored (or already stored)",
      schema: OBJECT,
      examples: { stored: { summary: "An inbound SMS stored", value: { ok: true } } },
    },
    errors: [...BODY, ...AUTH_ERRORS],
  });

const SIM = { simNumber: 1, phoneNumber: "+14155550100", carrierName: "T-Mobile" };
const REPORT = [
  {
    id: "msg_01jd3k7m9x2b4c6d8f0g1h2j3k",
    state: "Sent",
    recipients: [{ phoneNumber: "+14155552671", state: "Sent" }],
    states: { Processed: "2026-05-21T10:00:01.000Z", Sent: "2026-05-21T10:00:04.000Z" },
  },
];
const RECEIVED = {
  id: "Ey6ECgOkVVFjz3CL48B8C",
  webhookId: "dev_01jd3k7m9x2b4c6d8f0g1h2j3k.sms-received",
  deviceId: "dev_01jd3k7m9x2b4c6d8f0g1h2j3k",
  event: "sms:received",
  payload: {
    messageId: "abc123",
    message: "Can I book for 4 tonight?",
    sender: "+14155552671",
    recipient: "+14155550100",
    simNumber: 1,
    receivedAt: "2026-05-21T10:00:00.000+00:00",
  },
};

/**
 * Request-body examples of the phone routes (their schemas stay in the route files), merged in by
 * the transform as the body's `x-examples`.
 */
export const PHONE_BODY_EXAMPLES: Record<string, Examples> = {
  [`POST ${BASE}/device`]: {
    register: {
      summary: "The app registering",
      value: { name: "samsung/a52qnsxx", pushToken: null, simCards: [SIM] },
    },
  },
  [`PATCH ${BASE}/device`]: {
    sims: { summary: "New SIM cards", value: { id: "dev_01jd3k7m9x2b4c6d8f0g1h2j3k", simCards: [SIM] } },
  },
  [`PATCH ${BASE}/message`]: { sent: { summary: "A message sent", value: REPORT } },
  [`PATCH ${BASE}/messages`]: { sent: { summary: "A message sent", value: REPORT } },
  [`POST ${BASE}/ingest/{deviceId}`]: { received: { summary: "An inbound SMS", value: RECEIVED } },
  [`POST ${BASE}/ingest`]: { received: { summary: "An inbound SMS", value: RECEIVED } },
};

/** `METHOD path` → the documentation of that phone route. */
export const PHONE_DOCS: Record<string, Record<string, unknown>> = {
  [`POST ${BASE}/device`]: phoneOp({
    operationId: "phoneRegister",
    summary: "Register a phone with a pairing token or code",
    description:
      "`Authorization: Bearer <pairing token>` (the QR code) or `Code <one-time code>`, both from the dashboard's pair page or `mycrmsim devices pair`. Failed attempts are throttled per address and, for codes, per instance (429 with `Retry-After`).",
    security: [{ pairingToken: [] }, { pairingCode: [] }],
    ok: {
      status: 201,
      description: "The phone's id, its device token and its login (the location)",
      schema: OBJECT,
      examples: {
        registered: {
          summary: "A new phone",
          value: {
            id: "dev_01jd3k7m9x2b4c6d8f0g1h2j3k",
            token: "dt_…",
            login: "loc_01jd3k7m9x2b4c6d8f0g1h2j3k",
          },
        },
      },
    },
    errors: [...BODY, "unauthorized", "rate_limited", "internal_error", "storage_unavailable"],
  }),
  [`GET ${BASE}/device`]: phoneOp({
    operationId: "phoneGetDevice",
    summary: "The phone's own record and its external IP address",
    description: "The token is optional: without one (or with an unknown one) only `externalIp` is answered.",
    security: [...DEVICE, {}],
    ok: {
      description: "The device (when the token is valid) and the address the server sees",
      schema: OBJECT,
      examples: { anonymous: { summary: "Without a token", value: { externalIp: "203.0.113.7" } } },
    },
    errors: ["invalid_request", "internal_error", "storage_unavailable"],
  }),
  [`PATCH ${BASE}/device`]: phoneOp({
    operationId: "phoneUpdateDevice",
    summary: "Update the phone's push token and SIM cards",
    security: DEVICE,
    ok: { status: 204, description: "Updated" },
    errors: [...BODY, "forbidden", ...AUTH_ERRORS],
  }),
  [`GET ${BASE}/message`]: lease("phoneLeaseMessages"),
  [`GET ${BASE}/messages`]: lease("phoneLeaseMessagesPlural"),
  [`PATCH ${BASE}/message`]: report("phoneReportStates"),
  [`PATCH ${BASE}/messages`]: report("phoneReportStatesPlural"),
  [`GET ${BASE}/webhooks`]: phoneOp({
    operationId: "phoneWebhooks",
    summary: "Where the phone posts its events (this server's ingest URL)",
    security: DEVICE,
    ok: {
      description: "One entry per event: `sms:received`, `sms:sent`, `sms:delivered`, `sms:failed`, …",
      schema: { type: "array", items: OBJECT },
      examples: {
        received: {
          summary: "The inbound SMS hook (one of several)",
          value: [
            {
              id: "dev_01jd3k7m9x2b4c6d8f0g1h2j3k.sms-received",
              deviceId: "dev_01jd3k7m9x2b4c6d8f0g1h2j3k",
              url: "https://sms.example.org/api/mobile/v1/ingest/dev_01jd3k7m9x2b4c6d8f0g1h2j3k",
              event: "sms:received",
            },
          ],
        },
      },
    },
    errors: AUTH_ERRORS,
  }),
  [`GET ${BASE}/settings`]: phoneOp({
    operationId: "phoneSettings",
    summary: "The phone's settings: pacing, webhook signing key, SSE-only notifications",
    security: DEVICE,
    ok: {
      description: "SMSGate's settings sections",
      schema: OBJECT,
      examples: {
        settings: {
          summary: "No pacing, SSE only",
          value: {
            messages: {
              limit_period: "Disabled",
              send_interval_min: null,
              send_interval_max: null,
              processing_order: "FIFO",
            },
            ping: { interval_seconds: 300 },
            logs: { lifetime_days: 7 },
            webhooks: { internet_required: true, retry_count: 14, signing_key: "…" },
            gateway: { notification_channel: "SSE_ONLY", private_token: "…" },
          },
        },
      },
    },
    errors: AUTH_ERRORS,
  }),
  [`GET ${BASE}/events`]: phoneOp({
    operationId: "phoneEvents",
    summary: "Server-Sent Events that wake the phone",
    description:
      "`text/event-stream`: `MessageEnqueued`, `MessageCancelled`, `SettingsUpdated`, `WebhooksUpdated`, `MessagesExportRequested`, and a keep-alive comment at least every 15 s. A phone on a stream counts as online.",
    security: DEVICE,
    ok: {
      description: "An endless event stream (`text/event-stream`)",
      schema: { type: "string" },
      mediaType: "text/event-stream",
      examples: { enqueued: { summary: "New work", value: "event: MessageEnqueued\ndata: {}\n\n" } },
    },
    errors: AUTH_ERRORS,
  }),
  [`POST ${BASE}/ingest/{deviceId}`]: ingest("phoneIngest", "Receive a signed event from a phone"),
  [`POST ${BASE}/ingest`]: ingest("phoneIngestBare", "Receive a signed event (device id in the envelope)"),
};
