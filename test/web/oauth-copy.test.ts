import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { findUserByEmail, PASSWORD_MIN } from "../../src/accounts/index.js";
import { createClient } from "../../src/oauth/index.js";
import { ctxFor, makeLocation } from "../helpers/factories.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { forEachDialect } from "../helpers/store.js";
import { FormClient, setupAdmin } from "../helpers/web.js";

const csrfOf = (page: string) => /name="_csrf" value="([^"]+)"/.exec(page)?.[1] ?? "";

forEachDialect("OAuth sign-in, consent and app presets; members and password copy", (dialect) => {
  let s: TestServer;
  let admin: FormClient;
  let query: string;
  let second: string;
  const ctx = () => ctxFor(s.db.store);
  before(async () => {
    s = await startTestServer(dialect);
    admin = await setupAdmin(s.url);
    const user = await findUserByEmail({ ctx: ctx(), input: { email: "admin@example.com" } });
    second = (await makeLocation(ctx(), user?.id ?? "", { name: "Lahore Cafe" })).id;
    const app = await createClient({
      ctx: ctx(),
      input: { name: "My CRM", redirectUris: ["https://crm.example.com/cb"] },
    });
    query = new URLSearchParams({
      response_type: "code",
      client_id: app.client_id,
      redirect_uri: "https://crm.example.com/cb",
      state: "st-1",
    }).toString();
  });
  after(async () => {
    await s.close();
  });

  it("the sign-in page reached from /oauth/authorize names the app; a forged next names none", async () => {
    const browser = new FormClient(s.url);
    const r = await browser.get(`/oauth/authorize?${query}`);
    assert.equal(r.status, 303);
    const signin = await (await browser.get(r.headers.get("location") ?? "")).text();
    assert.match(signin, /<h1>Sign in to connect <strong>My CRM<\/strong><\/h1>/);
    assert.match(signin, /data-testid="app-asking">My CRM asks to use your myCRMSIM account/);
    const wrong = await browser.post("/signin", {
      _csrf: csrfOf(signin),
      email: "admin@example.com",
      password: "wrong but long enough",
      next: `/oauth/authorize?${query}`,
    });
    assert.match(
      await wrong.text(),
      /Sign in to connect <strong>My CRM<\/strong>/,
      "still named after an error",
    );
    const forged = new URLSearchParams({
      next: `/oauth/authorize?${query.replace("crm.example.com", "evil.example")}`,
    });
    const plain = await (await browser.get(`/signin?${forged}`)).text();
    assert.match(plain, /<h1>Sign in<\/h1>/);
    assert.doesNotMatch(plain, /My CRM/);
  });

  it("consent lists scopes once each and remembers the locations chosen last time for the same app", async () => {
    const first = await (await admin.get(`/oauth/authorize?${query}`)).text();
    assert.match(first, /\(webhooks:write\)/);
    assert.doesNotMatch(first, /\(webhooks\) /);
    assert.doesNotMatch(first, /you choose below/);
    assert.doesNotMatch(first, /name="location" value="[^"]+" checked/, "nothing pre-ticked the first time");
    const allow = await admin.post("/oauth/authorize", {
      _csrf: csrfOf(first),
      request: query,
      decision: "allow",
      location: second,
    });
    assert.equal(allow.status, 303);
    assert.match(allow.headers.get("location") ?? "", /^https:\/\/crm\.example\.com\/cb\?code=/);
    const again = await (await admin.get(`/oauth/authorize?${query}`)).text();
    assert.match(again, new RegExp(`name="location" value="${second}" checked`));
    assert.equal((again.match(/ checked>/g) ?? []).length, 1, "only the location chosen before");
  });

  it("OAuth apps: presets fill the form without JavaScript; placeholders must be replaced", async () => {
    const page = await (await admin.get("/admin/apps")).text();
    assert.match(page, /<form method="get" action="\/admin\/apps#new-app" class="presets">/);
    for (const p of ["make", "zapier", "n8n"]) assert.match(page, new RegExp(`name="preset" value="${p}"`));
    const make = await (await admin.get("/admin/apps?preset=make")).text();
    assert.match(
      make,
      /<textarea id="redirect_uris" name="redirect_uris" rows="3" required>https:\/\/www\.make\.com\/oauth\/cb\/app<\/textarea>/,
    );
    assert.match(make, /<input id="name" name="name" required maxlength="100" value="Make">/);
    const zapier = await (await admin.get("/admin/apps?preset=zapier")).text();
    assert.match(zapier, /https:\/\/zapier\.com\/dashboard\/auth\/oauth\/return\/App&lt;ID&gt;CLIAPI\//);
    assert.match(zapier, /data-testid="preset-hint">Replace &lt;ID&gt;/);
    const n8n = await (await admin.get("/admin/apps?preset=n8n")).text();
    assert.match(n8n, /https:\/\/&lt;your-n8n&gt;\/rest\/oauth2-credential\/callback/);
    const refused = await admin.post("/admin/apps", {
      _csrf: csrfOf(zapier),
      name: "Zapier",
      redirect_uris: "https://zapier.com/dashboard/auth/oauth/return/App<ID>CLIAPI/",
    });
    assert.equal(refused.status, 400);
    assert.match(await refused.text(), /redirect_uri: replace the &lt;…&gt; part with your own value/);
    const created = await admin.post("/admin/apps", {
      _csrf: csrfOf(make),
      name: "Make",
      redirect_uris: "https://www.make.com/oauth/cb/app",
    });
    assert.equal(created.status, 200);
    assert.match(await created.text(), /data-testid="client-secret"/);
    assert.equal((await new FormClient(s.url).get("/admin/apps?preset=make")).status, 303);
  });

  it("members: an admin adding an unknown email is pointed to Admin → Users", async () => {
    const page = await (await admin.get(`/locations/${second}/members`)).text();
    const r = await admin.post(`/locations/${second}/members`, {
      _csrf: csrfOf(page),
      email: "new.person@example.com",
      role: "member",
    });
    assert.equal(r.status, 303);
    const after = await (await admin.get(r.headers.get("location") ?? "")).text();
    assert.match(after, /data-testid="no-account">[\s\S]*<a href="\/admin\/users">Admin → Users<\/a>/);
  });

  it(`one password minimum (${PASSWORD_MIN}) on every form that sets a password`, async () => {
    for (const path of ["/admin/users", "/account"]) {
      const text = await (await admin.get(path)).text();
      assert.match(text, new RegExp(`minlength="${PASSWORD_MIN}"`), path);
      assert.match(text, new RegExp(`at least ${PASSWORD_MIN} characters`), path);
      for (const m of text.matchAll(/minlength="(\d+)"/g)) assert.equal(Number(m[1]), PASSWORD_MIN, path);
    }
    const fresh = await startTestServer(dialect);
    try {
      const setup = await (await new FormClient(fresh.url).get("/setup")).text();
      assert.match(setup, new RegExp(`minlength="${PASSWORD_MIN}"`));
      assert.match(setup, new RegExp(`at least ${PASSWORD_MIN} characters`));
    } finally {
      await fresh.close();
    }
  });
});
