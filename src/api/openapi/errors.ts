import { ERROR_STATUS, type ErrorCode } from "../../core/errors.js";

/**
 * The error side of every documented operation. An operation names the codes it can answer with,
 * once (`errors` in `documented()`); its 4xx/5xx responses, their examples, the `x-error-codes`
 * list and the /docs error table are all derived from that list, so they cannot disagree.
 */

/**
 * Codes only the OAuth endpoints put on the wire: `sendOAuthError` (api/oauth/errors.ts) maps the
 * catalog's `unauthorized`, 5xx and 503 to RFC 6749's words. Everything else is a catalog code.
 */
export const OAUTH_WIRE_CODES = {
  invalid_token: 401,
  server_error: 500,
  temporarily_unavailable: 503,
} as const;
export type DocumentedCode = ErrorCode | keyof typeof OAUTH_WIRE_CODES;

export function statusOf(code: DocumentedCode): number {
  return code in OAUTH_WIRE_CODES
    ? OAUTH_WIRE_CODES[code as keyof typeof OAUTH_WIRE_CODES]
    : ERROR_STATUS[code as ErrorCode];
}

interface CodeDoc {
  /** When an integrator sees it, and what to do about it (the /docs error table). */
  meaning: string;
  /** A message as the server words it (the example). */
  message: string;
  field?: string;
}

/** Meaning and an example message per code; a code without an entry is documented by its name only. */
export const ERROR_DOCS: Partial<Record<DocumentedCode, CodeDoc>> = {
  invalid_request: {
    meaning: "A parameter is missing, of the wrong type or out of range; `field` names it. Fix the request.",
    message: "locationId: must NOT have fewer than 1 characters",
    field: "locationId",
  },
  validation_failed: {
    meaning: "A query value is not one the API accepts (`field` names it).",
    message: "status must be one of queued, dispatched, sent, delivered, failed, expired, received",
    field: "status",
  },
  invalid_phone: {
    meaning: "`phone` is not strict E.164 (`+` and digits) or not a number that can exist.",
    message: "phone must be an E.164 number such as +14155552671",
    field: "phone",
  },
  message_too_long: {
    meaning: "`message` is longer than 1,600 characters.",
    message: "message is longer than 1600 characters",
    field: "message",
  },
  invalid_target_url: {
    meaning:
      "`targetUrl` is not https, or resolves to a private, loopback or link-local address (allowed only with ALLOW_PRIVATE_URLS).",
    message: "targetUrl: must be an https URL",
    field: "targetUrl",
  },
  invalid_event: {
    meaning: "`event` is not one of `new_message`, `message_status`, `device_status`.",
    message: "event: must be one of new_message, message_status, device_status",
    field: "event",
  },
  invalid_grant: {
    meaning:
      "The code or refresh token is unknown, expired, already used, or was issued to another client or redirect URI.",
    message: "The authorization code is invalid or expired",
  },
  invalid_scope: {
    meaning: "A scope is unknown, or more than the grant holds.",
    message: "scope: unknown scope contacts:read",
  },
  unsupported_grant_type: {
    meaning: "`grant_type` is neither `authorization_code` nor `refresh_token`.",
    message: "grant_type: client_credentials is not supported",
  },
  unauthorized_client: {
    meaning: "This client may not use the grant type.",
    message: "The client is not allowed to use this grant",
  },
  invalid_client: {
    meaning: "Client authentication failed: unknown client, wrong secret, or none sent.",
    message: "Client authentication failed",
  },
  invalid_token: {
    meaning: "The Bearer access token is unknown, expired or revoked.",
    message: "Invalid or expired access token",
  },
  unauthorized: {
    meaning:
      "No `Authorization: Bearer` header, or the token is unknown, expired or revoked. Refresh the token (or reconnect).",
    message: "Invalid or expired access token",
  },
  insufficient_scope: {
    meaning: "The token was granted without the scope this operation needs. Reconnect asking for it.",
    message: "This token lacks the messages:send scope",
  },
  forbidden: { meaning: "The credential may not act on this resource.", message: "Not allowed" },
  not_found: {
    meaning: "The link is invalid, was tampered with, or has expired.",
    message: "This media link is invalid or has expired",
  },
  location_not_found: {
    meaning:
      "The location does not exist or this connection may not use it (the same answer for both, so other tenants' ids cannot be probed).",
    message: "The specified location does not exist or you don't have access to it",
  },
  message_not_found: {
    meaning: "No message with this id in the connection's locations.",
    message: "No such message",
  },
  webhook_not_found: {
    meaning: "No subscription with this id belongs to this connection (or it was removed).",
    message: "No such webhook subscription",
  },
  idempotency_in_flight: {
    meaning: "A request with the same Idempotency-Key is still running. Retry after `Retry-After`.",
    message: "A request with this Idempotency-Key is still in progress",
  },
  idempotency_key_reused: {
    meaning: "The Idempotency-Key was used with a different body. Use a new key for a new message.",
    message: "This Idempotency-Key was used with a different request body; use a new key for a new message",
  },
  payload_too_large: {
    meaning: "The body is larger than the server accepts (1 MiB).",
    message: "body: too large",
  },
  unsupported_media_type: {
    meaning: "The body is not `application/json`.",
    message: "Content-Type: send application/json",
  },
  rate_limited: {
    meaning:
      "A request budget is spent (connection, client, or client and location). Wait `Retry-After` seconds; `RateLimit` names the budget.",
    message: "Too many requests for this connection; retry in 12 s",
  },
  internal_error: {
    meaning: "An unexpected error on the server; nothing to fix in the request. Retry later.",
    message: "Something went wrong on our side",
  },
  server_error: {
    meaning: "An unexpected error on the server. Retry later.",
    message: "The server could not handle the request; retry later.",
  },
  storage_unavailable: {
    meaning: "The database is briefly unavailable; nothing was saved. Retry after `Retry-After`.",
    message: "The database is unavailable; nothing was saved. Retry shortly.",
  },
  temporarily_unavailable: {
    meaning: "The database is briefly unavailable. Retry after `Retry-After`.",
    message: "The database is unavailable; nothing was saved. Retry shortly.",
  },
};

/** Response headers that come with some statuses (documented on every response with that status). */
const RETRY_AFTER = { type: "integer", description: "Seconds to wait before retrying" } as const;
export const RATE_LIMIT_HEADERS = {
  "ratelimit-policy": {
    type: "string",
    description: 'Every budget checked, e.g. `"connection";q=600;w=60, "client";q=6000;w=60`',
  },
  ratelimit: {
    type: "string",
    description: 'The budget closest to its end: `"connection";r=<remaining>;t=<seconds to reset>`',
  },
  "x-ratelimit-limit": { type: "integer", description: "That budget's requests per minute" },
  "x-ratelimit-remaining": { type: "integer", description: "Requests left in it" },
  "x-ratelimit-reset": { type: "integer", description: "Seconds until it refills" },
} as const;

function headersFor(status: number, shape: ErrorShape): Record<string, object> | undefined {
  if (status === 429) return { "retry-after": RETRY_AFTER, ...(shape === "api" ? RATE_LIMIT_HEADERS : {}) };
  if (status === 503 || status === 409) return { "retry-after": RETRY_AFTER };
  if (status === 401) {
    return {
      "www-authenticate": {
        type: "string",
        description:
          shape === "oauth" ? "`Basic` when the client tried HTTP Basic" : 'Bearer error="invalid_token"',
      },
    };
  }
  return undefined;
}

/**
 * The three error bodies: the REST API's `{error, message, request_id}` (+ `field`), RFC 6749's
 * `{error, error_description}` on the OAuth endpoints, and SMSGate's `{message, code}` (+ `error`)
 * on the phone protocol; `html` for the browser pages of the authorization flow.
 */
export type ErrorShape = "api" | "oauth" | "phone" | "html";

function bodySchema(shape: ErrorShape, codes: DocumentedCode[]): Record<string, unknown> {
  const error = { type: "string", enum: codes, description: "Machine-readable code (see the table)" };
  if (shape === "oauth") {
    return { type: "object", properties: { error, error_description: { type: "string" } } };
  }
  if (shape === "phone") {
    return {
      type: "object",
      properties: { message: { type: "string" }, code: { type: "integer" }, error },
    };
  }
  return {
    type: "object",
    properties: {
      error,
      message: { type: "string", description: "For people; may change" },
      request_id: { type: "string", description: "Quote it when reporting a problem" },
      field: { type: "string", description: "The request field at fault, when there is one" },
    },
  };
}

function exampleBody(shape: ErrorShape, code: DocumentedCode, status: number): Record<string, unknown> {
  const doc = ERROR_DOCS[code];
  const message = doc?.message ?? code;
  if (shape === "oauth") return { error: code, error_description: message };
  if (shape === "phone") return { message, code: status, error: code };
  return {
    error: code,
    message,
    request_id: "req_01jd3k7m9x2b4c6d8f0g1h2j3k",
    ...(doc?.field ? { field: doc.field } : {}),
  };
}

const STATUS_TEXT: Record<number, string> = {
  400: "Bad request",
  401: "Not authenticated",
  403: "Not allowed",
  404: "Not found",
  409: "Conflict",
  413: "Body too large",
  415: "Unsupported body type",
  422: "Unprocessable",
  429: "Too many requests",
  500: "Server error",
  503: "Service unavailable",
};

/**
 * Fastify response entries (JSON schemas that @fastify/swagger turns into OpenAPI responses) for
 * `codes`, one per status, each with an example per code. The schemas also serialise the answers.
 */
export function errorResponses(codes: readonly DocumentedCode[], shape: ErrorShape): Record<number, object> {
  const byStatus = new Map<number, DocumentedCode[]>();
  for (const code of codes) {
    const status = statusOf(code);
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const out: Record<number, object> = {};
  for (const [status, list] of [...byStatus].sort((a, b) => a[0] - b[0])) {
    const headers = headersFor(status, shape);
    if (shape === "html") {
      out[status] = htmlResponse(status, list);
      continue;
    }
    out[status] = {
      ...bodySchema(shape, list),
      description: `${STATUS_TEXT[status] ?? "Error"}: ${list.map((c) => `\`${c}\``).join(", ")}`,
      ...(headers ? { headers } : {}),
      "x-examples": Object.fromEntries(
        list.map((c) => [c, { summary: ERROR_DOCS[c]?.meaning ?? c, value: exampleBody(shape, c, status) }]),
      ),
    };
  }
  return out;
}

/** An error page: its text is the example (the page around it is the dashboard's layout). */
function htmlResponse(status: number, codes: DocumentedCode[]): object {
  return {
    description: `${STATUS_TEXT[status] ?? "Error"} (an HTML page): ${codes.map((c) => `\`${c}\``).join(", ")}`,
    content: {
      "text/html": {
        schema: { type: "string" },
        examples: Object.fromEntries(
          codes.map((c) => [
            c,
            { summary: ERROR_DOCS[c]?.meaning ?? c, value: `<p>${ERROR_DOCS[c]?.message ?? c}</p>` },
          ]),
        ),
      },
    },
  };
}
