import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { AppDeps } from "../http/deps.js";

/** Bound to a loopback address: only this machine can connect. */
export function isLoopbackHost(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

const digest = (s: string) => createHash("sha256").update(s).digest();

/**
 * Who may read /metrics (finding L11). With METRICS_TOKEN: whoever sends it, compared in constant time
 * (over hashes, so the length is not revealed either). Without: nobody on a non-loopback HOST, and on
 * a loopback one only requests that did not come through a reverse proxy, which would make it public.
 */
function metricsAccess(deps: AppDeps, request: FastifyRequest): "ok" | "token" | "hidden" {
  const token = deps.config.metricsToken;
  if (token) {
    const sent = request.headers.authorization ?? "";
    return timingSafeEqual(digest(sent), digest(`Bearer ${token}`)) ? "ok" : "token";
  }
  if (!isLoopbackHost(deps.config.host)) return "hidden";
  const h = request.headers;
  if (h["x-forwarded-for"] !== undefined || h.forwarded !== undefined || h["x-real-ip"] !== undefined) {
    return "hidden";
  }
  return "ok";
}

/** Liveness, readiness (database reachable) and Prometheus metrics. */
export async function systemPlugin(app: FastifyInstance, deps: AppDeps): Promise<void> {
  app.get("/healthz", { logLevel: "warn" }, async () => ({ status: "ok" }));
  app.get("/readyz", { logLevel: "warn" }, async (_request, reply) => {
    try {
      await deps.store.ping();
      return { status: "ok", database: deps.store.dialect };
    } catch {
      return reply
        .code(503)
        .header("retry-after", "5")
        .send({ status: "unavailable", database: deps.store.dialect });
    }
  });
  app.get("/metrics", { logLevel: "warn" }, async (request, reply) => {
    const access = metricsAccess(deps, request);
    if (access === "token") {
      return reply
        .code(401)
        .header("www-authenticate", "Bearer")
        .send({ error: "unauthorized", message: "Metrics need the METRICS_TOKEN" });
    }
    if (access === "hidden") {
      return reply.code(404).send({
        error: "not_found",
        message: "No route GET /metrics (set METRICS_TOKEN to serve metrics)",
        request_id: request.id,
      });
    }
    return reply.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
}
