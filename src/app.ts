import cookie from "@fastify/cookie";
import formbody from "@fastify/formbody";
import helmet from "@fastify/helmet";
import swagger from "@fastify/swagger";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import Fastify, { type FastifyInstance, LogController } from "fastify";
import { dispatchApiPlugin, apiPlugin } from "./api/index.js";
import { mediaPlugin } from "./api/media.js";
import { oauthPlugin } from "./api/oauth/index.js";
import { systemPlugin } from "./api/system.js";
import { REDACT_PATHS } from "./core/logger.js";
import { newId } from "./core/ids.js";
import { fastifyTrustProxy } from "./config/index.js";
import { gatewayPlugin } from "./gateway/index.js";
import type { AppDeps } from "./http/deps.js";
import { sendApiError } from "./http/errors.js";
import { refuseNulHook } from "./http/hooks.js";
import { validatorCompiler } from "./http/validation.js";
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
    logger:
      opts.logger === false
        ? false
        : { level: deps.config.logLevel, redact: { paths: REDACT_PATHS, censor: "[redacted]" } },
    trustProxy: fastifyTrustProxy(deps.config.trustProxy),
    requestIdHeader: "x-request-id",
    genReqId: () => newId("request"),
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

  // A client-supplied request id is echoed only when it is short and plain.
  app.addHook("onRequest", async (request, reply) => {
    if (!/^[\w.:-]{1,64}$/.test(request.id)) (request as { id: string }).id = newId("request");
    reply.header("x-request-id", request.id);
  });
  app.addHook("onResponse", async (request, reply) => {
    request.log.info(
      {
        method: request.method,
        url: request.url.split("?")[0],
        statusCode: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 10) / 10,
      },
      "request",
    );
    deps.metrics.httpDuration.observe(
      {
        method: request.method,
        route: request.routeOptions.url ?? "unmatched",
        status: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    );
  });

  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "style-src": ["'self'"],
        "script-src": ["'self'"],
        "form-action": ["'self'", "https:", "http:"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
      },
    },
    frameguard: { action: "deny" },
    referrerPolicy: { policy: "no-referrer" },
    hsts: deps.config.publicUrl.startsWith("https:"),
    crossOriginResourcePolicy: { policy: "same-site" },
  });
  await app.register(cookie);
  await app.register(formbody, { bodyLimit: 64 * 1024 });
  await app.register(swagger, {
    // Only the API, OAuth and discovery routes are documented; pages are hidden unless they carry tags.
    transform: ({ schema, url }) => ({
      schema:
        /^\/(api\/|oauth\/|\.well-known\/)/.test(url) || (schema as { tags?: unknown } | undefined)?.tags
          ? schema
          : { ...(schema ?? {}), hide: true },
      url,
    }),
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "myCRMSIM API",
        version: "1.0.0",
        description: "Send and receive SMS through your own phones.",
      },
      servers: [{ url: deps.config.publicUrl }],
      components: {
        securitySchemes: {
          oauth2: {
            type: "oauth2",
            flows: {
              authorizationCode: {
                authorizationUrl: `${deps.config.publicUrl}/oauth/authorize`,
                tokenUrl: `${deps.config.publicUrl}/oauth/token`,
                scopes: {
                  "locations:read": "See your locations",
                  "messages:send": "Send SMS and MMS",
                  "messages:read": "Read message history",
                  "webhooks:write": "Manage webhook subscriptions",
                },
              },
            },
          },
        },
      },
    },
  });

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
    await app.register(docsPlugin);
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
