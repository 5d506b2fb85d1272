import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { createClient } from "../../src/oauth/index.js";
import { ctxFor, makeLocation } from "../helpers/factories.js";
import { authorizeQuery, basic, consent } from "../helpers/oauth.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { forEachDialect } from "../helpers/store.js";
import { FormClient, setupAdmin } from "../helpers/web.js";

const REDIRECT = "http://127.0.0.1:9/cb";

forEachDialect("OAuth authorize endpoint and consent", (dialect) => {
  let s: TestServer;
  let web: FormClient;
  let client: { client_id: string; client_secret: string };
  let pkceClient: { client_id: string; client_secret: string };
  let narrowClient: { client_id: string; client_secret: string };
  let userId = "";
  before(async () => {
    s = await startTestServer(dialect);
    web = await setupAdmin(s.url);
    const ctx = ctxFor(s.db.store);
    client = await createClient({
      ctx,
      input: { name: "Make", redirectUris: [REDIRECT, "https://x.example/cb"] },
    });
    pkceClient = await createClient({
      ctx,
      input: { name: "Strict", redirectUris: [REDIRECT], requirePkce: true },
    });
    narrowClient = await createClient({
      ctx,
      input: { name: "Reader", redirectUris: [REDIRECT], scopes: "locations:read" },
    });
    const me = await s.db.store.db.selectFrom("users").select("id").executeTakeFirstOrThrow();
    userId = me.id;
    await makeLocation(ctx, userId, { name: "Second Branch" });
  });
  after(async () => {
    await s.close();
  });

  const q = (over: Record<string, string | undefined> = {}) =>
    authorizeQuery({
      client_id: client.client_id,
      redirect_uri: REDIRECT,
      response_type: "code",
      state: "xyz",
      ...over,
    });

  it("a signed-out user is sent to sign in and comes back to the same authorize URL", async () => {
    const anon = new FormClient(s.url);
    const r = await anon.get(`/oauth/authorize?${q()}`);
    assert.equal(r.status, 303);
    const loc = r.headers.get("location") ?? "";
    assert.match(loc, /^\/signin\?next=/);
    const next = decodeURIComponent(loc.split("next=")[1] ?? "");
    assert.equal(next, `/oauth/authorize?${q()}`);
    const csrf = await anon.csrf(loc);
    const signed = await anon.post("/signin", {
      _csrf: csrf,
      email: "admin@example.com",
      password: "correct horse battery",
      next,
    });
    assert.equal(signed.status, 303);
    assert.equal(signed.headers.get("location"), next);
    const page = await anon.get(next);
    assert.equal(page.status, 200);
  });

  it("the consent page names the app, explains each scope, lists the user's locations, none ticked", async () => {
    const r = await web.get(`/oauth/authorize?${q()}`);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get("cache-control"), "no-store");
    assert.equal(r.headers.get("x-frame-options"), "DENY");
    assert.match(r.headers.get("content-security-policy") ?? "", /frame-ancestors 'none'/);
    assert.equal(r.headers.get("access-control-allow-origin"), null);
    const text = await r.text();
    assert.match(text, /Allow <strong>Make<\/strong>/);
    assert.match(text, /Send SMS and MMS/);
    assert.match(text, /Main Street Dental/);
    assert.match(text, /Second Branch/);
    assert.equal(text.match(/type="checkbox" name="location" value="loc_[^"]+"/g)?.length, 2);
    assert.equal(text.match(/type="checkbox" name="location" value="loc_[^"]+" checked/g), null);
    assert.match(text, /value="deny"/);
  });

  it("Allow redirects 303 with a code and the state verbatim; Deny with access_denied", async () => {
    const state = "a b&c=d/é+%";
    const ok = await consent(s.url, web.cookies, q({ state }));
    assert.equal(ok.status, 303);
    const u = new URL(ok.headers.get("location") ?? "");
    assert.equal(`${u.origin}${u.pathname}`, REDIRECT);
    assert.match(u.searchParams.get("code") ?? "", /^mcs_ac_[\w-]{43}$/);
    assert.equal(u.searchParams.get("state"), state);
    const no = await consent(s.url, web.cookies, q({ state }), { decision: "deny" });
    assert.equal(no.status, 303);
    const d = new URL(no.headers.get("location") ?? "");
    assert.equal(d.searchParams.get("error"), "access_denied");
    assert.equal(d.searchParams.get("state"), state);
    assert.equal(d.searchParams.get("code"), null);
  });

  it("unknown client_id or unregistered redirect_uri: an error page, never a redirect", async () => {
    const cases = [
      q({ client_id: "cli_nope" }),
      q({ redirect_uri: "http://127.0.0.1:9/other" }),
      q({ redirect_uri: `${REDIRECT}/` }),
      q({ redirect_uri: undefined }),
      `${q()}&redirect_uri=${encodeURIComponent("https://x.example/cb")}`,
      `${q()}&client_id=${client.client_id}`,
    ];
    for (const query of cases) {
      const r = await web.get(`/oauth/authorize?${query}`);
      assert.ok(r.status >= 400 && r.status < 500, `${query}: ${r.status}`);
      assert.equal(r.headers.get("location"), null, query);
      assert.match(r.headers.get("content-type") ?? "", /text\/html/);
      assert.match(await r.text(), /Cannot connect this app/);
    }
  });

  it("errors after validation redirect with error, error_description and state", async () => {
    const cases: [string, string][] = [
      [q({ response_type: "token" }), "unsupported_response_type"],
      [`${q()}&scope=locations:read&scope=messages:send`, "invalid_request"],
      [`${q()}&state=again`, "invalid_request"],
      [q({ scope: "admin" }), "invalid_scope"],
      [q({ code_challenge: "a".repeat(43), code_challenge_method: "plain" }), "invalid_request"],
      [q({ code_challenge: "a".repeat(43) }), "invalid_request"],
      [q({ code_challenge_method: "S256" }), "invalid_request"],
      [q({ code_challenge: "short", code_challenge_method: "S256" }), "invalid_request"],
      [q({ client_id: pkceClient.client_id }), "invalid_request"],
      [q({ client_id: narrowClient.client_id, scope: "messages:send" }), "invalid_scope"],
    ];
    for (const [query, error] of cases) {
      const r = await web.get(`/oauth/authorize?${query}`);
      assert.equal(r.status, 303, query);
      const u = new URL(r.headers.get("location") ?? "");
      assert.equal(u.searchParams.get("error"), error, query);
      assert.ok(u.searchParams.get("error_description"), query);
      assert.equal(u.searchParams.get("code"), null);
      if (!query.includes("state=again")) assert.equal(u.searchParams.get("state"), "xyz", query);
    }
  });

  it("the user may narrow the locations; choosing none is refused with the page again", async () => {
    const page = await (await web.get(`/oauth/authorize?${q()}`)).text();
    const all = [...page.matchAll(/name="location" value="([^"]+)"/g)].map((m) => m[1] ?? "");
    const none = await consent(s.url, web.cookies, q(), { locations: [] });
    assert.equal(none.status, 400);
    assert.match(await none.text(), /at least one location/);
    const foreign = await consent(s.url, web.cookies, q(), { locations: ["loc_00000000000000000000000000"] });
    assert.equal(foreign.status, 400);
    assert.match(await foreign.text(), /not yours/);
    const one = await consent(s.url, web.cookies, q(), { locations: [all[1] ?? ""] });
    const code = new URL(one.headers.get("location") ?? "").searchParams.get("code") ?? "";
    const tok = await fetch(`${s.url}/oauth/token`, {
      method: "POST",
      headers: {
        authorization: basic(client.client_id, client.client_secret),
        "content-type": "application/json",
      },
      body: JSON.stringify({ grant_type: "authorization_code", code, redirect_uri: REDIRECT }),
    });
    assert.equal(tok.status, 200);
    const { access_token } = (await tok.json()) as { access_token: string };
    const me = (await (
      await fetch(`${s.url}/api/v1/me`, { headers: { authorization: `Bearer ${access_token}` } })
    ).json()) as { data: { locations: { id: string }[] } };
    assert.deepEqual(
      me.data.locations.map((l) => l.id),
      [all[1]],
    );
  });

  it("the consent POST needs the CSRF token and a session", async () => {
    const forged = await consent(s.url, web.cookies, q(), { csrf: "0".repeat(64) });
    assert.equal(forged.status, 403);
    assert.equal(forged.headers.get("location"), null);
    const anon = new FormClient(s.url);
    const csrf = await anon.csrf("/signin");
    const r = await anon.post("/oauth/authorize", { _csrf: csrf, request: q(), decision: "allow" });
    assert.equal(r.status, 303);
    assert.match(r.headers.get("location") ?? "", /^\/signin\?next=/);
  });

  it("a disabled client gets an error page", async () => {
    const { setClientDisabled } = await import("../../src/oauth/index.js");
    const ctx = ctxFor(s.db.store);
    const c = await createClient({ ctx, input: { name: "Gone", redirectUris: [REDIRECT] } });
    await setClientDisabled({ ctx, input: { clientId: c.client_id, disabled: true } });
    const r = await web.get(`/oauth/authorize?${q({ client_id: c.client_id })}`);
    assert.equal(r.status, 403);
    assert.equal(r.headers.get("location"), null);
  });
  void userId;
});
