import type { FastifyInstance } from "fastify";
import { type AppDeps, requestCtx } from "../../http/deps.js";
import { getMessage, listMessages, sendMessage } from "../../messages/index.js";
import { bearerAuth, principalOf, rateLimitLocation, requireLocation } from "../auth.js";
import { ERROR, LIST_QUERY, MESSAGE, MESSAGE_WITH_HISTORY, SEND_BODY, SEND_HEADERS } from "./schemas.js";

interface SendBody {
  phone: string;
  locationId: string;
  message?: string;
  attachments?: string[];
}

/** POST /messages: served by the dispatch host and the main host. */
export async function sendRoute(app: FastifyInstance, deps: AppDeps): Promise<void> {
  app.post<{ Body: SendBody; Headers: { "idempotency-key"?: string } }>(
    "/messages",
    {
      onRequest: bearerAuth(deps, "messages:send"),
      schema: {
        tags: ["Messages"],
        summary: "Send an SMS or MMS through one of the location's phones",
        security: [{ oauth2: ["messages:send"] }],
        headers: SEND_HEADERS,
        body: SEND_BODY,
        response: {
          200: MESSAGE,
          400: ERROR,
          401: ERROR,
          403: ERROR,
          404: ERROR,
          409: ERROR,
          422: ERROR,
          429: ERROR,
        },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const body = request.body;
      requireLocation(principal, body.locationId);
      await rateLimitLocation(deps, request, body.locationId);
      // An empty or blank header is no key: integrations (Make, Zapier) send it empty when the field is blank.
      const idempotencyKey = request.headers["idempotency-key"]?.trim();
      const result = await sendMessage({
        ctx: requestCtx(deps, request),
        input: {
          locationId: body.locationId,
          phone: body.phone,
          ...(body.message !== undefined ? { message: body.message } : {}),
          ...(body.attachments !== undefined ? { attachments: body.attachments } : {}),
          clientId: principal.clientId,
          grantId: principal.grantId,
          ...(idempotencyKey ? { idempotencyKey } : {}),
        },
      });
      if (result.replayed) reply.header("idempotent-replayed", "true");
      return result.message;
    },
  );
}

/** GET /messages and GET /messages/{id}: history in both directions (main host). */
export async function messageReadRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  app.get<{
    Querystring: {
      locationId?: string;
      direction?: "outbound" | "inbound";
      status?: string;
      since?: string;
      cursor?: string;
      limit?: number;
    };
  }>(
    "/messages",
    {
      onRequest: bearerAuth(deps, "messages:read"),
      schema: {
        tags: ["Messages"],
        summary: "Messages of the connection's locations, newest first",
        security: [{ oauth2: ["messages:read"] }],
        querystring: LIST_QUERY,
        response: {
          200: {
            type: "object",
            properties: {
              data: { type: "array", items: MESSAGE },
              next_cursor: { type: ["string", "null"] },
              has_more: { type: "boolean" },
            },
          },
          400: ERROR,
          401: ERROR,
          403: ERROR,
          404: ERROR,
          429: ERROR,
        },
      },
    },
    async (request) => {
      const q = request.query;
      return listMessages({
        ctx: requestCtx(deps, request),
        input: {
          locationIds: principalOf(request).locationIds,
          ...(q.locationId ? { locationId: q.locationId } : {}),
          ...(q.direction ? { direction: q.direction } : {}),
          ...(q.status ? { status: q.status } : {}),
          ...(q.since ? { since: q.since } : {}),
          ...(q.cursor ? { cursor: q.cursor } : {}),
          ...(q.limit !== undefined ? { limit: q.limit } : {}),
        },
      });
    },
  );

  app.get<{ Params: { id: string } }>(
    "/messages/:id",
    {
      onRequest: bearerAuth(deps, "messages:read"),
      schema: {
        tags: ["Messages"],
        summary: "One message with its status history",
        security: [{ oauth2: ["messages:read"] }],
        params: { type: "object", properties: { id: { type: "string", maxLength: 64 } }, required: ["id"] },
        response: { 200: MESSAGE_WITH_HISTORY, 401: ERROR, 403: ERROR, 404: ERROR, 429: ERROR },
      },
    },
    async (request) =>
      getMessage({
        ctx: requestCtx(deps, request),
        input: { id: request.params.id, locationIds: principalOf(request).locationIds },
      }),
  );
}
