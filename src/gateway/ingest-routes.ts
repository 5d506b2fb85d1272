import type { FastifyInstance, FastifyRequest } from "fastify";
import { AppError } from "../core/errors.js";
import { ingestEvent } from "../devices/index.js";
import { requestCtx } from "../http/deps.js";
import { ingestBodyLimit } from "../messages/index.js";
import type { GatewayDeps } from "./index.js";

/**
 * POST /ingest/:deviceId: the webhooks a phone posts (GET /webhooks points it here). Authenticated by
 * the per-device HMAC, not a token. Answers 200 only after the event is committed; a replay of an
 * envelope id already processed is 200 too (`duplicate: true`) so the phone stops retrying.
 */
export async function ingestRoutes(app: FastifyInstance, deps: GatewayDeps): Promise<void> {
  const handle = async (request: FastifyRequest, deviceId: string) => {
    if (typeof request.rawBody !== "string" || request.rawBody === "") {
      throw new AppError("invalid_request", "body: a JSON webhook envelope is required");
    }
    const header = (name: string) => {
      const v = request.headers[name];
      return Array.isArray(v) ? v[0] : v;
    };
    const r = await ingestEvent({
      ctx: requestCtx(deps, request),
      input: {
        deviceId,
        device: request.device?.id === deviceId ? request.device : undefined,
        rawBody: request.rawBody,
        signature: header("x-signature"),
        timestamp: header("x-timestamp"),
        maxSkewMs: deps.opts.maxSkewMs,
        onlineMs: deps.opts.onlineMs,
      },
    });
    return { ok: true, ...r };
  };
  // The app inlines MMS parts as base64: a photo or two is past Fastify's 1 MiB default.
  const bodyLimit = ingestBodyLimit(deps.config);
  app.post<{ Params: { deviceId: string } }>("/ingest/:deviceId", { bodyLimit }, async (request) =>
    handle(request, request.params.deviceId),
  );
  // Envelopes carry deviceId too: accept the bare path for phones configured by hand.
  app.post("/ingest", { bodyLimit }, async (request) => {
    const id = (request.body as { deviceId?: unknown } | undefined)?.deviceId;
    if (typeof id !== "string") throw new AppError("invalid_request", "deviceId: required");
    return handle(request, id);
  });
}
