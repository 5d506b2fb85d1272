import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { PASSWORD_MIN } from "../../src/accounts/index.js";
import { ctxFor, makeUser } from "../helpers/factories.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { forEachDialect } from "../helpers/store.js";
import { FormClient } from "../helpers/web.js";
import { signIn } from "../web/util.js";

forEachDialect("L9 one password policy, and throttled current-password checks", (dialect) => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer(dialect);
  });
  after(async () => {
    await s.close();
  });

  it("L9 the server refuses what the pages refuse, and every page states the same minimum", async () => {
    assert.ok(PASSWORD_MIN >= 12);
    const setup = await (await new FormClient(s.url).get("/setup")).text();
    const ctx = ctxFor(s.db.store);
    const admin = await makeUser(ctx, { isAdmin: true });
    const web = await signIn(s.url, admin.email, admin.password);
    const account = await (await web.get("/account")).text();
    const users = await (await web.get("/admin/users")).text();
    for (const [name, page] of [
      ["setup", setup],
      ["account", account],
      ["admin users", users],
    ]) {
      assert.match(page ?? "", new RegExp(`at least ${PASSWORD_MIN} characters`), name);
      assert.match(page ?? "", new RegExp(`minlength="${PASSWORD_MIN}"`), name);
      assert.doesNotMatch(page ?? "", /at least (?!12 )\d+ characters/, name);
    }
    const short = "short123456"; // 11 characters: accepted before
    const r = await web.post("/account/password", {
      _csrf: await web.csrf("/account"),
      current_password: admin.password,
      new_password: short,
    });
    assert.equal(r.status, 400);
    assert.match(await r.text(), new RegExp(`new_password: must be ${PASSWORD_MIN} to`));
    const created = await web.post("/admin/users", {
      _csrf: await web.csrf("/admin/users"),
      email: "short@example.com",
      name: "Short",
      password: short,
    });
    assert.equal(created.status, 400);
  });

  it("L9 wrong current passwords on /account/password are throttled like sign-in", async () => {
    const ctx = ctxFor(s.db.store);
    const u = await makeUser(ctx);
    const web = await signIn(s.url, u.email, u.password);
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      const r = await web.post("/account/password", {
        _csrf: await web.csrf("/account"),
        current_password: `wrong guess number ${i}`,
        new_password: "a brand new passphrase",
      });
      statuses.push(r.status);
    }
    assert.deepEqual(statuses.slice(0, 5), [400, 400, 400, 400, 400]);
    assert.ok(
      statuses.slice(5).every((x) => x === 429),
      statuses.join(","),
    );
  });
});
