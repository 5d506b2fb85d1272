import type { FastifyInstance } from "fastify";
import { AppError } from "../../core/errors.js";
import { type AppDeps, requestCtx } from "../../http/deps.js";
import { exchangeCode, refreshTokens } from "../../oauth/index.js";
import { documented, withExamples } from "../openapi/operation.js";
import { clientFromRequest } from "./client-auth.js";
import { bodyOf, param, required } from "./params.js";

const TOKEN_RESPONSE = {
  type: "object",
  properties: {
    access_token: { type: "string" },
    refresh_token: { type: "string" },
    token_type: { type: "string", enum: ["Bearer"] },
    expires_in: { type: "integer" },
    refresh_expires_in: { type: "integer" },
    scope: { type: "string" },
  },
} as const;

const TOKEN_BODY = {
  type: "object",
  properties: {
    grant_type: { type: "string", enum: ["authorization_code", "refresh_token"] },
    code: { type: "string" },
    redirect_uri: { type: "string" },
    code_verifier: { type: "string" },
    refresh_token: { type: "string" },
    scope: { type: "string", description: "Space-separated; on refresh, a subset of the grant's" },
    client_id: { type: "string" },
    client_secret: { type: "string" },
  },
  required: ["grant_type"],
} as const;

/** POST /oauth/token: authorization_code and refresh_token grants; JSON or form bodies. */
export function registerTokenRoute(app: FastifyInstance, deps: AppDeps): void {
  app.post(
    "/oauth/token",
    {
      schema: {
        ...documented({
          operationId: "token",
          tag: "OAuth",
          summary: "Exchange an authorization code or a refresh token for tokens",
          description:
            "Client authentication by HTTP Basic or `client_id` + `client_secret` in the body (not both). Body: JSON or `application/x-www-form-urlencoded`. `grant_type=authorization_code` (`code`, `redirect_uri`, `code_verifier` when a PKCE challenge was sent) or `grant_type=refresh_token` (`refresh_token`; optional `scope`: a subset of the grant's for the new access token, the refresh token keeps them all). Codes are single-use and live 60 s; access tokens 3600 s. Every response carries a new `refresh_token` (rotation): store it. A refresh retried within 60 s gets the same new pair; an older refresh token used again revokes the connection.",
          security: [{ clientBasic: [] }, {}],
          shape: "oauth",
          ok: {
            description: "New tokens (`Cache-Control: no-store`)",
            schema: TOKEN_RESPONSE,
            examples: {
              tokens: {
                summary: "A new access and refresh token",
                value: {
                  access_token: "mcs_at_GqT6N1x0bS8yJ3vVh2kR4wE7pL9cZ5mA0dF1uQ6nB2o",
                  refresh_token: "mcs_rt_Yb4rN8wQ1zK6tJ3hV0cX5sL2mD9pG7fA4eU1iO8nR3k",
                  token_type: "Bearer",
                  expires_in: 3600,
                  refresh_expires_in: 7776000,
                  scope: "locations:read messages:send messages:read webhooks:write",
                },
              },
            },
          },
          errors: [
            "invalid_request",
            "invalid_client",
            "invalid_grant",
            "invalid_scope",
            "unsupported_grant_type",
            "server_error",
            "temporarily_unavailable",
          ],
        }),
        consumes: ["application/x-www-form-urlencoded", "application/json"],
        body: withExamples(TOKEN_BODY, {
          code: {
            summary: "Exchange a code (client authenticated by HTTP Basic)",
            value: {
              grant_type: "authorization_code",
              code: "mcs_ac_…",
              redirect_uri: "https://www.make.com/oauth/cb/app",
            },
          },
          refresh: {
            summary: "Refresh, with the client's credentials in the body instead",
            value: {
              grant_type: "refresh_token",
              refresh_token: "mcs_rt_…",
              client_id: "cli_01jd3k7m9x2b4c6d8f0g1h2j3k",
              client_secret: "mcs_cs_…",
            },
          },
        }),
      },
      // The schema documents the body; the handler checks it (repeated form fields must be refused).
      validatorCompiler: () => () => true,
    },
    async (request, reply) => {
      const body = bodyOf(request);
      const client = await clientFromRequest(deps, request, body);
      const ctx = requestCtx(deps, request);
      const grantType = required(body, "grant_type");
      let tokens: unknown;
      if (grantType === "authorization_code") {
        tokens = await exchangeCode({
          ctx,
          input: {
            clientId: client.id,
            code: required(body, "code"),
            redirectUri: param(body, "redirect_uri"),
            codeVerifier: param(body, "code_verifier"),
          },
        });
      } else if (grantType === "refresh_token") {
        tokens = await refreshTokens({
          ctx,
          input: {
            clientId: client.id,
            refreshToken: required(body, "refresh_token"),
            scope: param(body, "scope"),
            secret: deps.secret,
          },
        });
      } else {
        throw new AppError("unsupported_grant_type", `grant_type: ${grantType} is not supported`);
      }
      return reply.code(200).send(tokens);
    },
  );
}
