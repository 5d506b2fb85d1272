import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { AppError, isAppError, storageFailure } from "../core/errors.js";

/**
 * Turn anything thrown in a handler into an AppError: ours pass through, Fastify's validation and
 * body-parsing errors become 4xx naming the problem, storage outages 503, the rest an opaque 500.
 */
export function toAppError(err: unknown): AppError {
  if (isAppError(err)) return err;
  const storage = storageFailure(err);
  if (storage) return storage;
  const fe = err as Partial<FastifyError> & { validation?: { instancePath?: string; message?: string }[] };
  if (fe.validation && fe.validation.length > 0) {
    return validationError(fe.validation, (fe as { validationContext?: string }).validationContext ?? "body");
  }
  switch (fe.code) {
    case "FST_ERR_CTP_INVALID_JSON_BODY":
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      return new AppError("invalid_request", "body: not valid JSON", { details: { field: "body" } });
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
    case "FST_ERR_CTP_INVALID_CONTENT_LENGTH":
      return new AppError("unsupported_media_type", "Content-Type: send application/json");
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return new AppError("payload_too_large", "body: too large");
  }
  if (err instanceof SyntaxError || fe.statusCode === 400) {
    return new AppError("invalid_request", `body: ${fe.message ?? "malformed request"}`);
  }
  if (typeof fe.statusCode === "number" && fe.statusCode === 415) {
    return new AppError("unsupported_media_type", fe.message ?? "unsupported media type");
  }
  if (typeof fe.statusCode === "number" && fe.statusCode === 413) {
    return new AppError("payload_too_large", "body: too large");
  }
  return new AppError("internal_error", "Something went wrong on our side", { cause: err });
}

/**
 * A failed route schema as our 400 naming the first field at fault. Also Fastify's
 * `schemaErrorFormatter`, so a validation failure is built once, as the answer, and without a stack.
 */
export function validationError(
  errors: readonly { instancePath?: string; message?: string }[],
  context: string,
): AppError {
  const first = errors[0];
  const field = fieldName(context, first?.instancePath ?? "", first as unknown as Record<string, unknown>);
  return new AppError("invalid_request", `${field}: ${first?.message ?? "is invalid"}`, {
    details: { field },
  });
}

function fieldName(context: string, instancePath: string, item: Record<string, unknown>): string {
  const params = item?.params as { missingProperty?: string; additionalProperty?: string } | undefined;
  let path = instancePath.replace(/^\//, "").replace(/\//g, ".");
  if (params?.missingProperty) path = path ? `${path}.${params.missingProperty}` : params.missingProperty;
  if (params?.additionalProperty)
    path = path ? `${path}.${params.additionalProperty}` : params.additionalProperty;
  if (!path) return context;
  return context === "body" ? path : `${context}.${path}`;
}

/** Log a handled error once: 4xx at debug, 5xx at error with its stack (never request bodies). */
export function logError(request: FastifyRequest, e: AppError): void {
  if (e.status >= 500) request.log.error({ err: e.cause ?? e, code: e.code }, e.message);
  else request.log.debug({ code: e.code }, e.message);
}

/** The REST API's error body: the seed's `{error, message}` plus `request_id`. */
export function sendApiError(request: FastifyRequest, reply: FastifyReply, err: unknown): FastifyReply {
  const e = toAppError(err);
  logError(request, e);
  if (e.retryAfter !== undefined) reply.header("retry-after", String(Math.ceil(e.retryAfter)));
  if (e.status === 401) reply.header("www-authenticate", 'Bearer error="invalid_token"');
  const body: Record<string, unknown> = { error: e.code, message: e.message, request_id: request.id };
  if (e.details && e.status < 500) Object.assign(body, pick(e.details));
  return reply.code(e.status).type("application/json; charset=utf-8").send(body);
}

function pick(details: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (typeof details.field === "string") out.field = details.field;
  return out;
}
