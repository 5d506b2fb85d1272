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
