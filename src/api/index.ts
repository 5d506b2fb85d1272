import type { FastifyInstance } from "fastify";
import type { AppDeps } from "../http/deps.js";
import { sendApiError } from "../http/errors.js";
import { noStore } from "../http/hooks.js";
import { identityRoutes } from "./identity/index.js";
import { messageReadRoutes, sendRoute } from "./messages/index.js";
import { webhookRoutes } from "./webhooks/index.js";

/**
 * The public REST API under /api/v1. Each resource registers its routes here; handlers validate
 * (route schema), call one verb, present the result. Errors: the seed's `{error, message}` shape.
 */
export async function apiPlugin(app: FastifyInstance, deps: AppDeps): Promise<void> {
  app.addHook("onRequest", noStore);
  app.setErrorHandler((err, request, reply) => sendApiError(request, reply, err));
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({
      error: "not_found",
      message: `No route ${request.method} ${request.url}`,
      request_id: request.id,
    }),
  );
  await identityRoutes(app, deps);
  await sendRoute(app, deps);
  await messageReadRoutes(app, deps);
  await webhookRoutes(app, deps);
}

/** The routes the dispatch host serves (also served by the main host). */
export async function dispatchApiPlugin(app: FastifyInstance, deps: AppDeps): Promise<void> {
  app.addHook("onRequest", noStore);
  app.setErrorHandler((err, request, reply) => sendApiError(request, reply, err));
  await sendRoute(app, deps);
}
