import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { ctxFor, makeLocation, makeUser } from "../helpers/factories.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { forEachDialect } from "../helpers/store.js";
import { FormClient, setupAdmin } from "../helpers/web.js";
import { signIn } from "./util.js";

forEachDialect("Phones and Messages in the main navigation", (dialect) => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer(dialect);
    await setupAdmin(s.url);
  });
  after(async () => {
    await s.close();
  });

  it("signed out → sign-in; no location → a pointer; one → straight there; several → a choice", async () => {
    const out = await new FormClient(s.url).get("/messages");
    assert.equal(out.status, 303);
    assert.match(out.headers.get("location") ?? "", /^\/signin\?next=%2Fmessages/);
    const ctx = ctxFor(s.db.store);
    const u = await makeUser(ctx);
    const c = await signIn(s.url, u.email, u.password);
    const none = await c.get("/phones");
    assert.equal(none.status, 200);
    assert.match(await none.text(), /You have no location yet\. <a href="\/locations">Create one<\/a>/);
    const first = await makeLocation(ctx, u.id, { name: "North" });
    const one = await c.get("/messages");
    assert.equal(one.status, 303);
    assert.equal(one.headers.get("location"), `/locations/${first.id}/messages`);
    const second = await makeLocation(ctx, u.id, { name: "South" });
    const text = await (await c.get("/phones")).text();
    assert.match(text, new RegExp(`<a href="/locations/${first.id}/phones">North</a>`));
    assert.match(text, new RegExp(`<a href="/locations/${second.id}/phones">South</a>`));
    assert.doesNotMatch(text, /Main Street Dental/);
  });
});
