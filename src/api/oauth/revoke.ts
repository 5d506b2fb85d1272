import type { FastifyInstance } from "fastify";
import { AppError } from "../../core/errors.js";
import { type AppDeps, requestCtx } from "../../http/deps.js";
import { introspectToken, revokeToken, verifyAccessToken } from "../../oauth/index.js";
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
        tags: ["OAuth"],
        summary: "Revoke a token (ends the whole grant)",
        description:
          "Either `Authorization: Bearer <access token>` with JSON `{token}` (limited to the caller's own " +
          "grant), or RFC 7009: client authentication plus `token` and optional `token_type_hint`. Always 200 " +
          "with an empty body, also for unknown tokens.",
        body: TOKEN_BODY,
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
        tags: ["OAuth"],
        summary: "Introspect one of the calling client's tokens (RFC 7662)",
        body: TOKEN_BODY,
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
