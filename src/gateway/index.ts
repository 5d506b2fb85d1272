import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { AppError } from "../core/errors.js";
import { isId } from "../core/ids.js";
import { authenticateDevice, type DeviceOptions, deviceOptions, getDevice } from "../devices/index.js";
import { type AppDeps, requestCtx } from "../http/deps.js";
import { logError, toAppError } from "../http/errors.js";
import { noStore, replaceNul } from "../http/hooks.js";
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
  /** onRequest hook: the device token, checked before the body is read (finding L2). */
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
  app.addHook("onRequest", noStore);
  // Keep the raw body: phone webhooks are signed over the exact bytes. `__proto__` and
  // `constructor.prototype` keys are dropped (as Fastify's own parser would refuse them), and a NUL
  // becomes U+FFFD: PostgreSQL cannot store it, and what a phone reports must not be refused for a
  // character it cannot change (the signed raw body stays as it came).
  const parseJson = app.getDefaultJsonParser("remove", "remove");
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (request, body, done) => {
    const text = String(body);
    request.rawBody = text;
    if (text.trim() === "") return done(null, undefined);
    parseJson(request, text, (err, parsed) =>
      err ? done(err, undefined) : done(null, text.includes("\\u0000") ? replaceNul(parsed) : parsed),
    );
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
  await app.register(async (ingest) => {
    ingest.addHook("onRequest", ingestGate(g));
    await ingestRoutes(ingest, g);
  });
  if (surface === "dispatch") return;
  await app.register(deviceRoutes, g);
  await app.register(messageRoutes, g);
}

/**
 * Before an ingest body (up to tens of MiB with MMS) is read: it must be signed, and a device named in
 * the path must exist. The signature itself covers the body, so `ingestEvent` checks it afterwards.
 */
function ingestGate(deps: GatewayDeps) {
  return async (request: FastifyRequest): Promise<void> => {
    if (!request.headers["x-signature"] || !request.headers["x-timestamp"]) {
      throw new AppError("unauthorized", "X-Signature and X-Timestamp are required");
    }
    const deviceId = (request.params as { deviceId?: string } | undefined)?.deviceId;
    if (deviceId === undefined) return;
    if (!isId("device", deviceId)) throw new AppError("unauthorized", "Unknown device");
    try {
      // Kept on the request: ingestEvent verifies the signature with this row instead of reading it again.
      request.device = await getDevice({ ctx: requestCtx(deps, request), input: { deviceId } });
    } catch (e) {
      if ((e as AppError).code === "device_not_found") throw new AppError("unauthorized", "Unknown device");
      throw e;
    }
  };
}

function sendGatewayError(request: FastifyRequest, reply: FastifyReply, err: unknown): FastifyReply {
  const e = toAppError(err);
  logError(request, e);
  if (e.retryAfter !== undefined) reply.header("retry-after", String(e.retryAfter));
  if (e.status === 401) reply.header("www-authenticate", 'Bearer error="invalid_token"');
  return reply.code(e.status).send({ message: e.message, code: e.status, error: e.code });
}
