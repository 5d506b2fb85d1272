/**
 * SSRF-safe outbound HTTP for user-supplied URLs (webhook targets). Domain code gets an `Egress` from
 * `createEgress({ allowPrivate: config.allowPrivateUrls })`; nothing else in the program should POST to a URL a
 * user typed. See README "Webhooks" for the policy, and address-policy.ts for the address rule.
 */
import { isAppError } from "../core/errors.js";
import { type Lookup, parseTarget, refuse, resolveChecked, systemLookup } from "./check-url.js";
import { postOnce } from "./post.js";
import { pinnedConnector } from "./pinned-connector.js";
import { Agent } from "undici";

export type { Lookup } from "./check-url.js";
export { addressRefusal, hostnameRefusal } from "./address-policy.js";

export interface EgressOptions {
  /** From config.allowPrivateUrls (ALLOW_PRIVATE_URLS): allow http and private/loopback targets. Development only. */
  allowPrivate: boolean;
  /** FOR TESTS: replaces the system resolver (`dns.lookup(name, {all: true})`), e.g. to make "evil.example" answer 127.0.0.1. */
  lookup?: Lookup;
  /** FOR TESTS (or a private PKI): extra trusted CA certificates, PEM. The system store is replaced, as in `tls.connect`. */
  ca?: string | string[];
  /** TCP+TLS connect timeout per new connection (the per-request `timeoutMs` still bounds the whole request). Default 5000. */
  connectTimeoutMs?: number;
}

export interface EgressResponse {
  /** HTTP status; 0 when no response was received (refused target, network error, timeout). */
  status: number;
  headers: Record<string, string>;
  /** At most the first 1 KiB of the response body (UTF-8); the rest is discarded. */
  body: string;
  durationMs: number;
  error?: string;
}

export interface Egress {
  /**
   * Throws AppError("invalid_target_url", reason naming the problem) for: unparseable URL, scheme not https
   * (http allowed only when allowPrivate), credentials in URL, empty host, or any resolved address that is
   * private/loopback/link-local/unique-local/CGNAT/multicast/unspecified/reserved/cloud-metadata (IPv4, IPv6,
   * IPv4-mapped ::ffff:, IPv4-compatible, NAT64 64:ff9b::/96 and 64:ff9b:1::/48, 6to4 2002::/16, Teredo) —
   * unless allowPrivate. Also refuses localhost/*.local/*.internal/single-label names and ports below 1024
   * other than 80/443/8443 (unless allowPrivate).
   */
  checkUrl(url: string): Promise<void>;
  /**
   * POST: DNS resolved once per new connection, every resolved address checked, the TCP/TLS connection pinned
   * to a checked address (no DNS rebinding; TLS still verifies the hostname via servername), redirects NOT
   * followed (3xx returned as is), timeout covering connect+headers+body. Never throws for HTTP statuses;
   * network errors/timeouts/refused addresses return {status: 0, error}. Response body read up to 1 KiB then
   * discarded. Connections are kept alive and reused per origin.
   */
  post(
    url: string,
    init: { headers: Record<string, string>; body: string; timeoutMs: number },
  ): Promise<EgressResponse>;
  close(): Promise<void>;
}

export function createEgress(opts: EgressOptions): Egress {
  const allowPrivate = opts.allowPrivate;
  const lookup = opts.lookup ?? systemLookup;
  // One dedicated Agent (a keep-alive Pool per origin). Never the global dispatcher, and no proxy from the
  // environment: every new connection goes through the pinned connector.
  const agent = new Agent({
    connect: pinnedConnector({
      allowPrivate,
      lookup,
      connectTimeoutMs: opts.connectTimeoutMs ?? 5000,
      ca: opts.ca,
    }),
    keepAliveTimeout: 10_000,
    keepAliveMaxTimeout: 60_000,
  });
  let closed = false;
  return {
    async checkUrl(url) {
      const target = parseTarget(url, allowPrivate);
      // With private targets allowed every address passes, so there is nothing to resolve for.
      if (allowPrivate) return;
      try {
        await resolveChecked(target, allowPrivate, lookup, url);
      } catch (e) {
        if (isAppError(e)) throw e;
        throw refuse(url, `${(e as Error).message.replace(/^\w+: /, "")} (${(e as { code?: string }).code})`);
      }
    },
    async post(url, init) {
      const started = performance.now();
      let target: ReturnType<typeof parseTarget>;
      try {
        if (closed) throw new Error("egress is closed");
        target = parseTarget(url, allowPrivate);
      } catch (e) {
        return {
          status: 0,
          headers: {},
          body: "",
          durationMs: performance.now() - started,
          error: describe(e),
        };
      }
      return postOnce(agent, target.url, init, started, describe);
    },
    async close() {
      if (closed) return;
      closed = true;
      await agent.close();
    },
  };
}

function describe(e: unknown): string {
  if (isAppError(e)) return `${e.code}: ${e.message}`;
  const err = e as { name?: string; code?: string; message?: string; cause?: unknown };
  if (err?.name === "TimeoutError") return `timeout: ${err.message ?? "timed out"}`;
  const cause = err?.cause as { code?: string; message?: string } | undefined;
  if (isAppError(cause)) return `${cause.code}: ${cause.message}`;
  const code = err?.code ?? cause?.code;
  const message = err?.message ?? String(e);
  return code !== undefined && !message.includes(code) ? `${code}: ${message}` : message;
}
