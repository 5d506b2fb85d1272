import type { FastifyReply, FastifyRequest } from "fastify";
import { AppError } from "../core/errors.js";
import { type AppDeps, requestCtx } from "../http/deps.js";
import { type Principal, type Scope, verifyAccessToken } from "../oauth/index.js";
import { rateLimitClient } from "./ratelimit.js";

export { rateLimitLocation } from "./ratelimit.js";

declare module "fastify" {
  interface FastifyRequest {
    /** Set by `bearerAuth` on authenticated API routes. */
    principal?: Principal;
  }
}

/**
 * onRequest hook for API routes: a valid Bearer access token (header only, RFC 6750 §2.1) with
 * `scope`. 401 `unauthorized` for a missing, unknown, expired or revoked token; 403
 * `insufficient_scope`; 429 `rate_limited` past the client's per-minute budget (RateLimit headers on
 * every answer). It runs before the body is read, parsed or validated (finding L2): an anonymous
 * caller learns nothing of the schema and costs no parsing.
 */
export function bearerAuth(deps: AppDeps, scope?: Scope) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const header = request.headers.authorization;
    const token = header === undefined ? undefined : bearerToken(header);
    if (token === undefined) throw new AppError("unauthorized", "Invalid or expired access token");
    const ctx = requestCtx(deps, request);
    const principal = await verifyAccessToken({ ctx, input: { token, cacheMs: deps.config.authCacheMs } });
    if (!principal) throw new AppError("unauthorized", "Invalid or expired access token");
    if (scope && !principal.scopes.includes(scope)) {
      throw new AppError("insufficient_scope", `This token lacks the ${scope} scope`, { details: { scope } });
    }
    request.principal = principal;
    const pending = rateLimitClient(deps, request, reply, ctx);
    if (pending) await pending;
  };
}

/** The token of `Bearer <token>` (scheme case-insensitive, RFC 6750 §2.1), if that is what it is. */
function bearerToken(header: string): string | undefined {
  const m = BEARER.exec(header);
  return m?.[1];
}
const BEARER = /^Bearer ([\x21-\x7e]+)$/i;

/** The principal of an authenticated request (after `bearerAuth`). */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new AppError("unauthorized", "Invalid or expired access token");
  return request.principal;
}

/**
 * The location must be one the grant reaches and the user still belongs to. Otherwise the same 404
 * as for a location that does not exist, so ids of other tenants cannot be probed.
 */
export function requireLocation(principal: Principal, locationId: string): void {
  if (!principal.locationIds.includes(locationId)) {
    throw new AppError(
      "location_not_found",
      "The specified location does not exist or you don't have access to it",
    );
  }
}
