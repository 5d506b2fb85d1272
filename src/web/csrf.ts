import type {} from "@fastify/cookie";
import type { FastifyReply, FastifyRequest } from "fastify";
import { hmacHex, randomToken, safeEqual } from "../core/crypto.js";
import { AppError } from "../core/errors.js";

export const CSRF_COOKIE = "mycrmsim_csrf";
export const CSRF_FIELD = "_csrf";

/**
 * CSRF protection for every form (signed double submit): a random HttpOnly cookie, and in each form a
 * token that is the HMAC of that cookie under the instance secret. A cross-site page can neither read
 * the cookie nor forge the token. Works the same before and after sign-in.
 */
export function csrfToken(
  request: FastifyRequest,
  reply: FastifyReply,
  secret: string,
  secure: boolean,
): string {
  let seed = request.cookies[CSRF_COOKIE];
  if (!seed || seed.length < 20 || seed.length > 100) {
    seed = randomToken(24);
    reply.setCookie(CSRF_COOKIE, seed, { path: "/", httpOnly: true, sameSite: "lax", secure });
    request.cookies[CSRF_COOKIE] = seed;
  }
  return hmacHex(secret, `csrf:${seed}`);
}

/** Throws 403 `csrf_failed` unless the form's token matches the cookie (and Origin, when sent, is ours). */
export function verifyCsrf(request: FastifyRequest, secret: string, publicOrigin: string): void {
  const origin = request.headers.origin;
  if (origin && origin !== "null" && origin !== publicOrigin && !sameHost(origin, request)) {
    throw new AppError("csrf_failed", "This form was sent from another site");
  }
  const seed = request.cookies[CSRF_COOKIE];
  const body = request.body as Record<string, unknown> | undefined;
  const token = body && typeof body[CSRF_FIELD] === "string" ? (body[CSRF_FIELD] as string) : "";
  if (!seed || !token || !safeEqual(token, hmacHex(secret, `csrf:${seed}`))) {
    throw new AppError(
      "csrf_failed",
      "The form expired or was not sent from this site. Reload the page and try again.",
    );
  }
}

function sameHost(origin: string, request: FastifyRequest): boolean {
  try {
    return new URL(origin).host === request.headers.host;
  } catch {
    return false;
  }
}
