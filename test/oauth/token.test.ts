import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, it } from "node:test";
import { ManualClock } from "../../src/core/clock.js";
import { createClient, setClientDisabled } from "../../src/oauth/index.js";
import { ctxFor } from "../helpers/factories.js";
import { authorizeQuery, basic, consent } from "../helpers/oauth.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { forEachDialect } from "../helpers/store.js";
import { type FormClient, setupAdmin } from "../helpers/web.js";

const REDIRECT = "http://127.0.0.1:9/cb";
type Json = Record<string, unknown>;

forEachDialect("OAuth token endpoint", (dialect) => {
  let s: TestServer;
  let web: FormClient;
  let a: { client_id: string; client_secret: string };
  let b: { client_id: string; client_secret: string };
  const clock = new ManualClock();
  before(async () => {
    s = await startTestServer(dialect, {}, { clock });
    web = await setupAdmin(s.url);
    const ctx = ctxFor(s.db.store, clock);
    a = await createClient({ ctx, input: { name: "A", redirectUris: [REDIRECT] } });
    b = await createClient({ ctx, input: { name: "B", redirectUris: [REDIRECT] } });
  });
  after(async () => {
    await s.close();
  });

  async function code(extra: Record<string, string> = {}, client = a): Promise<string> {
    const r = await consent(
      s.url,
      web.cookies,
      authorizeQuery({
        client_id: client.client_id,
        redirect_uri: REDIRECT,
        response_type: "code",
        state: "s",
        ...extra,
      }),
    );
    const c = new URL(r.headers.get("location") ?? "").searchParams.get("code");
    assert.ok(c, `no code: ${r.status} ${r.headers.get("location")}`);
    return c;
  }
  async function token(body: Json, opts: { auth?: string; form?: boolean; query?: string } = {}) {
    const headers: Record<string, string> = {
      "content-type": opts.form ? "application/x-www-form-urlencoded" : "application/json",
    };
    if (opts.auth) headers.authorization = opts.auth;
    const r = await fetch(`${s.url}/oauth/token${opts.query ?? ""}`, {
      method: "POST",
      headers,
      body: opts.form ? new URLSearchParams(body as Record<string, string>).toString() : JSON.stringify(body),
    });
    return { status: r.status, headers: r.headers, json: (await r.json()) as Json };
  }
  const auth = basic("", "");
  void auth;
  const A = () => basic(a.client_id, a.client_secret);
  const me = (t: unknown) => fetch(`${s.url}/api/v1/me`, { headers: { authorization: `Bearer ${t}` } });

  it("JSON body + Basic auth (as Make sends it) returns the token response, no-store", async () => {
    const r = await token(
      { grant_type: "authorization_code", code: await code(), redirect_uri: REDIRECT },
      { auth: A() },
    );
    assert.equal(r.status, 200);
    assert.equal(r.headers.get("cache-control"), "no-store");
    assert.match(String(r.json.access_token), /^mcs_at_/);
    assert.match(String(r.json.refresh_token), /^mcs_rt_/);
    assert.equal(r.json.token_type, "Bearer");
    assert.equal(r.json.expires_in, 3600);
    assert.equal(typeof r.json.refresh_expires_in, "number");
    assert.equal(r.json.scope, "locations:read messages:send messages:read webhooks:write");
    assert.equal((await me(r.json.access_token)).status, 200);
  });

  it("form body + client_secret_post works too", async () => {
    const r = await token(
      {
        grant_type: "authorization_code",
        code: await code(),
        redirect_uri: REDIRECT,
        client_id: a.client_id,
        client_secret: a.client_secret,
      },
      { form: true },
    );
    assert.equal(r.status, 200, JSON.stringify(r.json));
  });

  it("a replayed code is invalid_grant and revokes the tokens issued from it", async () => {
    const c = await code();
    const first = await token(
      { grant_type: "authorization_code", code: c, redirect_uri: REDIRECT },
      { auth: A() },
    );
    assert.equal(first.status, 200);
    const again = await token(
      { grant_type: "authorization_code", code: c, redirect_uri: REDIRECT },
      { auth: A() },
    );
    assert.equal(again.status, 400);
    assert.equal(again.json.error, "invalid_grant");
    assert.equal((await me(first.json.access_token)).status, 401);
    const refresh = await token(
      { grant_type: "refresh_token", refresh_token: first.json.refresh_token },
      { auth: A() },
    );
    assert.equal(refresh.json.error, "invalid_grant");
  });

  it("two concurrent exchanges of one code: one wins, and the grant is revoked", async () => {
    const c = await code();
    const body = { grant_type: "authorization_code", code: c, redirect_uri: REDIRECT };
    const rs = await Promise.all([token(body, { auth: A() }), token(body, { auth: A() })]);
    const ok = rs.filter((r) => r.status === 200);
    assert.ok(ok.length <= 1);
    for (const r of ok) assert.equal((await me(r.json.access_token)).status, 401);
  });

  it("codes are bound to the client and the redirect_uri, and live 60 s", async () => {
    const wrongClient = await token(
      { grant_type: "authorization_code", code: await code(), redirect_uri: REDIRECT },
      { auth: basic(b.client_id, b.client_secret) },
    );
    assert.equal(wrongClient.json.error, "invalid_grant");
    const noRedirect = await token({ grant_type: "authorization_code", code: await code() }, { auth: A() });
    assert.equal(noRedirect.json.error, "invalid_grant");
    const otherRedirect = await token(
      { grant_type: "authorization_code", code: await code(), redirect_uri: `${REDIRECT}/` },
      { auth: A() },
    );
    assert.equal(otherRedirect.json.error, "invalid_grant");
    const c = await code();
    clock.advance(61_000);
    const late = await token(
      { grant_type: "authorization_code", code: c, redirect_uri: REDIRECT },
      { auth: A() },
    );
    assert.equal(late.json.error, "invalid_grant");
  });

  it("PKCE S256: verifier checked; missing or wrong verifier and a verifier without challenge refused", async () => {
    const verifier = `${"v".repeat(20)}-._~${"x".repeat(30)}`;
    const challenge = createHash("sha256").update(verifier).digest("base64url");
    const pkce = { code_challenge: challenge, code_challenge_method: "S256" };
    const ex = (c: string, v?: string) =>
      token(
        { grant_type: "authorization_code", code: c, redirect_uri: REDIRECT, code_verifier: v },
        { auth: A() },
      );
    assert.equal((await ex(await code(pkce))).json.error, "invalid_grant");
    assert.equal((await ex(await code(pkce), `${verifier}x`)).json.error, "invalid_grant");
    assert.equal((await ex(await code(), verifier)).json.error, "invalid_grant");
    assert.equal((await ex(await code(pkce), verifier)).status, 200);
  });

  it("client authentication: one method only, 401 with WWW-Authenticate: Basic when Basic failed", async () => {
    const body = { grant_type: "authorization_code", code: "mcs_ac_x", redirect_uri: REDIRECT };
    const both = await token({ ...body, client_secret: a.client_secret }, { auth: A() });
    assert.equal(both.status, 400);
    assert.equal(both.json.error, "invalid_request");
    const badBasic = await token(body, { auth: basic(a.client_id, "mcs_cs_wrong") });
    assert.equal(badBasic.status, 401);
    assert.equal(badBasic.json.error, "invalid_client");
    assert.match(badBasic.headers.get("www-authenticate") ?? "", /^Basic/);
    const badPost = await token({ ...body, client_id: a.client_id, client_secret: "nope" });
    assert.equal(badPost.status, 401);
    assert.equal(badPost.headers.get("www-authenticate"), null);
    const none = await token(body);
    assert.equal(none.status, 401);
    assert.equal(none.json.error, "invalid_client");
    const inQuery = await token(body, {
      query: `?client_id=${a.client_id}&client_secret=${a.client_secret}`,
    });
    assert.equal(inQuery.json.error, "invalid_request");
    assert.ok(typeof badBasic.json.error_description === "string");
  });

  it("grant types, repeated and malformed parameters", async () => {
    const r1 = await token({ grant_type: "password", username: "x" }, { auth: A() });
    assert.equal(r1.status, 400);
    assert.equal(r1.json.error, "unsupported_grant_type");
    const r2 = await token({}, { auth: A() });
    assert.equal(r2.json.error, "invalid_request");
    const form = `grant_type=authorization_code&code=a&code=b&redirect_uri=${encodeURIComponent(REDIRECT)}`;
    const r3 = await fetch(`${s.url}/oauth/token`, {
      method: "POST",
      headers: { authorization: A(), "content-type": "application/x-www-form-urlencoded" },
      body: form,
    });
    assert.equal(r3.status, 400);
    assert.equal(((await r3.json()) as Json).error, "invalid_request");
    const r4 = await fetch(`${s.url}/oauth/token`, {
      method: "POST",
      headers: { authorization: A(), "content-type": "application/json" },
      body: "{not json",
    });
    assert.equal(r4.status, 400);
    assert.equal(((await r4.json()) as Json).error, "invalid_request");
    const r5 = await token({ grant_type: "authorization_code", code: 42 }, { auth: A() });
    assert.equal(r5.json.error, "invalid_request");
    const get = await fetch(`${s.url}/oauth/token`);
    assert.equal(get.status, 404);
  });

  it("a disabled client is refused, and its grants stop working", async () => {
    const ctx = ctxFor(s.db.store, clock);
    const c = await createClient({ ctx, input: { name: "Soon off", redirectUris: [REDIRECT] } });
    const t = await token(
      { grant_type: "authorization_code", code: await code({}, c), redirect_uri: REDIRECT },
      { auth: basic(c.client_id, c.client_secret) },
    );
    assert.equal(t.status, 200);
    await setClientDisabled({ ctx, input: { clientId: c.client_id, disabled: true } });
    const r = await token(
      { grant_type: "refresh_token", refresh_token: t.json.refresh_token },
      { auth: basic(c.client_id, c.client_secret) },
    );
    assert.equal(r.status, 401);
    assert.equal(r.json.error, "invalid_client");
    assert.equal((await me(t.json.access_token)).status, 401);
  });
});
