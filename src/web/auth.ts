import type {} from "@fastify/cookie";
import type { FastifyReply, FastifyRequest } from "fastify";
import { type ResolvedSession, resolveSession, SESSION_TTL_MS } from "../accounts/index.js";
import { hmacHex, safeEqual } from "../core/crypto.js";
import { type AppDeps, requestCtx } from "../http/deps.js";

export const SESSION_COOKIE = "mycrmsim_session";
/** Accounts this browser signed in to (signed entries): they skip the account-wide attempt limit. */
export const DEVICE_COOKIE = "mycrmsim_device";
const DEVICE_TTL_MS = 180 * 86_400_000;
const DEVICE_MAX_ENTRIES = 5;

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

const NEXT_BASE = "http://next.invalid";

/** Control characters, space, DEL or a backslash: what browsers drop or rewrite in a URL. */
function hasUnsafeChar(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f || c === 0x5c) return true;
  }
  return false;
}

/**
 * Only a path on this site may be a post-sign-in destination (no open redirects), anything else is
 * "/". Refused: control characters and backslashes, raw or percent-encoded in the path (browsers
 * drop tab/CR/LF and read `\` as `/`, so `/<TAB>/evil` becomes `//evil`), and whatever does not
 * resolve to a path of our own origin, or resolves to one starting with `//`.
 */
export function safeNext(next: unknown): string {
  if (typeof next !== "string" || next.length > 2048 || !next.startsWith("/")) return "/";
  if (hasUnsafeChar(next)) return "/";
  // The path decoded as often as it decodes (%252F → %2F → /): no layer may hide one of these.
  let path = next.split(/[?#]/, 1)[0] ?? "";
  for (let i = 0; i < 4 && path.includes("%"); i++) {
    try {
      path = decodeURIComponent(path);
    } catch {
      return "/";
    }
    if (hasUnsafeChar(path) || path.startsWith("//")) return "/";
  }
  if (path.includes("%")) return "/";
  let u: URL;
  try {
    u = new URL(next, NEXT_BASE);
  } catch {
    return "/";
  }
  const out = u.pathname + u.search + u.hash;
  if (u.origin !== NEXT_BASE || !out.startsWith("/") || out.startsWith("//")) return "/";
  return out;
}

function deviceTag(deps: AppDeps, email: string): string {
  return hmacHex(deps.secret, `known-device-tag|${email.trim().toLowerCase()}`).slice(0, 16);
}

function deviceMac(deps: AppDeps, tag: string, issued: string): string {
  return hmacHex(deps.secret, `known-device|${tag}|${issued}`).slice(0, 32);
}

function deviceEntries(request: FastifyRequest): string[] {
  const raw = request.cookies[DEVICE_COOKIE] ?? "";
  return raw.length > 1000 ? [] : raw.split("~").filter((e) => e.length > 0);
}

/** Whether this browser carries a valid known-device entry for `email` (set by a past sign-in). */
export function isKnownDevice(deps: AppDeps, request: FastifyRequest, email: string, now: number): boolean {
  const tag = deviceTag(deps, email);
  return deviceEntries(request).some((e) => {
    const [t, issued, mac] = e.split(".");
    if (t !== tag || !issued || !mac) return false;
    const at = Number.parseInt(issued, 36);
    return now - at < DEVICE_TTL_MS && safeEqual(mac, deviceMac(deps, tag, issued));
  });
}

/** After a successful sign-in: remember this browser for `email` (at most a few accounts). */
export function rememberDevice(
  deps: AppDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  email: string,
  now: number,
): void {
  const tag = deviceTag(deps, email);
  const issued = now.toString(36);
  const entry = `${tag}.${issued}.${deviceMac(deps, tag, issued)}`;
  const others = deviceEntries(request).filter((e) => !e.startsWith(`${tag}.`));
  reply.setCookie(DEVICE_COOKIE, [entry, ...others].slice(0, DEVICE_MAX_ENTRIES).join("~"), {
    path: "/",
    httpOnly: true,
    sameSite: "lax",
    secure: isSecure(deps),
    maxAge: Math.floor(DEVICE_TTL_MS / 1000),
  });
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
