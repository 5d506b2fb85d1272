import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { forEachDialect } from "../helpers/store.js";
import { FormClient, setupAdmin } from "../helpers/web.js";

forEachDialect("admin users page", (dialect) => {
  let s: TestServer;
  let admin: FormClient;
  before(async () => {
    s = await startTestServer(dialect);
    admin = await setupAdmin(s.url);
  });
  after(async () => {
    await s.close();
  });

  it("an admin creates a user; that non-admin gets 403; signed out → sign-in", async () => {
    const csrf = await admin.csrf("/admin/users");
    assert.equal(
      (await admin.post("/admin/users", { email: "x@example.com", name: "X", password: "p".repeat(12) }))
        .status,
      403,
    );
    const r = await admin.post("/admin/users", {
      _csrf: csrf,
      email: "bob@example.com",
      name: "Bob Member",
      password: "bob's long password",
    });
    assert.equal(r.status, 303);
    assert.match(await (await admin.get("/admin/users")).text(), /bob@example\.com/);
    const bob = new FormClient(s.url);
    const t = await bob.csrf("/signin");
    const signin = await bob.post("/signin", {
      _csrf: t,
      email: "bob@example.com",
      password: "bob's long password",
    });
    assert.equal(signin.status, 303);
    assert.equal((await bob.get("/admin/users")).status, 403);
    assert.equal((await new FormClient(s.url).get("/admin/users")).status, 303);
  });
});

forEachDialect("admin users page: form errors and admin rights", (dialect) => {
  let s: TestServer;
  let admin: FormClient;
  before(async () => {
    s = await startTestServer(dialect);
    admin = await setupAdmin(s.url);
  });
  after(async () => {
    await s.close();
  });

  it("bad input is shown in the form; an admin grants and takes away admin rights, never their own", async () => {
    const csrf = await admin.csrf("/admin/users");
    const short = await admin.post("/admin/users", {
      _csrf: csrf,
      email: "carol@example.com",
      name: "Carol",
      password: "short",
    });
    assert.equal(short.status, 400);
    const t = await short.text();
    assert.match(t, /role="alert"/);
    assert.match(t, /value="carol@example\.com"/);
    const ok = await admin.post("/admin/users", {
      _csrf: csrf,
      email: "carol@example.com",
      name: "Carol",
      password: "carol's long password",
    });
    assert.equal(ok.status, 303);
    const dup = await admin.post("/admin/users", {
      _csrf: csrf,
      email: "carol@example.com",
      name: "Carol again",
      password: "carol's long password",
    });
    assert.equal(dup.status, 400);
    const list = await (await admin.get("/admin/users?done=created")).text();
    assert.match(list, /User created/);
    const carolId = /action="\/admin\/users\/([^/]+)\/admin"/.exec(list)?.[1] ?? "";
    assert.match(list, /<td>carol@example\.com<\/td><td>no<\/td>/);
    assert.equal((await admin.post(`/admin/users/${carolId}/admin`, { is_admin: "1" })).status, 403);
    const grant = await admin.post(`/admin/users/${carolId}/admin`, { _csrf: csrf, is_admin: "1" });
    assert.equal(grant.status, 303);
    assert.match(await (await admin.get("/admin/users")).text(), /<td>carol@example\.com<\/td><td>yes<\/td>/);
    const carol = new FormClient(s.url);
    const cc = await carol.csrf("/signin");
    await carol.post("/signin", { _csrf: cc, email: "carol@example.com", password: "carol's long password" });
    assert.equal((await carol.get("/admin/apps")).status, 200);
    // Carol may not take away her own rights; she can take away the first admin's, who then gets 403.
    const carolCsrf = await carol.csrf("/admin/users");
    const own = await carol.post(`/admin/users/${carolId}/admin`, { _csrf: carolCsrf, is_admin: "0" });
    assert.equal(own.status, 400);
    assert.match(await own.text(), /cannot remove your own administrator rights/);
    const adminId = /action="\/admin\/users\/([^/]+)\/admin"/.exec(
      await (await carol.get("/admin/users")).text(),
    )?.[1];
    const take = await carol.post(`/admin/users/${adminId}/admin`, { _csrf: carolCsrf, is_admin: "0" });
    assert.equal(take.status, 303);
    assert.equal((await admin.get("/admin/users")).status, 403);
  });
});
