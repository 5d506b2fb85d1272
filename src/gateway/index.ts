import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { AppError } from "../core/errors.js";
import { authenticateDevice, type DeviceOptions, deviceOptions } from "../devices/index.js";
import { type AppDeps, requestCtx } from "../http/deps.js";
import { logError, toAppError } from "../http/errors.js";
import type { DeviceRow } from "../store/repos/devices.js";
import { deviceRoutes } from "./device-routes.js";
import { EventHub } from "./hub.js";
import { ingestRoutes } from "./ingest-routes.js";
import { messageRoutes } from "./message-routes.js";

declare module "fastify" {
  interface FastifyRequest {
    /** The phone behind the device token (gateway routes after `deviceAuth`). */
    device?: DeviceRow;
    /** The body as received, for signature checks (gateway JSON routes only). */
    rawBody?: string;
  }
}

export interface GatewayDeps extends AppDeps {
  hub: EventHub;
  opts: DeviceOptions;
  deviceAuth: (request: FastifyRequest) => Promise<void>;
}

/** The token after `Bearer ` in Authorization, if any. */
export function bearer(request: FastifyRequest): string | undefined {
  const m = /^Bearer ([\x21-\x7e]+)$/i.exec(request.headers.authorization ?? "");
  return m?.[1];
}

export function deviceOf(request: FastifyRequest): DeviceRow {
  if (!request.device) throw new AppError("unauthorized", "Device token required");
  return request.device;
}

/**
 * The SMSGate private-server protocol under /api/mobile/v1 (see README "Phones"). Errors use SMSGate's
 * `{message, code}` shape. `surface: "dispatch"` serves only the webhook ingest route.
 */
export async function gatewayPlugin(
  app: FastifyInstance,
  options: AppDeps & { surface?: "main" | "dispatch" },
): Promise<void> {
  // The options carry this plugin's own prefix; the route modules below must not inherit it.
  const { prefix: _prefix, surface, ...deps } = options as typeof options & { prefix?: string };
  app.setErrorHandler((err, request, reply) => sendGatewayError(request, reply, err));
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ message: `No route ${request.method} ${request.url.split("?")[0]}`, code: 404 }),
  );
  // Keep the raw body: phone webhooks are signed over the exact bytes.
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (request, body, done) => {
    const text = String(body);
    request.rawBody = text;
    if (text.trim() === "") return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch (e) {
      (e as { statusCode?: number }).statusCode = 400;
      done(e as Error, undefined);
    }
  });
  const opts = deviceOptions(deps.config, deps.secret);
  const g: GatewayDeps = {
    ...deps,
    hub: new EventHub(),
    opts,
    async deviceAuth(request) {
      const token = bearer(request);
      if (!token) throw new AppError("unauthorized", "Authorization: Bearer <device token> required");
      request.device = await authenticateDevice({
        ctx: requestCtx(deps, request),
        input: { token, onlineMs: opts.onlineMs, userAgent: request.headers["user-agent"] },
      });
    },
  };
  await app.register(ingestRoutes, g);
  if (surface === "dispatch") return;
  await app.register(deviceRoutes, g);
  await app.register(messageRoutes, g);
}

function sendGatewayError(request: FastifyRequest, reply: FastifyReply, err: unknown): FastifyReply {
  const e = toAppError(err);
  logError(request, e);
  if (e.retryAfter !== undefined) reply.header("retry-after", String(e.retryAfter));
  return reply.code(e.status).send({ message: e.message, code: e.status, error: e.code });
}
