import type { FastifyInstance } from "fastify";
import { AppError } from "../../core/errors.js";
import { createEgress } from "../../egress/index.js";
import { type AppDeps, requestCtx } from "../../http/deps.js";
import {
  deleteSubscription,
  getSubscription,
  listDeliveries,
  listSubscriptions,
  replayDeliveries,
  subscribe,
  unsubscribe,
} from "../../webhooks/index.js";
import { bearerAuth, principalOf, rateLimitLocation, requireLocation } from "../auth.js";
import { BEARER_ERRORS, BODY_ERRORS, documented, withExamples } from "../openapi/operation.js";
import {
  DELIVERIES_QUERY,
  DELIVERY,
  DELIVERY_EXAMPLE,
  ID_PARAMS,
  REPLAY_BODY,
  SUBSCRIBE_BODY,
  SUBSCRIBE_EXAMPLES,
  SUBSCRIBED,
  SUBSCRIBED_EXAMPLE,
  SUBSCRIPTION,
  SUBSCRIPTION_EXAMPLE,
  UNSUBSCRIBE_BODY,
} from "./schemas.js";

/** Subscriptions (the seed's subscribe/unsubscribe plus list, get, delete), delivery log and replay. */
export async function webhookRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  // Only checkUrl is used here (the policy at subscribe time); delivery has its own in the worker.
  const egress = createEgress({ allowPrivate: deps.config.allowPrivateUrls });
  app.addHook("onClose", async () => egress.close());
  const auth = bearerAuth(deps, "webhooks:write");

  app.post<{ Body: { targetUrl: string; event: string; locationId: string } }>(
    "/webhooks/subscribe",
    {
      onRequest: auth,
      schema: {
        ...documented({
          operationId: "subscribeWebhook",
          tag: "Webhooks",
          summary: "Subscribe a URL to a location's events",
          description:
            "Idempotent per client, location, event and URL: subscribing again returns the same id. `new_message` carries inbound message text, so it also needs the `messages:read` scope (403 `insufficient_scope`). Deliveries are POSTs signed per Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`) with the returned `secret`. Only 2xx counts; retries for about three days; `410 Gone` removes the subscription.",
          scopes: ["webhooks:write"],
          rateLimited: true,
          ok: {
            description: "The subscription, with its signing secret (shown only here)",
            schema: SUBSCRIBED,
            examples: { created: { summary: "A new_message subscription", value: SUBSCRIBED_EXAMPLE } },
          },
          errors: [
            ...BODY_ERRORS,
            "invalid_event",
            "invalid_target_url",
            "insufficient_scope",
            "location_not_found",
            ...BEARER_ERRORS,
          ],
        }),
        body: withExamples(SUBSCRIBE_BODY, SUBSCRIBE_EXAMPLES),
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const { targetUrl, event, locationId } = request.body;
      requireLocation(principal, locationId);
      await rateLimitLocation(deps, request, locationId);
      return subscribe({
        ctx: requestCtx(deps, request),
        input: {
          owner: principal,
          locationId,
          event,
          targetUrl,
          checkUrl: (u) => egress.checkUrl(u),
          scopes: principal.scopes,
        },
      });
    },
  );

  app.post<{ Body: { targetUrl?: string; webhookId?: string; locationId: string } }>(
    "/webhooks/unsubscribe",
    {
      onRequest: auth,
      schema: {
        ...documented({
          operationId: "unsubscribeWebhook",
          tag: "Webhooks",
          summary: "Unsubscribe by id or target URL",
          description:
            "Idempotent: a subscription already gone still answers `success: true` (`removed: 0`). Give `webhookId` or `targetUrl` (both: the id wins).",
          scopes: ["webhooks:write"],
          rateLimited: true,
          ok: {
            description: "Done; `removed` counts the subscriptions removed by this call",
            schema: {
              type: "object",
              properties: { success: { type: "boolean" }, removed: { type: "integer" } },
            },
            examples: { removed: { summary: "One removed", value: { success: true, removed: 1 } } },
          },
          errors: [...BODY_ERRORS, "insufficient_scope", "location_not_found", ...BEARER_ERRORS],
        }),
        body: withExamples(UNSUBSCRIBE_BODY, {
          byId: {
            summary: "By the id subscribe returned",
            value: { webhookId: SUBSCRIPTION_EXAMPLE.id, locationId: SUBSCRIPTION_EXAMPLE.locationId },
          },
        }),
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const { targetUrl, webhookId, locationId } = request.body;
      requireLocation(principal, locationId);
      if (!webhookId && !targetUrl) {
        throw new AppError("invalid_request", "webhookId: required (or targetUrl)", {
          details: { field: "webhookId" },
        });
      }
      await rateLimitLocation(deps, request, locationId);
      const removed = await unsubscribe({
        ctx: requestCtx(deps, request),
        input: {
          owner: principal,
          locationId,
          ...(webhookId ? { webhookId } : {}),
          ...(targetUrl ? { targetUrl } : {}),
        },
      });
      return { success: true, removed };
    },
  );

  app.get<{ Querystring: { locationId?: string } }>(
    "/webhooks",
    {
      onRequest: auth,
      schema: {
        ...documented({
          operationId: "listWebhooks",
          tag: "Webhooks",
          summary: "This connection's subscriptions (optionally of one location)",
          scopes: ["webhooks:write"],
          rateLimited: true,
          ok: {
            description: "The subscriptions",
            schema: { type: "object", properties: { data: { type: "array", items: SUBSCRIPTION } } },
            examples: { one: { summary: "One subscription", value: { data: [SUBSCRIPTION_EXAMPLE] } } },
          },
          errors: ["invalid_request", "insufficient_scope", "location_not_found", ...BEARER_ERRORS],
        }),
        querystring: {
          type: "object",
          properties: {
            locationId: { type: "string", maxLength: 64, examples: [SUBSCRIPTION_EXAMPLE.locationId] },
          },
        },
      },
    },
    async (request) => {
      const { locationId } = request.query;
      const data = await listSubscriptions({
        ctx: requestCtx(deps, request),
        input: { owner: principalOf(request), ...(locationId ? { locationId } : {}) },
      });
      return { data };
    },
  );

  app.get<{ Params: { id: string } }>(
    "/webhooks/:id",
    {
      onRequest: auth,
      schema: {
        ...documented({
          operationId: "getWebhook",
          tag: "Webhooks",
          summary: "One subscription",
          description: "404 `webhook_not_found` once it is removed (n8n's `checkExists`).",
          scopes: ["webhooks:write"],
          rateLimited: true,
          ok: {
            description: "The subscription (without its secret)",
            schema: SUBSCRIPTION,
            examples: { active: { summary: "An active subscription", value: SUBSCRIPTION_EXAMPLE } },
          },
          errors: ["invalid_request", "insufficient_scope", "webhook_not_found", ...BEARER_ERRORS],
        }),
        params: ID_PARAMS,
      },
    },
    async (request) =>
      getSubscription({
        ctx: requestCtx(deps, request),
        input: { owner: principalOf(request), id: request.params.id },
      }),
  );

  app.delete<{ Params: { id: string } }>(
    "/webhooks/:id",
    {
      onRequest: auth,
      schema: {
        ...documented({
          operationId: "deleteWebhook",
          tag: "Webhooks",
          summary: "Remove a subscription",
          description: "What it still had queued is not sent.",
          scopes: ["webhooks:write"],
          rateLimited: true,
          ok: {
            description: "Removed",
            schema: { type: "object", properties: { success: { type: "boolean" } } },
            examples: { removed: { summary: "Removed", value: { success: true } } },
          },
          errors: ["invalid_request", "insufficient_scope", "webhook_not_found", ...BEARER_ERRORS],
        }),
        params: ID_PARAMS,
      },
    },
    async (request) => {
      await deleteSubscription({
        ctx: requestCtx(deps, request),
        input: { owner: principalOf(request), id: request.params.id },
      });
      return { success: true };
    },
  );

  app.get<{ Params: { id: string }; Querystring: { cursor?: string; limit?: number; status?: string } }>(
    "/webhooks/:id/deliveries",
    {
      onRequest: auth,
      schema: {
        ...documented({
          operationId: "listWebhookDeliveries",
          tag: "Webhooks",
          summary: "Delivery log, newest first",
          description:
            "Each event with its attempts (status code, duration, error, the start of the receiver's answer). Pages: pass `next_cursor` back as `cursor`.",
          scopes: ["webhooks:write"],
          rateLimited: true,
          ok: {
            description: "A page of deliveries",
            schema: {
              type: "object",
              properties: {
                data: { type: "array", items: DELIVERY },
                next_cursor: { type: ["string", "null"] },
              },
            },
            examples: {
              one: { summary: "One delivered event", value: { data: [DELIVERY_EXAMPLE], next_cursor: null } },
            },
          },
          errors: ["invalid_request", "insufficient_scope", "webhook_not_found", ...BEARER_ERRORS],
        }),
        params: ID_PARAMS,
        querystring: DELIVERIES_QUERY,
      },
    },
    async (request) => {
      const q = request.query;
      return listDeliveries({
        ctx: requestCtx(deps, request),
        input: {
          owner: principalOf(request),
          id: request.params.id,
          ...(q.cursor ? { cursor: q.cursor } : {}),
          ...(q.limit !== undefined ? { limit: q.limit } : {}),
          ...(q.status ? { status: q.status } : {}),
        },
      });
    },
  );

  app.post<{ Params: { id: string }; Body: { since: string; includeDelivered?: boolean } }>(
    "/webhooks/:id/replay",
    {
      onRequest: auth,
      schema: {
        ...documented({
          operationId: "replayWebhook",
          tag: "Webhooks",
          summary: "Send again what did not get through since a time",
          description:
            "Requeues the subscription's failed (and, with `includeDelivered`, delivered) deliveries created since `since`, and enables a disabled endpoint.",
          scopes: ["webhooks:write"],
          rateLimited: true,
          ok: {
            description: "Requeued",
            schema: {
              type: "object",
              properties: {
                success: { type: "boolean" },
                requeued: { type: "integer" },
                webhook: SUBSCRIPTION,
              },
            },
            examples: {
              requeued: {
                summary: "Three deliveries requeued",
                value: { success: true, requeued: 3, webhook: SUBSCRIPTION_EXAMPLE },
              },
            },
          },
          errors: [...BODY_ERRORS, "insufficient_scope", "webhook_not_found", ...BEARER_ERRORS],
        }),
        params: ID_PARAMS,
        body: withExamples(REPLAY_BODY, {
          failed: { summary: "What failed since a time", value: { since: "2026-05-21T10:00:00.000Z" } },
        }),
      },
    },
    async (request) => {
      const since = Date.parse(request.body.since);
      if (Number.isNaN(since)) {
        throw new AppError("invalid_request", "since: must be an ISO 8601 time", {
          details: { field: "since" },
        });
      }
      const r = await replayDeliveries({
        ctx: requestCtx(deps, request),
        input: {
          owner: principalOf(request),
          id: request.params.id,
          since,
          includeDelivered: request.body.includeDelivered === true,
        },
      });
      return { success: true, requeued: r.requeued, webhook: r.subscription };
    },
  );
}
