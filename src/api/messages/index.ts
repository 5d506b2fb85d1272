import type { FastifyInstance } from "fastify";
import { type AppDeps, requestCtx } from "../../http/deps.js";
import { getMessage, listMessages, sendMessage } from "../../messages/index.js";
import { bearerAuth, principalOf, rateLimitLocation, requireLocation } from "../auth.js";
import { BEARER_ERRORS, BODY_ERRORS, documented, withExamples } from "../openapi/operation.js";
import {
  INBOUND_EXAMPLE,
  LIST_QUERY,
  MESSAGE,
  MESSAGE_EXAMPLE,
  MESSAGE_WITH_HISTORY,
  SEND_BODY,
  SEND_EXAMPLES,
  SEND_HEADERS,
} from "./schemas.js";

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
        ...documented({
          operationId: "sendMessage",
          tag: "Messages",
          summary: "Send an SMS or MMS through one of the location's phones",
          description:
            "Queues the message for an online phone of the location and answers at once with its real state (`queued`; `sent_at` stays null until the phone reports it sent). Follow it with `GET /api/v1/messages/{id}` or a `message_status` webhook. Send an `Idempotency-Key` so a retry never sends a second SMS: the same key and body answer the first result again (header `Idempotent-Replayed: true`). Also served by the dispatch host (DISPATCH_URL).",
          scopes: ["messages:send"],
          rateLimited: true,
          ok: {
            description: "Accepted: the message as stored, `status: queued`",
            schema: MESSAGE,
            examples: { queued: { summary: "An SMS queued for a phone", value: MESSAGE_EXAMPLE } },
            headers: {
              "idempotent-replayed": {
                type: "string",
                description: "`true` when this is the stored answer to an earlier request with the same key",
              },
            },
          },
          errors: [
            ...BODY_ERRORS,
            "invalid_phone",
            "message_too_long",
            "insufficient_scope",
            "location_not_found",
            "idempotency_in_flight",
            "idempotency_key_reused",
            ...BEARER_ERRORS,
          ],
        }),
        headers: SEND_HEADERS,
        body: withExamples(SEND_BODY, SEND_EXAMPLES),
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
        ...documented({
          operationId: "listMessages",
          tag: "Messages",
          summary: "Messages of the connection's locations, newest first",
          description:
            "Both directions, filtered by `locationId`, `direction`, `status` and `since`. Pages: pass `next_cursor` back as `cursor` while `has_more` is true.",
          scopes: ["messages:read"],
          rateLimited: true,
          ok: {
            description: "A page of messages",
            schema: {
              type: "object",
              properties: {
                data: { type: "array", items: MESSAGE },
                next_cursor: { type: ["string", "null"] },
                has_more: { type: "boolean" },
              },
            },
            examples: {
              inbound: {
                summary: "One inbound message, last page",
                value: { data: [INBOUND_EXAMPLE], next_cursor: null, has_more: false },
              },
            },
          },
          errors: [
            "invalid_request",
            "validation_failed",
            "insufficient_scope",
            "location_not_found",
            ...BEARER_ERRORS,
          ],
        }),
        querystring: LIST_QUERY,
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
        ...documented({
          operationId: "getMessage",
          tag: "Messages",
          summary: "One message with its status history",
          description:
            "`history` lists every step (`queued → dispatched → sent → delivered`, or `failed` with its reason, or `expired`) with its time and source.",
          scopes: ["messages:read"],
          rateLimited: true,
          ok: {
            description: "The message",
            schema: MESSAGE_WITH_HISTORY,
            examples: {
              delivered: {
                summary: "A delivered SMS",
                value: {
                  ...MESSAGE_EXAMPLE,
                  status: "delivered",
                  sent_at: "2026-05-21T10:00:04.000Z",
                  delivered_at: "2026-05-21T10:00:09.000Z",
                  updated_at: "2026-05-21T10:00:09.000Z",
                  history: [
                    { status: "queued", at: "2026-05-21T10:00:00.000Z", error: null, source: "api" },
                    { status: "dispatched", at: "2026-05-21T10:00:01.000Z", error: null, source: "phone" },
                    { status: "sent", at: "2026-05-21T10:00:04.000Z", error: null, source: "phone" },
                    { status: "delivered", at: "2026-05-21T10:00:09.000Z", error: null, source: "phone" },
                  ],
                },
              },
            },
          },
          errors: ["invalid_request", "insufficient_scope", "message_not_found", ...BEARER_ERRORS],
        }),
        params: {
          type: "object",
          properties: { id: { type: "string", maxLength: 64, examples: [MESSAGE_EXAMPLE.id] } },
          required: ["id"],
        },
      },
    },
    async (request) =>
      getMessage({
        ctx: requestCtx(deps, request),
        input: { id: request.params.id, locationIds: principalOf(request).locationIds },
      }),
  );
}
