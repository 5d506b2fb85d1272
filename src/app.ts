import cookie from "@fastify/cookie";
import formbody from "@fastify/formbody";
import swagger from "@fastify/swagger";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from "fastify";
import { dispatchApiPlugin, apiPlugin } from "./api/index.js";
import { mediaPlugin } from "./api/media.js";
import { oauthPlugin } from "./api/oauth/index.js";
import { swaggerOptions } from "./api/openapi/document.js";
import { systemPlugin } from "./api/system.js";
import { fastifyTrustProxy } from "./config/index.js";
import { gatewayPlugin } from "./gateway/index.js";
import type { AppDeps } from "./http/deps.js";
import { sendApiError, validationError } from "./http/errors.js";
import { refuseNulHook } from "./http/hooks.js";
import { requestId } from "./http/request-id.js";
import { responseHeadersHook, securityHeaders } from "./http/security-headers.js";
import { validatorCompiler } from "./http/validation.js";
import { accessLogHook, routeMetricsHook } from "./observability/access-log.js";
import { createLogger } from "./observability/log.js";
import { requestLogger } from "./observability/request-logger.js";
import { webPlugin } from "./web/index.js";
import { docsPlugin } from "./web/pages/docs.js";

export type { AppDeps } from "./http/deps.js";

export interface BuildOptions {
  /** `main` serves everything; `dispatch` only the SMS dispatch routes (DISPATCH_PORT). */
  surface?: "main" | "dispatch";
  /** Pino logger options; false for silence (tests). */
  logger?: boolean;
}

/**
 * The composition root for HTTP: one Fastify instance with every transport registered as its own
 * encapsulated plugin (each maps errors its own way). Background jobs are wired in `main.ts`.
 */
export async function buildApp(deps: AppDeps, opts: BuildOptions = {}): Promise<FastifyInstance> {
  const surface = opts.surface ?? "main";
  const app = Fastify({
    // The process's logger (observability/log.ts): redacted, and its writes never block a request.
    // A request's own logger is made only if it logs (RequestLogger).
    ...(opts.logger === false
      ? { logger: false }
      : {
          loggerInstance: createLogger(deps.config.logLevel) as FastifyBaseLogger,
          childLoggerFactory: requestLogger,
        }),
    trustProxy: fastifyTrustProxy(deps.config.trustProxy),
    // X-Request-Id is read by requestId, which keeps only a plain one.
    requestIdHeader: false,
    genReqId: requestId,
    schemaErrorFormatter: validationError,
    bodyLimit: 1024 * 1024,
    forceCloseConnections: "idle",
    // A request (headers and body) must arrive within REQUEST_TIMEOUT_MS, else 408 and the socket is
    // closed: a body trickled in byte by byte cannot hold a connection forever (finding L6). Only the
    // receiving is timed, so long answers such as the phones' event streams are not affected. Node
    // looks for late requests every connectionsCheckingInterval (30 s by default): a quarter of it.
    requestTimeout: deps.config.requestTimeoutMs,
    http: {
      headersTimeout: Math.min(60_000, deps.config.requestTimeoutMs),
      connectionsCheckingInterval: Math.max(
        100,
        Math.min(30_000, Math.floor(deps.config.requestTimeoutMs / 4)),
      ),
    },
    // One access-log line per request (below, with its route and duration) instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    ajv: { customOptions: { allErrors: false, coerceTypes: "array", removeAdditional: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  // No NUL (U+0000) in any query, path or body string past this point (finding L1).
  app.addHook("preValidation", refuseNulHook);
  if (surface === "main" && deps.config.trustProxyWarning) app.log.warn(deps.config.trustProxyWarning);

  // Per request, only plain synchronous hooks with their work prepared here: the request id and the
  // security headers (computed once), then the access log line and durations (series resolved once).
  app.addHook(
    "onRequest",
    responseHeadersHook(securityHeaders({ https: deps.config.publicUrl.startsWith("https:") })),
  );
  app.addHook("onRoute", routeMetricsHook(deps.metrics));
  app.addHook(
    "onResponse",
    accessLogHook(deps.metrics, opts.logger === false ? "off" : deps.config.accessLog),
  );
  await app.register(cookie);
  await app.register(formbody, { bodyLimit: 64 * 1024 });
  // The document's frame and which routes it shows: api/openapi/document.ts.
  await app.register(swagger, swaggerOptions());

  app.setErrorHandler((err, request, reply) => sendApiError(request, reply, err));
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({
      error: "not_found",
      message: `No route ${request.method} ${request.url.split("?")[0]}`,
      request_id: request.id,
    }),
  );

  await app.register(systemPlugin, deps);
  if (surface === "main") {
    await app.register(apiPlugin, { ...deps, prefix: "/api/v1" } as AppDeps & { prefix: string });
    await app.register(webPlugin, deps);
    await app.register(gatewayPlugin, { ...deps, prefix: "/api/mobile/v1" } as AppDeps & { prefix: string });
    await app.register(oauthPlugin, deps);
    await app.register(docsPlugin, deps);
    await app.register(mediaPlugin, deps);
  } else {
    await app.register(dispatchApiPlugin, { ...deps, prefix: "/api/v1" } as AppDeps & { prefix: string });
    await app.register(gatewayPlugin, {
      ...deps,
      prefix: "/api/mobile/v1",
      surface: "dispatch",
    } as AppDeps & {
      prefix: string;
    });
  }
  return app;
}
