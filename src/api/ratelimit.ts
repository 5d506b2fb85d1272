import type { FastifyReply, FastifyRequest } from "fastify";
import { AppError } from "../core/errors.js";
import { type AppDeps, requestCtx } from "../http/deps.js";
import { consumeRate, type RateDecision } from "../oauth/index.js";

/** The reply of each authenticated request, so later checks in the handler can add their headers. */
const replies = new WeakMap<FastifyRequest, FastifyReply>();
const decisions = new WeakMap<FastifyRequest, { name: string; d: RateDecision }[]>();

export function rememberReply(request: FastifyRequest, reply: FastifyReply): void {
  replies.set(request, reply);
}

/**
 * Headers for every limit checked so far: `RateLimit-Policy` lists each policy; `RateLimit` and
 * `X-RateLimit-*` describe the tightest one (draft-ietf-httpapi-ratelimit-headers and the de facto
 * X- form, for clients that only know that one).
 */
function setHeaders(request: FastifyRequest, name: string, d: RateDecision): void {
  const all = [...(decisions.get(request) ?? []).filter((x) => x.name !== name), { name, d }];
  decisions.set(request, all);
  const reply = replies.get(request);
  if (!reply) return;
  const tight = all.reduce((a, b) => (b.d.remaining < a.d.remaining ? b : a));
  reply.header("ratelimit-policy", all.map((x) => `"${x.name}";q=${x.d.limit};w=60`).join(", "));
  reply.header("ratelimit", `"${tight.name}";r=${tight.d.remaining};t=${tight.d.resetSeconds}`);
  reply.header("x-ratelimit-limit", String(tight.d.limit));
  reply.header("x-ratelimit-remaining", String(tight.d.remaining));
  reply.header("x-ratelimit-reset", String(tight.d.resetSeconds));
}

const BUDGET_NAMES: Record<string, string> = {
  connection: "connection",
  client: "OAuth client (all its connections together)",
  location: "location",
};

async function apply(
  deps: AppDeps,
  request: FastifyRequest,
  name: string,
  key: string,
  perMinute: number,
): Promise<void> {
  const d = await consumeRate({ ctx: requestCtx(deps, request), input: { key, perMinute } });
  setHeaders(request, name, d);
  if (!d.ok) {
    throw new AppError(
      "rate_limited",
      `Too many requests for this ${BUDGET_NAMES[name] ?? name}; retry in ${d.retryAfterSeconds} s`,
      {
        retryAfter: d.retryAfterSeconds,
      },
    );
  }
}

/**
 * The budgets of every API request (`bearerAuth` applies them): the connection's — one user's grant
 * to the client, RATE_LIMIT_PER_MINUTE — and then the client's ceiling over all its connections
 * (RATE_LIMIT_PER_CLIENT_PER_MINUTE). An integration such as Make or Zapier is one OAuth client
 * shared by all its customers: each customer's connection has a budget of its own, so one of them
 * using all of theirs leaves the others theirs; the ceiling still bounds the client as a whole. A
 * client with one connection sees one budget, as before. The grant is the authenticated request's
 * (`request.principal`, set before this is called).
 *
 * Cost: each key reserves about one second of its rate per process at a time (one statement), so a
 * busy connection costs about one statement a second per process, as a busy client did before, and
 * the client's ceiling (a ten times larger reservation) at most one more a second however many of its
 * connections are busy. A request refused by its connection's budget is not charged to the client.
 */
export async function rateLimitClient(
  deps: AppDeps,
  request: FastifyRequest,
  clientId: string,
): Promise<void> {
  const principal = request.principal;
  if (!principal || principal.clientId !== clientId || !principal.grantId) {
    throw new AppError("unauthorized", "Invalid or expired access token");
  }
  await apply(deps, request, "connection", `g:${principal.grantId}`, deps.config.rateLimitPerMinute);
  await apply(deps, request, "client", `c:${clientId}`, deps.config.rateLimitPerClientPerMinute);
}

/**
 * The per-client-and-location sub-limit (RATE_LIMIT_PER_LOCATION_PER_MINUTE). Call it in a handler
 * after `bearerAuth` and `requireLocation`, e.g. when sending a message to `locationId`; throws 429
 * `rate_limited` with Retry-After, and sets the RateLimit headers either way.
 */
export async function rateLimitLocation(
  deps: AppDeps,
  request: FastifyRequest,
  locationId: string,
): Promise<void> {
  const clientId = request.principal?.clientId;
  if (!clientId) throw new AppError("unauthorized", "Invalid or expired access token");
  await apply(
    deps,
    request,
    "location",
    `l:${clientId}:${locationId}`,
    deps.config.rateLimitPerLocationPerMinute,
  );
}
