import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from "fastify";

/**
 * The security headers of every answer (pages, API, errors, 404s), as helmet would send them with the
 * options this app used: a strict CSP (no inline script or style, forms may post only to us or to an
 * OAuth redirect target), no framing, no referrer, same-site resources; HSTS when PUBLIC_URL is https.
 * They are fixed strings, built once: @fastify/helmet rebuilt helmet's whole middleware chain on every
 * request (about a tenth of the server's CPU on a small request). A route may still override one
 * (e.g. media answers set their own CSP), since these are set first.
 */
export function securityHeaders(opts: { https: boolean }): ReadonlyArray<readonly [string, string]> {
  const csp = [
    "default-src 'self'",
    "img-src 'self' data:",
    "style-src 'self'",
    "script-src 'self'",
    "form-action 'self' https: http:",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "object-src 'none'",
  ].join(";");
  const headers: [string, string][] = [
    ["content-security-policy", csp],
    ["cross-origin-opener-policy", "same-origin"],
    ["cross-origin-resource-policy", "same-site"],
    ["origin-agent-cluster", "?1"],
    ["referrer-policy", "no-referrer"],
    ["x-content-type-options", "nosniff"],
    ["x-dns-prefetch-control", "off"],
    ["x-download-options", "noopen"],
    ["x-frame-options", "DENY"],
    ["x-permitted-cross-domain-policies", "none"],
    // The old XSS auditor is off: it could be abused to leak data (modern browsers dropped it).
    ["x-xss-protection", "0"],
  ];
  if (opts.https) headers.push(["strict-transport-security", "max-age=31536000; includeSubDomains"]);
  return Object.freeze(headers.map((h) => Object.freeze(h)));
}

/**
 * Root onRequest hook: echo the request id (see request-id.ts) and set the security headers. One
 * synchronous hook, so the work every request needs costs no promise.
 */
export function responseHeadersHook(headers: ReadonlyArray<readonly [string, string]>) {
  return function responseHeaders(
    request: FastifyRequest,
    reply: FastifyReply,
    done: HookHandlerDoneFunction,
  ): void {
    reply.header("x-request-id", request.id);
    for (const [name, value] of headers) reply.header(name, value);
    done();
  };
}
