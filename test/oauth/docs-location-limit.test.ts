import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { ctxFor, makeLocation, makeUser } from "../helpers/factories.js";
import { makeApiToken } from "../helpers/oauth.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { forEachDialect } from "../helpers/store.js";

forEachDialect("OpenAPI document, /docs, and the per-location sub-limit", (dialect) => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer(dialect, { RATE_LIMIT_PER_LOCATION_PER_MINUTE: "2" });
  });
  after(async () => {
    await s.close();
  });

  it("/openapi.json lists the API and OAuth routes with tags, and no dashboard pages", async () => {
    const r = await fetch(`${s.url}/openapi.json`);
    assert.equal(r.status, 200);
    const doc = (await r.json()) as { paths: Record<string, Record<string, { tags?: string[] }>> };
    assert.ok(doc.paths["/api/v1/me"]?.get?.tags?.includes("Identity"));
    assert.ok(doc.paths["/oauth/token"]?.post);
    assert.ok(doc.paths["/.well-known/oauth-authorization-server"]);
    assert.equal(doc.paths["/signin"], undefined);
    assert.equal(doc.paths["/docs"], undefined);
  });

  it("/docs renders every path server-side, under the strict CSP (no scripts, no inline styles)", async () => {
    const r = await fetch(`${s.url}/docs`);
    assert.equal(r.status, 200);
    const text = await r.text();
    assert.match(text, /GET<\/span> <span class="mono">\/api\/v1\/me/);
    assert.match(text, /POST<\/span> <span class="mono">\/oauth\/token/);
    assert.doesNotMatch(text, /<script(?! src="\/assets\/app\.js")|style=/);
    assert.match(r.headers.get("content-security-policy") ?? "", /script-src 'self'/);
  });

  it("rateLimitLocation: a per client+location budget on top of the client's", async () => {
    const { rateLimitLocation, bearerAuth } = await import("../../src/api/auth.js");
    const ctx = ctxFor(s.db.store);
    const u = await makeUser(ctx);
    const loc = await makeLocation(ctx, u.id);
    const { accessToken } = await makeApiToken(ctx, { userId: u.id, locationIds: [loc.id] });
    const deps = s.server.deps;
    const app = (await import("fastify")).default();
    app.get("/x/:loc", { preHandler: bearerAuth(deps) }, async (request) => {
      await rateLimitLocation(deps, request, (request.params as { loc: string }).loc);
      return { ok: true };
    });
    app.setErrorHandler((err, _request, reply) => {
      const e = err as { status?: number; code?: string; retryAfter?: number };
      if (e.retryAfter) reply.header("retry-after", String(e.retryAfter));
      return reply.code(e.status ?? 500).send({ error: e.code });
    });
    const hit = (id: string) =>
      app.inject({ url: `/x/${id}`, headers: { authorization: `Bearer ${accessToken}` } });
    assert.equal((await hit(loc.id)).statusCode, 200);
    const second = await hit(loc.id);
    assert.equal(second.statusCode, 200);
    assert.match(String(second.headers["ratelimit-policy"]), /"client";q=\d+;w=60, "location";q=2;w=60/);
    const third = await hit(loc.id);
    assert.equal(third.statusCode, 429);
    assert.equal(third.json().error, "rate_limited");
    assert.ok(Number(third.headers["retry-after"]) >= 1);
    assert.equal((await hit("loc_other")).statusCode, 200);
    await app.close();
  });
});
