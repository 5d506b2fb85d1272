import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { findUserByEmail, PASSWORD_MIN } from "../../src/accounts/index.js";
import { ctxFor, makeUser } from "../helpers/factories.js";
import { makeApiToken } from "../helpers/oauth.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { forEachDialect } from "../helpers/store.js";
import { FormClient, setupAdmin } from "../helpers/web.js";
import { signIn } from "./util.js";

const csrfOf = (page: string) => /name="_csrf" value="([^"]+)"/.exec(page)?.[1] ?? "";

forEachDialect("admin users: reset password, disable and enable", (dialect) => {
  let s: TestServer;
  let admin: FormClient;
  let bob: { id: string; email: string; password: string };
  let locationId: string;
  const ctx = () => ctxFor(s.db.store);
  const me = async (token: string) =>
    (await fetch(`${s.url}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } })).status;
  const signinStatus = async (email: string, password: string) => {
    const c = new FormClient(s.url);
    const csrf = await c.csrf("/signin");
    const r = await c.post("/signin", { _csrf: csrf, email, password });
    return { status: r.status, text: await r.text() };
  };
  before(async () => {
    // Tokens are cached for a few seconds on API nodes: disabling must reach through that too.
    s = await startTestServer(dialect, { AUTH_CACHE_MS: "5000" });
    admin = await setupAdmin(s.url);
    bob = await makeUser(ctx(), { email: "bob@example.com", name: "Bob" });
    locationId =
      /href="\/locations\/([^/]+)\/webhooks"/.exec(await (await admin.get("/locations")).text())?.[1] ?? "";
  });
  after(async () => {
    await s.close();
  });

  it("non-admins, signed-out visitors and CSRF-less forms cannot reset or disable", async () => {
    const bobClient = await signIn(s.url, bob.email, bob.password);
    const csrf = await bobClient.csrf("/account");
    for (const act of ["password", "disable", "enable"]) {
      const r = await bobClient.post(`/admin/users/${bob.id}/${act}`, { _csrf: csrf, confirm: "1" });
      assert.equal(r.status, 403, act);
      assert.equal((await new FormClient(s.url).post(`/admin/users/${bob.id}/${act}`, {})).status, 303);
      assert.equal((await admin.post(`/admin/users/${bob.id}/${act}`, { confirm: "1" })).status, 403);
    }
    const unknown = await admin.post("/admin/users/usr_nope/disable", {
      _csrf: await admin.csrf("/admin/users"),
      confirm: "1",
    });
    assert.equal(unknown.status, 400);
    assert.match(await unknown.text(), /No such user/);
    assert.equal((await signinStatus(bob.email, bob.password)).status, 303);
  });

  it("reset asks first, then shows a new password once; the old one and every session stop working", async () => {
    const bobClient = await signIn(s.url, bob.email, bob.password);
    const csrf = await admin.csrf("/admin/users");
    const ask = await admin.post(`/admin/users/${bob.id}/password`, { _csrf: csrf });
    assert.equal(ask.status, 200);
    const step = await ask.text();
    assert.match(step, /Reset the password of Bob\?/);
    assert.equal((await bobClient.get("/account")).status, 200, "nothing changed before the confirmation");
    const done = await admin.post(`/admin/users/${bob.id}/password`, { _csrf: csrfOf(step), confirm: "1" });
    assert.equal(done.status, 200);
    assert.equal(done.headers.get("cache-control"), "no-store");
    const page = await done.text();
    const password = /data-testid="new-password">([^<]+)</.exec(page)?.[1] ?? "";
    assert.ok(password.length >= PASSWORD_MIN, "meets the policy");
    assert.equal((await bobClient.get("/account")).status, 303, "Bob's session ended");
    assert.equal((await signinStatus(bob.email, bob.password)).status, 401);
    assert.equal((await signinStatus(bob.email, password)).status, 303);
    assert.doesNotMatch(await (await admin.get("/admin/users")).text(), new RegExp(password), "shown once");
    bob.password = password;
  });

  it("disable asks first; then Bob is signed out, cannot sign in, and his app tokens answer 401", async () => {
    const bobClient = await signIn(s.url, bob.email, bob.password);
    const app = await makeApiToken(ctx(), { userId: bob.id, locationIds: [] });
    assert.equal(await me(app.accessToken), 200);
    const csrf = await admin.csrf("/admin/users");
    const ask = await admin.post(`/admin/users/${bob.id}/disable`, { _csrf: csrf });
    assert.equal(ask.status, 200);
    const step = await ask.text();
    assert.match(step, /Disable Bob\?/);
    assert.match(step, /name="confirm" value="1"/);
    assert.equal((await bobClient.get("/account")).status, 200, "POST without confirm changed nothing");
    assert.equal(await me(app.accessToken), 200);

    const r = await admin.post(`/admin/users/${bob.id}/disable`, { _csrf: csrfOf(step), confirm: "1" });
    assert.equal(r.status, 303);
    const list = await (await admin.get(r.headers.get("location") ?? "")).text();
    assert.match(list, /User disabled/);
    assert.match(list, new RegExp(`data-user="${bob.id}"[\\s\\S]*?<span class="badge bad">disabled</span>`));
    assert.equal((await bobClient.get("/account")).status, 303, "session ended at once");
    assert.equal(await me(app.accessToken), 401, "token refused at once, despite the token cache");
    const refresh = await fetch(`${s.url}/oauth/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "refresh_token",
        refresh_token: app.refreshToken,
        client_id: app.clientId,
        client_secret: app.clientSecret ?? "",
      }),
    });
    assert.equal(refresh.status, 400);
    const denied = await signinStatus(bob.email, bob.password);
    assert.equal(denied.status, 403);
    assert.match(denied.text, /This account is disabled\. Ask an administrator to enable it\./);
    // A wrong password still gets the generic answer: being disabled is no hint to a guesser.
    assert.match(
      (await signinStatus(bob.email, "wrong password, long enough")).text,
      /Incorrect email or password/,
    );

    const en = await admin.post(`/admin/users/${bob.id}/enable`, { _csrf: await admin.csrf("/admin/users") });
    assert.equal(en.status, 303);
    assert.match(await (await admin.get(en.headers.get("location") ?? "")).text(), /User enabled/);
    assert.equal((await signinStatus(bob.email, bob.password)).status, 303);
    assert.equal(await me(app.accessToken), 401, "an old token is not revived by enabling");
    assert.equal((await findUserByEmail({ ctx: ctx(), input: { email: bob.email } }))?.disabled, false);
  });

  it("an admin cannot disable or demote themself; the page offers neither", async () => {
    const adminUser = await findUserByEmail({ ctx: ctx(), input: { email: "admin@example.com" } });
    const page = await (await admin.get("/admin/users")).text();
    assert.doesNotMatch(page, new RegExp(`/admin/users/${adminUser?.id}/disable`));
    const csrf = await admin.csrf("/admin/users");
    const self = await admin.post(`/admin/users/${adminUser?.id}/disable`, { _csrf: csrf, confirm: "1" });
    assert.equal(self.status, 400);
    assert.match(await self.text(), /You cannot disable your own account/);
    const demote = await admin.post(`/admin/users/${adminUser?.id}/admin`, { _csrf: csrf, is_admin: "0" });
    assert.equal(demote.status, 400);
    assert.equal((await admin.get("/admin/users")).status, 200, "still signed in and admin");
    assert.ok(locationId);
  });
});
