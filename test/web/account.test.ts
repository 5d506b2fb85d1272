import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { forEachDialect } from "../helpers/store.js";
import { FormClient, setupAdmin } from "../helpers/web.js";

forEachDialect("account page: password change", (dialect) => {
  let s: TestServer;
  let c: FormClient;
  before(async () => {
    s = await startTestServer(dialect);
    c = await setupAdmin(s.url);
  });
  after(async () => {
    await s.close();
  });

  it("signed out, /account redirects to sign-in keeping the destination", async () => {
    const r = await new FormClient(s.url).get("/account");
    assert.equal(r.status, 303);
    assert.equal(r.headers.get("location"), "/signin?next=%2Faccount");
  });

  it("a POST without the CSRF token is refused", async () => {
    const r = await c.post("/account/password", { current_password: "x", new_password: "y".repeat(12) });
    assert.equal(r.status, 403);
  });

  it("a wrong current password is a 400 naming the field; the right one changes it", async () => {
    const csrf = await c.csrf("/account");
    const bad = await c.post("/account/password", {
      _csrf: csrf,
      current_password: "wrong password!",
      new_password: "another good passphrase",
    });
    assert.equal(bad.status, 400);
    assert.match(await bad.text(), /current_password: incorrect/);
    const ok = await c.post("/account/password", {
      _csrf: csrf,
      current_password: "correct horse battery",
      new_password: "another good passphrase",
    });
    assert.equal(ok.status, 200);
    assert.match(await ok.text(), /Password changed/);
    assert.equal((await c.get("/account")).status, 200, "this session stays signed in");
  });
});
