import type { FastifyRequest } from "fastify";
import { AppError } from "../../core/errors.js";
import { requestCtx, type AppDeps } from "../../http/deps.js";
import { authenticateClient } from "../../oauth/index.js";
import type { ClientRow } from "../../store/repos/oauth.js";
import { type Body, param } from "./params.js";

declare module "fastify" {
  interface FastifyRequest {
    /** Set when the client tried HTTP Basic: an invalid_client answer then carries WWW-Authenticate. */
    usedBasic?: boolean;
  }
}

function formDecode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, " "));
  } catch {
    throw new AppError("invalid_client", "Authorization: malformed Basic credentials");
  }
}

/**
 * Client authentication: HTTP Basic (client_secret_basic, with RFC 6749 §2.3.1 form-encoding, which
 * is a no-op for our unreserved-character ids and secrets, so Make's plain base64 works too) or
 * client_id + client_secret in the body (client_secret_post). Never both; never in the query string.
 */
export async function clientFromRequest(
  deps: AppDeps,
  request: FastifyRequest,
  body: Body,
): Promise<ClientRow> {
  const q = request.query as Record<string, unknown> | undefined;
  if (q && (q.client_secret !== undefined || q.client_id !== undefined))
    throw new AppError("invalid_request", "Client credentials must not be sent in the query string");
  const header = request.headers.authorization;
  const bodyId = param(body, "client_id");
  const bodySecret = param(body, "client_secret");
  let id: string | undefined;
  let secret: string | undefined;
  if (header !== undefined) {
    const m = /^Basic ([A-Za-z0-9+/=]+)$/i.exec(header);
    if (!m?.[1]) {
      request.usedBasic = true;
      throw new AppError("invalid_client", "Authorization: only Basic client credentials are accepted here");
    }
    request.usedBasic = true;
    const decoded = Buffer.from(m[1], "base64").toString("utf8");
    const i = decoded.indexOf(":");
    if (i < 0) throw new AppError("invalid_client", "Authorization: malformed Basic credentials");
    if (bodySecret !== undefined)
      throw new AppError(
        "invalid_request",
        "Use one client authentication method: Basic or the body, not both",
      );
    id = formDecode(decoded.slice(0, i));
    secret = formDecode(decoded.slice(i + 1));
    if (bodyId !== undefined && bodyId !== id)
      throw new AppError("invalid_request", "client_id: differs from the Basic credentials");
  } else {
    id = bodyId;
    secret = bodySecret;
  }
  if (!id || !secret) throw new AppError("invalid_client", "Client authentication is required");
  return authenticateClient({
    ctx: requestCtx(deps, request),
    input: { clientId: id, clientSecret: secret },
  });
}
