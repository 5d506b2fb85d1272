import type { IncomingMessage } from "node:http";
import { newId } from "../core/ids.js";

/** A client-supplied request id is kept only when it is short and plain (it reaches logs and answers). */
const PLAIN_ID = /^[\w.:-]{1,64}$/;

/**
 * Fastify's `genReqId`: the caller's `X-Request-Id` when it is plain (so a trace id crosses our logs),
 * else a new `req_…` id. Decided before the request's logger is made, so its log lines carry the same
 * id the answer echoes.
 */
export function requestId(req: IncomingMessage): string {
  const sent = req.headers["x-request-id"];
  return typeof sent === "string" && PLAIN_ID.test(sent) ? sent : newId("request");
}
