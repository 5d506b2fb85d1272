import type { FastifyInstance } from "fastify";
import type { AppDeps } from "../../http/deps.js";
import { logError, toAppError } from "../../http/errors.js";
import { authorizeErrorPage } from "../../web/pages/consent.js";
import { registerAuthorizeRoutes } from "./authorize.js";
import { sendOAuthError } from "./errors.js";
import { registerMetadataRoute } from "./metadata.js";
import { registerRevokeRoutes } from "./revoke.js";
import { registerTokenRoute } from "./token.js";

/**
 * The OAuth 2.0 authorization server's HTTP side. Two encapsulated halves: the browser pages (HTML
 * error pages, never a redirect for a bad client) and the JSON endpoints (RFC 6749 error bodies).
 * Nothing here is cacheable, and there is no CORS (browsers talk to these only by navigation).
 */
export async function oauthPlugin(app: FastifyInstance, deps: AppDeps): Promise<void> {
  app.addHook("onSend", async (_request, reply, payload) => {
    reply.header("cache-control", "no-store");
    reply.header("pragma", "no-cache");
    return payload;
  });
  await app.register(async (pages) => {
    pages.setErrorHandler((err, request, reply) => {
      const e = toAppError(err);
      logError(request, e);
      const text = e.status >= 500 ? "Something went wrong on our side. Try again in a moment." : e.message;
      return reply.code(e.status).type("text/html; charset=utf-8").send(authorizeErrorPage(text));
    });
    registerAuthorizeRoutes(pages, deps);
  });
  await app.register(async (api) => {
    api.setErrorHandler((err, request, reply) => sendOAuthError(request, reply, err));
    registerTokenRoute(api, deps);
    registerRevokeRoutes(api, deps);
    registerMetadataRoute(api, deps);
  });
}
