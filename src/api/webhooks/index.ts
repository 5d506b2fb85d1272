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
import {
  DELIVERIES_QUERY,
  DELIVERY,
  ERROR,
  ID_PARAMS,
  REPLAY_BODY,
  SUBSCRIBE_BODY,
  SUBSCRIBED,
  SUBSCRIPTION,
  UNSUBSCRIBE_BODY,
} from "./schemas.js";

const TAGS = ["Webhooks"];
const SECURITY = [{ oauth2: ["webhooks:write"] }];
const ERRORS = { 400: ERROR, 401: ERROR, 403: ERROR, 404: ERROR, 429: ERROR };

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
        tags: TAGS,
        summary: "Subscribe a URL to a location's events (idempotent per client, location, event, URL)",
        description:
          "`new_message` carries inbound message text: it also needs the `messages:read` scope (403 `insufficient_scope`). Deliveries are POSTs signed per Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`) with the returned `secret`. Only 2xx counts; retries for about three days; `410 Gone` removes the subscription.",
        security: SECURITY,
        body: SUBSCRIBE_BODY,
        response: { 200: SUBSCRIBED, ...ERRORS },
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
        tags: TAGS,
        summary: "Unsubscribe (idempotent: one already gone still answers success)",
        security: SECURITY,
        body: UNSUBSCRIBE_BODY,
        response: {
          200: { type: "object", properties: { success: { type: "boolean" }, removed: { type: "integer" } } },
          ...ERRORS,
        },
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
        tags: TAGS,
        summary: "This connection's subscriptions (optionally of one location)",
        security: SECURITY,
        querystring: { type: "object", properties: { locationId: { type: "string", maxLength: 64 } } },
        response: {
          200: { type: "object", properties: { data: { type: "array", items: SUBSCRIPTION } } },
          ...ERRORS,
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
        tags: TAGS,
        summary: "One subscription",
        security: SECURITY,
        params: ID_PARAMS,
        response: { 200: SUBSCRIPTION, ...ERRORS },
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
        tags: TAGS,
        summary: "Remove a subscription (what it still had queued is not sent)",
        security: SECURITY,
        params: ID_PARAMS,
        response: { 200: { type: "object", properties: { success: { type: "boolean" } } }, ...ERRORS },
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
        tags: TAGS,
        summary: "Delivery log, newest first: each event with its attempts (status, duration, error)",
        security: SECURITY,
        params: ID_PARAMS,
        querystring: DELIVERIES_QUERY,
        response: {
          200: {
            type: "object",
            properties: {
              data: { type: "array", items: DELIVERY },
              next_cursor: { type: ["string", "null"] },
            },
          },
          ...ERRORS,
        },
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
        tags: TAGS,
        summary: "Send again what did not get through since a time; enables a disabled endpoint",
        security: SECURITY,
        params: ID_PARAMS,
        body: REPLAY_BODY,
        response: {
          200: {
            type: "object",
            properties: {
              success: { type: "boolean" },
              requeued: { type: "integer" },
              webhook: SUBSCRIPTION,
            },
          },
          ...ERRORS,
        },
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
