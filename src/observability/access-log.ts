import type {
  FastifyBaseLogger,
  FastifyReply,
  FastifyRequest,
  HookHandlerDoneFunction,
  onResponseHookHandler,
  RouteOptions,
} from "fastify";
import { writeAccessLine } from "./log.js";
import type { Metrics } from "./metrics.js";

/** ACCESS_LOG: a line per answer, only for answers with status 400 or more, or none. */
export type AccessLogMode = "all" | "errors" | "off";

/**
 * Root onResponse hook: the access log line (method, path without the query, status, duration and
 * the request id its logger carries), and the duration of requests that matched no route. Routes
 * with `logLevel: "warn"` (health checks, metrics scrapes) never log one.
 */
export function accessLogHook(metrics: Metrics, mode: AccessLogMode) {
  return function accessLog(
    request: FastifyRequest,
    reply: FastifyReply,
    done: HookHandlerDoneFunction,
  ): void {
    const status = reply.statusCode;
    if (request.is404) {
      metrics.httpDuration.series(request.method, "unmatched", status).observe(reply.elapsedTime / 1000);
    }
    if ((mode === "all" || (mode === "errors" && status >= 400)) && infoEnabled(request.log)) {
      const url = request.url;
      const q = url.indexOf("?");
      const path = q < 0 ? url : url.slice(0, q);
      writeAccessLine(request.id, request.method, path, status, Math.round(reply.elapsedTime * 10) / 10);
    }
    done();
  };
}

/** Whether the request's logger writes `info` (routes may lower it, e.g. `logLevel: "warn"`). */
function infoEnabled(log: FastifyBaseLogger): boolean {
  return (log as { isLevelEnabled?(level: string): boolean }).isLevelEnabled?.("info") ?? true;
}

/**
 * onRoute hook: every route records its own durations, under its URL pattern (`/api/v1/messages/:id`,
 * never the raw path, so ids cannot blow up the label set). The route is known here once, instead of
 * being looked up on every request.
 */
export function routeMetricsHook(metrics: Metrics) {
  return (route: RouteOptions): void => {
    const url = route.url;
    const observe = (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void => {
      metrics.httpDuration.series(request.method, url, reply.statusCode).observe(reply.elapsedTime / 1000);
      done();
    };
    const existing = route.onResponse;
    // A new array: Fastify derives the HEAD route from a copy of these options made before this hook.
    route.onResponse = [
      ...(Array.isArray(existing) ? existing : existing ? [existing] : []),
      observe as onResponseHookHandler,
    ];
  };
}
