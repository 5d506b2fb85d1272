import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { forEachDialect } from "../helpers/store.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { FormClient, setupAdmin } from "../helpers/web.js";

forEachDialect("first-run setup, sign-in, sign-out", (dialect) => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer(dialect);
  });
  after(async () => {
    await s.close();
  });

  it("an empty installation sends / and /signin to the setup page", async () => {
    const c = new FormClient(s.url);
    for (const path of ["/", "/signin"]) {
      const r = await c.get(path);
      assert.equal(r.status, 303);
      assert.equal(r.headers.get("location"), "/setup");
    }
  });

  it("a setup POST without the CSRF token is refused and creates nothing", async () => {
    const c = new FormClient(s.url);
    await c.get("/setup");
    const r = await c.post("/setup", { email: "evil@example.com", name: "Evil", password: "0123456789abc" });
    assert.equal(r.status, 403);
    assert.match(await r.text(), /form expired|another site/);
    const again = await c.get("/");
    assert.equal(again.headers.get("location"), "/setup");
  });

  it("setup validates input and says what is wrong", async () => {
    const c = new FormClient(s.url);
    const csrf = await c.csrf("/setup");
    const r = await c.post("/setup", {
      _csrf: csrf,
      email: "not-an-email",
      name: "A",
      password: "0123456789abc",
    });
    assert.equal(r.status, 400);
    assert.match(await r.text(), /email: must be a valid email address/);
    const short = await c.post("/setup", {
      _csrf: csrf,
      email: "a@example.com",
      name: "A",
      password: "short",
    });
    assert.equal(short.status, 400);
    assert.match(await short.text(), /password: must be 12/);
  });

  it("setup creates the admin and a first location, and signs in", async () => {
    const c = await setupAdmin(s.url, { location: "Main Street Dental" });
    const home = await c.get("/");
    assert.equal(home.status, 200);
    const text = await home.text();
    assert.match(text, /Main Street Dental/);
    assert.match(text, /Ada Admin/);
    assert.match(text, /loc_[0-9a-z]{26}/);
    const cookie = [...c.cookies.keys()].find((k) => k === "mycrmsim_session");
    assert.ok(cookie, "session cookie set");
  });

  it("setup works only once", async () => {
    const c = new FormClient(s.url);
    const page = await c.get("/setup");
    assert.equal(page.status, 303);
    assert.equal(page.headers.get("location"), "/signin");
  });

  it("sign-in: wrong password and unknown email get the same generic answer", async () => {
    const c = new FormClient(s.url);
    const csrf = await c.csrf("/signin");
    const wrong = await c.post("/signin", {
      _csrf: csrf,
      email: "admin@example.com",
      password: "wrong password!",
    });
    const unknown = await c.post("/signin", {
      _csrf: csrf,
      email: "nobody@example.com",
      password: "wrong password!",
    });
    assert.equal(wrong.status, 401);
    assert.equal(unknown.status, 401);
    const a = (await wrong.text()).match(/class="flash error"[^>]*>([^<]*)/)?.[1];
    const b = (await unknown.text()).match(/class="flash error"[^>]*>([^<]*)/)?.[1];
    assert.equal(a, "Incorrect email or password");
    assert.equal(a, b);
  });

  it("sign-in goes to a safe `next` only; sign-out ends the session", async () => {
    const c = new FormClient(s.url);
    const csrf = await c.csrf("/signin?next=//evil.example.com/x");
    assert.doesNotMatch(c.cookies.get("mycrmsim_session") ?? "", /./);
    const r = await c.post("/signin", {
      _csrf: csrf,
      email: "ADMIN@example.com",
      password: "correct horse battery",
      next: "//evil.example.com/x",
    });
    assert.equal(r.status, 303);
    assert.equal(r.headers.get("location"), "/");
    assert.equal((await c.get("/")).status, 200);
    const out = await c.post("/signout", { _csrf: await c.csrf("/") });
    assert.equal(out.status, 303);
    const after = await c.get("/");
    assert.equal(after.status, 303);
    assert.equal(after.headers.get("location"), "/signin");
  });

  it("pages cannot be framed and set a strict CSP", async () => {
    const r = await new FormClient(s.url).get("/signin");
    assert.equal(r.headers.get("x-frame-options"), "DENY");
    assert.match(r.headers.get("content-security-policy") ?? "", /frame-ancestors 'none'/);
    assert.equal(r.headers.get("referrer-policy"), "no-referrer");
    const setCookie = r.headers.getSetCookie().join("\n");
    assert.match(setCookie, /HttpOnly/);
    assert.match(setCookie, /SameSite=Lax/);
  });
});
