import type { FastifyReply, FastifyRequest } from "fastify";
import type { Ctx } from "../context.js";
import { AppError } from "../core/errors.js";
import { type AppDeps, requestCtx } from "../http/deps.js";
import { consumeRate, consumeRateLocally, type RateDecision } from "../oauth/index.js";

type Budget = "connection" | "client" | "location";

/** The budgets an authenticated request was charged so far, for its RateLimit headers. */
interface Charged {
  reply: FastifyReply;
  names: Budget[];
  decisions: RateDecision[];
}

declare module "fastify" {
  interface FastifyRequest {
    /** Set by `bearerAuth` (rateLimitClient), extended by rateLimitLocation. */
    rateLimits?: Charged;
  }
}

const BUDGET_NAMES: Record<Budget, string> = {
  connection: "connection",
  client: "OAuth client (all its connections together)",
  location: "location",
};

/**
 * Write the headers for every budget checked so far, once per check: `RateLimit-Policy` lists each
 * policy; `RateLimit` and `X-RateLimit-*` describe the tightest one (draft-ietf-httpapi-ratelimit-headers
 * and the de facto X- form, for clients that only know that one).
 */
function writeHeaders(c: Charged): void {
  let policy = "";
  let tight = 0;
  for (let i = 0; i < c.names.length; i++) {
    const d = c.decisions[i] as RateDecision;
    policy += `${i ? ", " : ""}"${c.names[i]}";q=${d.limit};w=60`;
    if (d.remaining < (c.decisions[tight] as RateDecision).remaining) tight = i;
  }
  const t = c.decisions[tight] as RateDecision;
  c.reply
    .header("ratelimit-policy", policy)
    .header("ratelimit", `"${c.names[tight]}";r=${t.remaining};t=${t.resetSeconds}`)
    .header("x-ratelimit-limit", String(t.limit))
    .header("x-ratelimit-remaining", String(t.remaining))
    .header("x-ratelimit-reset", String(t.resetSeconds));
}

function refusal(name: Budget, d: RateDecision): AppError {
  return new AppError(
    "rate_limited",
    `Too many requests for this ${BUDGET_NAMES[name]}; retry in ${d.retryAfterSeconds} s`,
    { retryAfter: d.retryAfterSeconds },
  );
}

/**
 * The budgets of every API request (`bearerAuth` applies them): the connection's — one user's grant
 * to the client, RATE_LIMIT_PER_MINUTE — and then the client's ceiling over all its connections
 * (RATE_LIMIT_PER_CLIENT_PER_MINUTE). An integration such as Make or Zapier is one OAuth client
 * shared by all its customers: each customer's connection has a budget of its own, so one of them
 * using all of theirs leaves the others theirs; the ceiling still bounds the client as a whole. A
 * client with one connection sees one budget, as before. The grant is the authenticated request's
 * (`request.principal`, set before this is called). Both are charged in one pass and the headers
 * written once.
 *
 * Cost: each key reserves about one second of its rate per process at a time (one statement), so a
 * busy connection costs about one statement a second per process, as a busy client did before, and
 * the client's ceiling (a ten times larger reservation) at most one more a second however many of its
 * connections are busy. A request refused by its connection's budget is not charged to the client.
 */
export function rateLimitClient(
  deps: AppDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  ctx: Ctx = requestCtx(deps, request),
): Promise<void> | undefined {
  const principal = request.principal;
  if (!principal?.grantId) throw new AppError("unauthorized", "Invalid or expired access token");
  const connection = { key: `g:${principal.grantId}`, perMinute: deps.config.rateLimitPerMinute };
  const client = { key: `c:${principal.clientId}`, perMinute: deps.config.rateLimitPerClientPerMinute };
  // Usually both answer from this process's share, with no promise; else the slow path below.
  const c = consumeRateLocally({ ctx, input: connection });
  const k = c?.ok ? consumeRateLocally({ ctx, input: client }) : undefined;
  if (c && (k || !c.ok)) {
    charge(request, reply, c, k);
    return undefined;
  }
  return (async () => {
    const cd = c ?? (await consumeRate({ ctx, input: connection }));
    const kd = cd.ok ? (k ?? (await consumeRate({ ctx, input: client }))) : undefined;
    charge(request, reply, cd, kd);
  })();
}

/** Record the connection's (and the client's) decision, write the headers once, refuse if spent. */
function charge(
  request: FastifyRequest,
  reply: FastifyReply,
  connection: RateDecision,
  client?: RateDecision,
): void {
  const charged: Charged = client
    ? { reply, names: ["connection", "client"], decisions: [connection, client] }
    : { reply, names: ["connection"], decisions: [connection] };
  request.rateLimits = charged;
  writeHeaders(charged);
  if (!connection.ok) throw refusal("connection", connection);
  if (client && !client.ok) throw refusal("client", client);
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
  const budget = {
    ctx: requestCtx(deps, request),
    input: { key: `l:${clientId}:${locationId}`, perMinute: deps.config.rateLimitPerLocationPerMinute },
  };
  const d = consumeRateLocally(budget) ?? (await consumeRate(budget));
  const charged = request.rateLimits;
  if (charged) {
    const at = charged.names.indexOf("location");
    if (at >= 0) charged.decisions[at] = d;
    else {
      charged.names.push("location");
      charged.decisions.push(d);
    }
    writeHeaders(charged);
  }
  if (!d.ok) throw refusal("location", d);
}
