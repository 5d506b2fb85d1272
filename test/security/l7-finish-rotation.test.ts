import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { createClient } from "../../src/oauth/index.js";
import { ctxFor, makeUser } from "../helpers/factories.js";
import { basic } from "../helpers/oauth.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { forEachDialect } from "../helpers/store.js";
import { signIn } from "../web/util.js";

forEachDialect("L7 dashboard secret rotation can be finished", (dialect) => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer(dialect);
  });
  after(async () => {
    await s.close();
  });

  /** The OAuth error for a dummy refresh token: `invalid_grant` once the client authenticated. */
  const clientAuth = async (id: string, secret: string) => {
    const r = await fetch(`${s.url}/oauth/token`, {
      method: "POST",
      headers: { authorization: basic(id, secret), "content-type": "application/x-www-form-urlencoded" },
      body: "grant_type=refresh_token&refresh_token=mcs_rt_dummy",
    });
    return ((await r.json()) as { error: string }).error;
  };

  it("L7 Finish rotation revokes the old secret; the new one keeps working", async () => {
    const ctx = ctxFor(s.db.store);
    const admin = await makeUser(ctx, { isAdmin: true });
    const c = await createClient({ ctx, input: { name: "Leaky", redirectUris: ["https://app.example/cb"] } });
    const web = await signIn(s.url, admin.email, admin.password);
    const rotated = await web.post(`/admin/apps/${c.client_id}/rotate`, {
      _csrf: await web.csrf("/admin/apps"),
    });
    assert.equal(rotated.status, 200);
    const page = await rotated.text();
    const fresh = /data-testid="client-secret">([^<]+)</.exec(page)?.[1] ?? "";
    assert.ok(fresh);
    assert.match(page, /Finish rotation/);
    assert.equal(
      await clientAuth(c.client_id, c.client_secret),
      "invalid_grant",
      "old secret during rotation",
    );
    assert.equal(await clientAuth(c.client_id, fresh), "invalid_grant");

    const done = await web.post(`/admin/apps/${c.client_id}/finish-rotation`, {
      _csrf: await web.csrf("/admin/apps"),
    });
    assert.equal(done.status, 303);
    assert.equal(done.headers.get("location"), "/admin/apps?done=finished");
    assert.equal(
      await clientAuth(c.client_id, c.client_secret),
      "invalid_client",
      "old secret after finishing",
    );
    assert.equal(await clientAuth(c.client_id, fresh), "invalid_grant", "new secret after finishing");
    const after = await (await web.get("/admin/apps?done=finished")).text();
    assert.match(after, /the old secret no longer works/);
    assert.doesNotMatch(after, /old secret still valid/);
  });

  it("L7 only administrators can finish a rotation, with a valid CSRF token", async () => {
    const ctx = ctxFor(s.db.store);
    const user = await makeUser(ctx);
    const c = await createClient({ ctx, input: { name: "Other", redirectUris: ["https://app.example/cb"] } });
    const web = await signIn(s.url, user.email, user.password);
    const r = await web.post(`/admin/apps/${c.client_id}/finish-rotation`, {
      _csrf: await web.csrf("/account"),
    });
    assert.equal(r.status, 403);
  });
});
