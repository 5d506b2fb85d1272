import type { FastifyInstance } from "fastify";
import { AppError } from "../../core/errors.js";
import { type AppDeps, requestCtx } from "../../http/deps.js";
import { exchangeCode, refreshTokens } from "../../oauth/index.js";
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

/** POST /oauth/token: authorization_code and refresh_token grants; JSON or form bodies. */
export function registerTokenRoute(app: FastifyInstance, deps: AppDeps): void {
  app.post(
    "/oauth/token",
    {
      schema: {
        tags: ["OAuth"],
        summary: "Exchange an authorization code or a refresh token for tokens",
        description:
          "Client authentication by HTTP Basic or client_id + client_secret in the body (not both). Body: " +
          "JSON or application/x-www-form-urlencoded. grant_type=authorization_code (code, redirect_uri, " +
          "code_verifier when a PKCE challenge was sent) or grant_type=refresh_token (refresh_token; optional " +
          "scope: a subset of the grant's for the new access token, the refresh token keeps them all). Every " +
          "response carries a new refresh_token (rotation).",
        body: {
          type: "object",
          properties: {
            grant_type: { type: "string", enum: ["authorization_code", "refresh_token"] },
            code: { type: "string" },
            redirect_uri: { type: "string" },
            code_verifier: { type: "string" },
            refresh_token: { type: "string" },
            scope: { type: "string" },
            client_id: { type: "string" },
            client_secret: { type: "string" },
          },
        },
        response: { 200: TOKEN_RESPONSE },
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
