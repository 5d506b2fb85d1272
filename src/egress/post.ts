import type { Agent } from "undici";
import type { EgressResponse } from "./index.js";

/** The most of a response body that is read (for the delivery log); the rest is discarded. */
export const RESPONSE_BODY_LIMIT = 1024;

/**
 * One POST through the egress agent. Redirects are not followed (undici's `request` never follows them; 3xx is
 * returned as is). `timeoutMs` is one deadline over queueing, connect, headers and body.
 */
export async function postOnce(
  agent: Agent,
  url: URL,
  init: { headers: Record<string, string>; body: string; timeoutMs: number },
  started: number,
  describe: (e: unknown) => string,
): Promise<EgressResponse> {
  const signal = AbortSignal.timeout(init.timeoutMs);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(init.headers)) {
    if (k.toLowerCase() !== "host") headers[k] = v;
  }
  try {
    const res = await agent.request({
      origin: url.origin,
      path: `${url.pathname}${url.search}`,
      method: "POST",
      headers,
      body: init.body,
      signal,
      headersTimeout: init.timeoutMs,
      bodyTimeout: init.timeoutMs,
    });
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of res.body) {
        const buf = chunk as Buffer;
        chunks.push(buf.subarray(0, RESPONSE_BODY_LIMIT - size));
        size += buf.length;
        if (size >= RESPONSE_BODY_LIMIT) break; // leaving the loop destroys the body (and that connection)
      }
    } catch (e) {
      // A response whose body did not arrive in time (or was cut by a reset) is no answer: status 0, so a
      // delivery is retried (at-least-once) rather than counted on half a response.
      const why = signal.aborted ? `timeout after ${init.timeoutMs} ms` : describe(e);
      return {
        status: 0,
        headers: flatten(res.headers),
        body: Buffer.concat(chunks).toString("utf8"),
        durationMs: performance.now() - started,
        error: `${why} while reading the response body (status ${res.statusCode})`,
      };
    }
    return {
      status: res.statusCode,
      headers: flatten(res.headers),
      body: Buffer.concat(chunks).toString("utf8"),
      durationMs: performance.now() - started,
    };
  } catch (e) {
    const reason = signal.aborted ? `timeout after ${init.timeoutMs} ms (${describe(e)})` : describe(e);
    return { status: 0, headers: {}, body: "", durationMs: performance.now() - started, error: reason };
  }
}

function flatten(h: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) {
    if (v !== undefined) out[k] = Array.isArray(v) ? v.join(", ") : v;
  }
  return out;
}
