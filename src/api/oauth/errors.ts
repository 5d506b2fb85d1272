import type { FastifyReply, FastifyRequest } from "fastify";
import { logError, toAppError } from "../../http/errors.js";

const OAUTH_CODES = new Set([
  "invalid_request",
  "invalid_client",
  "invalid_grant",
  "invalid_scope",
  "unauthorized_client",
  "unsupported_grant_type",
]);

/** RFC 6749 §5.2 error bodies for the token, revocation and introspection endpoints. */
export function sendOAuthError(request: FastifyRequest, reply: FastifyReply, err: unknown): FastifyReply {
  const e = toAppError(err);
  logError(request, e);
  let error: string = e.code;
  let status = e.status;
  if (!OAUTH_CODES.has(error)) {
    if (status === 429) error = "rate_limited";
    else if (status === 503) error = "temporarily_unavailable";
    else if (status >= 500) error = "server_error";
    else if (status === 401) error = "invalid_token";
    else [error, status] = ["invalid_request", 400];
  }
  if (error === "invalid_client") {
    // Only a client that tried Basic is challenged (RFC 6749 §5.2).
    if (request.usedBasic) reply.header("www-authenticate", 'Basic realm="oauth", charset="UTF-8"');
  }
  if (error === "invalid_token") reply.header("www-authenticate", 'Bearer error="invalid_token"');
  if (e.retryAfter !== undefined) reply.header("retry-after", String(Math.ceil(e.retryAfter)));
  const description = status >= 500 ? "The server could not handle the request; retry later." : e.message;
  return reply.code(status).send({ error, error_description: description });
}
