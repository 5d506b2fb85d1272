import type {} from "@fastify/cookie";
import type { FastifyReply, FastifyRequest } from "fastify";
import { type ResolvedSession, resolveSession, SESSION_TTL_MS } from "../accounts/index.js";
import { type AppDeps, requestCtx } from "../http/deps.js";

export const SESSION_COOKIE = "mycrmsim_session";

const cache = new WeakMap<FastifyRequest, ResolvedSession | null>();

/** The signed-in user of this request, if any (looked up once per request). */
export async function currentSession(
  deps: AppDeps,
  request: FastifyRequest,
): Promise<ResolvedSession | undefined> {
  const cached = cache.get(request);
  if (cached !== undefined) return cached ?? undefined;
  const token = request.cookies[SESSION_COOKIE];
  const s = token ? await resolveSession({ ctx: requestCtx(deps, request), input: { token } }) : undefined;
  cache.set(request, s ?? null);
  return s;
}

export function isSecure(deps: AppDeps): boolean {
  return deps.config.publicUrl.startsWith("https:");
}

export function setSessionCookie(deps: AppDeps, reply: FastifyReply, token: string): void {
  reply.setCookie(SESSION_COOKIE, token, {
    path: "/",
    httpOnly: true,
    sameSite: "lax",
    secure: isSecure(deps),
    maxAge: Math.floor(SESSION_TTL_MS / 1000),
  });
}

export function clearSessionCookie(deps: AppDeps, reply: FastifyReply): void {
  reply.clearCookie(SESSION_COOKIE, { path: "/", httpOnly: true, sameSite: "lax", secure: isSecure(deps) });
}

/** Only same-site relative paths may be a post-sign-in destination (no open redirects). */
export function safeNext(next: unknown): string {
  if (typeof next !== "string" || !next.startsWith("/") || next.startsWith("//") || next.startsWith("/\\")) {
    return "/";
  }
  return next;
}

/** Redirect to sign-in (303, keeping where the user was going) when nobody is signed in. */
export async function requireSession(
  deps: AppDeps,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<ResolvedSession | undefined> {
  const s = await currentSession(deps, request);
  if (!s) {
    void reply.redirect(`/signin?next=${encodeURIComponent(request.url)}`, 303);
    return undefined;
  }
  return s;
}
