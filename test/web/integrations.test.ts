import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { findUserByEmail } from "../../src/accounts/index.js";
import { ctxFor, makeLocation, makeUser } from "../helpers/factories.js";
import { makeApiToken } from "../helpers/oauth.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { forEachDialect } from "../helpers/store.js";
import { FormClient, setupAdmin } from "../helpers/web.js";

forEachDialect("integrations page (connected apps)", (dialect) => {
  let s: TestServer;
  let c: FormClient;
  let mine: { accessToken: string; grantId: string };
  let theirs: { accessToken: string; grantId: string };
  const me = async (token: string) =>
    (await fetch(`${s.url}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } })).status;
  before(async () => {
    s = await startTestServer(dialect);
    c = await setupAdmin(s.url);
    const ctx = ctxFor(s.db.store);
    const admin = await findUserByEmail({ ctx, input: { email: "admin@example.com" } });
    const locationId = /href="\/locations\/([^/]+)\/webhooks"/.exec(
      await (await c.get("/locations")).text(),
    )?.[1];
    mine = await makeApiToken(ctx, {
      userId: admin?.id ?? "",
      locationIds: [locationId ?? ""],
      scopes: ["messages:send", "locations:read"],
      clientName: "Zapier (test)",
    });
    const stranger = await makeUser(ctx);
    const loc = await makeLocation(ctx, stranger.id);
    theirs = await makeApiToken(ctx, { userId: stranger.id, locationIds: [loc.id], clientName: "Their app" });
  });
  after(async () => {
    await s.close();
  });

  it("signed out → sign-in; CSRF-less POST → 403; another user's grant cannot be disconnected", async () => {
    const r = await new FormClient(s.url).get("/integrations");
    assert.equal(r.status, 303);
    assert.match(r.headers.get("location") ?? "", /^\/signin/);
    assert.equal((await c.post(`/integrations/apps/${mine.grantId}/disconnect`, {})).status, 403);
    const csrf = await c.csrf("/integrations");
    const other = await c.post(`/integrations/apps/${theirs.grantId}/disconnect`, { _csrf: csrf });
    assert.equal(other.status, 400);
    assert.match(await other.text(), /role="alert">No such connected app/);
    assert.equal(await me(theirs.accessToken), 200);
    assert.equal(await me(mine.accessToken), 200);
  });

  it("lists the connected app with what it may do and where; Disconnect revokes its token", async () => {
    const text = await (await c.get("/integrations")).text();
    assert.match(text, /<strong>Zapier \(test\)<\/strong>/);
    assert.match(text, /Send SMS and MMS from those locations&#39; phones/);
    assert.match(text, /<div>Main Street Dental<\/div>/);
    assert.doesNotMatch(text, /Their app/);
    assert.match(text, /Webhooks of Main Street Dental/);
    const csrf = await c.csrf("/integrations");
    const ask = await c.post(`/integrations/apps/${mine.grantId}/disconnect`, { _csrf: csrf });
    assert.equal(ask.status, 200);
    assert.match(await ask.text(), /Disconnect Zapier \(test\)\?/);
    assert.equal(await me(mine.accessToken), 200);
    const r = await c.post(`/integrations/apps/${mine.grantId}/disconnect`, { _csrf: csrf, confirm: "1" });
    assert.equal(r.status, 303);
    const after = await (await c.get(r.headers.get("location") ?? "")).text();
    assert.match(after, /App disconnected/);
    assert.doesNotMatch(after, /Zapier \(test\)/);
    assert.equal(await me(mine.accessToken), 401);
  });
});
