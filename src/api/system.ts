import type { FastifyInstance } from "fastify";
import type { AppDeps } from "../http/deps.js";

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
    const token = deps.config.metricsToken;
    if (token && request.headers.authorization !== `Bearer ${token}`) {
      return reply
        .code(401)
        .header("www-authenticate", "Bearer")
        .send({ error: "unauthorized", message: "Metrics need the METRICS_TOKEN" });
    }
    return reply.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
}
