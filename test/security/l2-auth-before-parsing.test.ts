import assert from "node:assert/strict";
import { connect } from "node:net";
import { after, before, it } from "node:test";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { forEachDialect } from "../helpers/store.js";
import { API_ROUTES, BAD_BODIES, MOBILE_ROUTES, type RouteCase } from "./routes.js";

/**
 * L2: the token is checked before the body is parsed or validated. Without a token, or with a bad one,
 * every authenticated route answers 401 with a Bearer challenge whatever the body or query, never a
 * 400/415 that discloses the schema (or costs parsing) to an anonymous caller.
 */
forEachDialect("L2 authentication runs before parsing and validation", (dialect) => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer(dialect);
  });
  after(async () => s.close());

  const expect401 = async (route: RouteCase, auth: string | undefined, what: string, init: RequestInit) => {
    const res = await fetch(`${s.url}${route.path}${init.body === undefined ? (route.badQuery ?? "") : ""}`, {
      ...init,
      method: route.method,
      headers: { ...(init.headers as Record<string, string>), ...(auth ? { authorization: auth } : {}) },
    });
    const text = await res.text();
    assert.equal(res.status, 401, `${route.method} ${route.path} ${what} ${auth ?? "no token"}: ${text}`);
    assert.match(res.headers.get("www-authenticate") ?? "", /^Bearer/, `${route.method} ${route.path}`);
  };

  for (const auth of [undefined, "Bearer not-a-real-token", "Basic dTpw"]) {
    const who = auth ?? "no token";
    it(`L2 API routes: ${who} with {}, [{}], not json, an empty body, text/plain or a bad query → 401`, async () => {
      for (const route of API_ROUTES) {
        if (!route.body) {
          await expect401(route, auth, "bad query", {});
          continue;
        }
        for (const b of BAD_BODIES) {
          await expect401(route, auth, b.name, { headers: { "content-type": b.contentType }, body: b.body });
        }
        // A bad Idempotency-Key header is not looked at either.
        await expect401(route, auth, "bad header", {
          headers: { "content-type": "application/json", "idempotency-key": "a b" },
          body: '{"phone":1}',
        });
      }
    });

    it(`L2 mobile routes: ${who} with {}, [{}], not json, an empty body, text/plain or a bad query → 401`, async () => {
      for (const route of MOBILE_ROUTES) {
        // Registration's credential is a one-time pairing token or code: its form is checked first,
        // its value only with the body (consumed together, under the pairing throttle).
        if (route.path.endsWith("/device") && route.method === "POST" && auth?.startsWith("Bearer")) continue;
        if (!route.body) {
          await expect401(route, auth, "bad query", {});
          continue;
        }
        for (const b of BAD_BODIES) {
          await expect401(route, auth, b.name, { headers: { "content-type": b.contentType }, body: b.body });
        }
      }
    });
  }

  it("L2 mobile ingest: an unsigned post or an unknown device is refused before its body is read", async () => {
    const post = (path: string, headers: Record<string, string>, body: string) =>
      fetch(`${s.url}/api/mobile/v1${path}`, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body,
      });
    const signed = { "x-signature": "00", "x-timestamp": String(Math.floor(Date.now() / 1000)) };
    for (const body of ["not json", "", "{}"]) {
      for (const path of ["/ingest/dev_01jd3k7m9x2b4c6d8f0g1h2j3k", "/ingest"]) {
        const unsigned = await post(path, {}, body);
        assert.equal(unsigned.status, 401, `${path} unsigned ${body}`);
      }
      const unknown = await post("/ingest/dev_01jd3k7m9x2b4c6d8f0g1h2j3k", signed, body);
      assert.equal(unknown.status, 401, `unknown device ${body}`);
      const junk = await post("/ingest/%00", signed, body);
      assert.equal(junk.status, 401, `junk device id ${body}`);
    }
    // Refused without waiting for a body that never comes: only the headers are sent.
    const started = Date.now();
    const head = await headersOnly(
      s.url,
      `POST /api/mobile/v1/ingest/dev_01jd3k7m9x2b4c6d8f0g1h2j3k HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\nx-signature: 00\r\nx-timestamp: ${signed["x-timestamp"]}\r\ncontent-length: 50000000\r\n\r\n{`,
    );
    assert.match(head, /^HTTP\/1\.1 401/);
    assert.ok(Date.now() - started < 5000);
  });

  it("L2 public mobile and OAuth routes stay public", async () => {
    const device = await fetch(`${s.url}/api/mobile/v1/device`);
    assert.equal(device.status, 200);
    const meta = await fetch(`${s.url}/.well-known/oauth-authorization-server`);
    assert.equal(meta.status, 200);
  });
});

/** Write `raw` to the server and resolve with the first chunk it answers (the status line and headers). */
function headersOnly(url: string, raw: string): Promise<string> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(u.port), u.hostname, () => socket.write(raw));
    socket.setTimeout(5000, () => {
      socket.destroy();
      reject(new Error("no answer"));
    });
    socket.once("data", (d) => {
      socket.destroy();
      resolve(d.toString());
    });
    socket.once("error", reject);
  });
}
