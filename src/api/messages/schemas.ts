/** JSON schemas of the messages API (validation and OpenAPI); responses also speed up serialisation. */

const NULLABLE_STRING = { type: ["string", "null"] } as const;
const LOC = "loc_01jd3k7m9x2b4c6d8f0g1h2j3k";

export const MESSAGE = {
  type: "object",
  properties: {
    id: { type: "string", examples: ["msg_01jd3k7m9x2b4c6d8f0g1h2j3k"] },
    phone: { type: "string", examples: ["+14155552671"] },
    locationId: { type: "string" },
    message: NULLABLE_STRING,
    status: {
      type: "string",
      enum: ["queued", "dispatched", "sent", "delivered", "failed", "expired", "received"],
    },
    sent_at: NULLABLE_STRING,
    segments: { type: "integer" },
    encoding: { type: "string", enum: ["GSM-7", "UCS-2"] },
    direction: { type: "string", enum: ["outbound", "inbound"] },
    attachments: { type: "array", items: { type: "string" } },
    error: NULLABLE_STRING,
    created_at: { type: "string" },
    updated_at: { type: "string" },
    delivered_at: NULLABLE_STRING,
    failed_at: NULLABLE_STRING,
  },
} as const;

export const MESSAGE_WITH_HISTORY = {
  type: "object",
  properties: {
    ...MESSAGE.properties,
    history: {
      type: "array",
      items: {
        type: "object",
        properties: {
          status: { type: "string" },
          at: { type: "string" },
          error: NULLABLE_STRING,
          source: { type: "string" },
        },
      },
    },
  },
} as const;

export const SEND_BODY = {
  type: "object",
  required: ["phone", "locationId"],
  properties: {
    phone: { type: "string", maxLength: 32, description: "Recipient in E.164, e.g. +14155552671" },
    locationId: {
      type: "string",
      maxLength: 64,
      description: "A location the connection may use (`GET /api/v1/locations`)",
    },
    message: {
      type: "string",
      description: "Text, at most 1600 characters; optional when attachments are given",
    },
    attachments: {
      type: "array",
      items: { type: "string", maxLength: 2048 },
      description: "http(s) URLs of media to send as MMS",
    },
  },
} as const;

export const SEND_HEADERS = {
  type: "object",
  properties: {
    "idempotency-key": {
      type: "string",
      maxLength: 255,
      // Printable ASCII without spaces; surrounding blanks are trimmed, and an empty or blank value counts as
      // no key at all (integrations such as Make send the header empty when the field is left blank).
      pattern: "^[ \\t]*[\\x21-\\x7e]*[ \\t]*$",
      examples: ["order-1234"],
      description:
        "Retrying with the same key returns the first answer and never sends twice (24 h). Keys belong to the OAuth client and connection (the user's grant): another tenant of the same client never collides with yours. An empty or blank value is treated as no key",
    },
  },
} as const;

export const LIST_QUERY = {
  type: "object",
  properties: {
    locationId: { type: "string", maxLength: 64, examples: [LOC] },
    direction: { type: "string", enum: ["outbound", "inbound"], examples: ["inbound"] },
    status: { type: "string", maxLength: 16 },
    since: { type: "string", maxLength: 40, description: "ISO 8601 time or epoch milliseconds" },
    cursor: { type: "string", maxLength: 64 },
    limit: { type: "integer", minimum: 1, maximum: 200, default: 50 },
  },
  additionalProperties: false,
} as const;

/** A message as the API answers it, for examples. */
export const MESSAGE_EXAMPLE = {
  id: "msg_01jd3k7m9x2b4c6d8f0g1h2j3k",
  phone: "+14155552671",
  locationId: LOC,
  message: "Your table is ready",
  status: "queued",
  sent_at: null,
  segments: 1,
  encoding: "GSM-7",
  direction: "outbound",
  attachments: [],
  error: null,
  created_at: "2026-05-21T10:00:00.000Z",
  updated_at: "2026-05-21T10:00:00.000Z",
  delivered_at: null,
  failed_at: null,
} as const;

export const INBOUND_EXAMPLE = {
  ...MESSAGE_EXAMPLE,
  id: "msg_01jd3m2p4r6t8v0w2x4y6z8a0b",
  message: "Can I book for 4 tonight?",
  status: "received",
  direction: "inbound",
} as const;

export const SEND_EXAMPLES = {
  sms: {
    summary: "An SMS",
    value: { phone: "+14155552671", locationId: LOC, message: "Your table is ready" },
  },
  mms: {
    summary: "An MMS (a picture by URL, with text)",
    value: {
      phone: "+14155552671",
      locationId: LOC,
      message: "Here is your receipt",
      attachments: ["https://example.org/receipt.png"],
    },
  },
};
