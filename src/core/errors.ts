/**
 * One error type for the whole domain, with a closed list of codes. Each transport maps it once:
 * `api/` to `{error, message, request_id}`, `oauth/endpoints` to RFC 6749 `{error, error_description}`,
 * `web/` to an error page, `gateway/` to the SMSGate `{message, code}` shape.
 */
export const ERROR_STATUS = {
  invalid_request: 400,
  validation_failed: 400,
  invalid_phone: 400,
  message_too_long: 400,
  invalid_target_url: 400,
  invalid_event: 400,
  invalid_grant: 400,
  invalid_scope: 400,
  unsupported_grant_type: 400,
  unsupported_response_type: 400,
  unauthorized_client: 400,
  invalid_client: 401,
  access_denied: 403,
  unauthorized: 401,
  invalid_credentials: 401,
  insufficient_scope: 403,
  forbidden: 403,
  csrf_failed: 403,
  account_disabled: 403,
  not_found: 404,
  location_not_found: 404,
  user_not_found: 404,
  message_not_found: 404,
  webhook_not_found: 404,
  client_not_found: 404,
  device_not_found: 404,
  conflict: 409,
  email_taken: 409,
  idempotency_in_flight: 409,
  already_set_up: 409,
  last_admin: 409,
  idempotency_key_reused: 422,
  unsupported_media_type: 415,
  payload_too_large: 413,
  rate_limited: 429,
  too_many_attempts: 429,
  internal_error: 500,
  storage_unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  /** Extra machine-readable detail (e.g. the field that failed validation). Never secrets. */
  readonly details: Record<string, unknown> | undefined;
  /** Seconds after which a retry may succeed (429, 503, 409 in flight). */
  readonly retryAfter: number | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    opts: { details?: Record<string, unknown>; retryAfter?: number; cause?: unknown } = {},
  ) {
    // An expected refusal (4xx) is an answer, not a bug: nobody reads its stack, and capturing one
    // costs more than the rest of the error. Failures (5xx) keep theirs for the error log.
    const limit = Error.stackTraceLimit;
    if (ERROR_STATUS[code] < 500) Error.stackTraceLimit = 0;
    try {
      super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    } finally {
      Error.stackTraceLimit = limit;
    }
    this.name = "AppError";
    this.code = code;
    this.status = ERROR_STATUS[code];
    this.details = opts.details;
    this.retryAfter = opts.retryAfter;
  }
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}

/**
 * Storage failures a client should retry (database locked or full, connection lost) become 503 with
 * Retry-After, never a 2xx for something unsaved and never an opaque 500. Recognised by the drivers'
 * error codes, so this module needs no driver import.
 */
export function storageFailure(e: unknown): AppError | undefined {
  if (!isStorageOutage(e)) return undefined;
  return new AppError(
    "storage_unavailable",
    "The database is unavailable; nothing was saved. Retry shortly.",
    {
      retryAfter: 1,
      cause: e,
    },
  );
}

/**
 * pg reports a connection lost mid-query without a SQLSTATE: the socket ended ("Connection terminated
 * unexpectedly"), a later query on that client ("… is not queryable"), or the pool timed out. Kysely
 * may surface one of these instead of the first error (its ROLLBACK on the dead connection fails too).
 */
const PG_CONNECTION_LOST =
  /^(Connection terminated|Client has encountered a connection error|Client was closed|timeout exceeded when trying to connect)/;

function isStorageOutage(e: unknown): boolean {
  for (let cur = e, depth = 0; cur && depth < 4; cur = (cur as { cause?: unknown }).cause, depth++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === "string") {
      if (/^SQLITE_(BUSY|LOCKED|FULL|IOERR|READONLY|CANTOPEN|PROTOCOL|NOMEM)/.test(code)) return true;
      // PostgreSQL classes 08 (connection), 53 (resources), 57P (shutdown), 40001/40P01 (retryable).
      if (/^(08|53|57P)/.test(code) || code === "40001" || code === "40P01") return true;
      if (code === "ECONNREFUSED" || code === "ECONNRESET" || code === "ETIMEDOUT" || code === "EPIPE")
        return true;
    }
    const message = (cur as { message?: unknown }).message;
    if (cur instanceof Error && typeof message === "string" && PG_CONNECTION_LOST.test(message)) return true;
  }
  return false;
}
