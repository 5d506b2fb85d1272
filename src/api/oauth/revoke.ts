import type { FastifyInstance } from "fastify";
import { AppError } from "../../core/errors.js";
import { type AppDeps, requestCtx } from "../../http/deps.js";
import { introspectToken, revokeToken, verifyAccessToken } from "../../oauth/index.js";
import { documented, withExamples } from "../openapi/operation.js";
import { clientFromRequest } from "./client-auth.js";
import { bodyOf, param, required } from "./params.js";

const TOKEN_BODY = {
  type: "object",
  properties: { token: { type: "string" }, token_type_hint: { type: "string" } },
  required: ["token"],
} as const;

/** POST /oauth/revoke (Bearer + JSON, or RFC 7009 client auth) and POST /oauth/introspect (RFC 7662). */
export function registerRevokeRoutes(app: FastifyInstance, deps: AppDeps): void {
  app.post(
    "/oauth/revoke",
    {
      schema: {
        ...documented({
          operationId: "revoke",
          tag: "OAuth",
          summary: "Revoke a token (ends the whole connection)",
          description:
            "Either `Authorization: Bearer <access token>` with JSON `{token}` (limited to the caller's own grant; without `token` the bearer token itself), or RFC 7009: client authentication plus `token` and optional `token_type_hint`. Revoking any token of a grant revokes its access and refresh tokens. Always 200 with an empty body, also for unknown tokens.",
          security: [{ oauth2: [] }, { clientBasic: [] }, {}],
          shape: "oauth",
          ok: { description: "Revoked (or nothing to revoke)" },
          errors: [
            "invalid_request",
            "invalid_client",
            "invalid_token",
            "server_error",
            "temporarily_unavailable",
          ],
        }),
        consumes: ["application/json", "application/x-www-form-urlencoded"],
        body: withExamples(TOKEN_BODY, {
          token: {
            summary: "Revoke a refresh token",
            value: { token: "mcs_rt_…", token_type_hint: "refresh_token" },
          },
        }),
      },
      validatorCompiler: () => () => true,
    },
    async (request, reply) => {
      const body = bodyOf(request);
      const ctx = requestCtx(deps, request);
      const bearer = /^Bearer ([\x21-\x7e]+)$/i.exec(request.headers.authorization ?? "");
      if (bearer?.[1]) {
        const principal = await verifyAccessToken({ ctx, input: { token: bearer[1] } });
        if (!principal) throw new AppError("unauthorized", "Invalid or expired access token");
        const token = param(body, "token") ?? bearer[1];
        await revokeToken({ ctx, input: { token, grantId: principal.grantId } });
      } else {
        const client = await clientFromRequest(deps, request, body);
        await revokeToken({ ctx, input: { token: required(body, "token"), clientId: client.id } });
      }
      return reply.code(200).send();
    },
  );

  app.post(
    "/oauth/introspect",
    {
      schema: {
        ...documented({
          operationId: "introspect",
          tag: "OAuth",
          summary: "Introspect one of the calling client's tokens (RFC 7662)",
          description:
            "Client-authenticated. A token of another client, or an unknown, expired or revoked one, is `{active: false}`.",
          security: [{ clientBasic: [] }, {}],
          shape: "oauth",
          ok: {
            description: "The token's state",
            schema: {
              type: "object",
              additionalProperties: true,
              properties: { active: { type: "boolean" } },
            },
            examples: {
              active: {
                summary: "An active access token",
                value: {
                  active: true,
                  client_id: "cli_01jd3k7m9x2b4c6d8f0g1h2j3k",
                  scope: "messages:send",
                  token_type: "Bearer",
                  exp: 1779357600,
                },
              },
              inactive: { summary: "Unknown, expired or revoked", value: { active: false } },
            },
          },
          errors: ["invalid_request", "invalid_client", "server_error", "temporarily_unavailable"],
        }),
        consumes: ["application/x-www-form-urlencoded", "application/json"],
        body: withExamples(TOKEN_BODY, {
          token: { summary: "An access token", value: { token: "mcs_at_…" } },
        }),
      },
      validatorCompiler: () => () => true,
    },
    async (request) => {
      const body = bodyOf(request);
      const client = await clientFromRequest(deps, request, body);
      return introspectToken({
        ctx: requestCtx(deps, request),
        input: { token: required(body, "token"), clientId: client.id },
      });
    },
  );
}
