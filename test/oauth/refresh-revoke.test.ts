import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { ManualClock } from "../../src/core/clock.js";
import { createClient } from "../../src/oauth/index.js";
import { ctxFor } from "../helpers/factories.js";
import { authorizeQuery, basic, consent } from "../helpers/oauth.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { forEachDialect } from "../helpers/store.js";
import { type FormClient, setupAdmin } from "../helpers/web.js";

const REDIRECT = "http://127.0.0.1:9/cb";
type Json = Record<string, unknown>;
type Pair = { access_token: string; refresh_token: string } & Json;

forEachDialect("OAuth refresh rotation, revocation, introspection, metadata", (dialect) => {
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

  const post = async (path: string, body: Json, headers: Record<string, string> = {}) => {
    const r = await fetch(`${s.url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify(body),
    });
    const text = await r.text();
    return { status: r.status, headers: r.headers, text, json: (text ? JSON.parse(text) : {}) as Json };
  };
  const A = () => basic(a.client_id, a.client_secret);
  const B = () => basic(b.client_id, b.client_secret);
  const me = async (t: unknown) =>
    (await fetch(`${s.url}/api/v1/me`, { headers: { authorization: `Bearer ${t}` } })).status;
  async function pair(): Promise<Pair> {
    const r = await consent(
      s.url,
      web.cookies,
      authorizeQuery({ client_id: a.client_id, redirect_uri: REDIRECT, response_type: "code", state: "s" }),
    );
    const code = new URL(r.headers.get("location") ?? "").searchParams.get("code");
    const t = await post(
      "/oauth/token",
      { grant_type: "authorization_code", code, redirect_uri: REDIRECT },
      { authorization: A() },
    );
    assert.equal(t.status, 200);
    return t.json as Pair;
  }
  const refresh = (rt: string, auth = A()) =>
    post("/oauth/token", { grant_type: "refresh_token", refresh_token: rt }, { authorization: auth });

  it("refresh rotates: a new pair every time, refresh_token always present, both tokens work", async () => {
    const p0 = await pair();
    const r1 = await refresh(p0.refresh_token);
    assert.equal(r1.status, 200);
    const p1 = r1.json as Pair;
    assert.notEqual(p1.refresh_token, p0.refresh_token);
    assert.notEqual(p1.access_token, p0.access_token);
    assert.equal(p1.expires_in, 3600);
    assert.ok(Number(p1.refresh_expires_in) > 0);
    const r2 = await refresh(p1.refresh_token);
    assert.equal(r2.status, 200);
    assert.match(String(r2.json.refresh_token), /^mcs_rt_/);
    assert.equal(await me(r2.json.access_token), 200);
  });

  it("a retry of the previous token within 60 s returns the same pair; the grant lives", async () => {
    const p0 = await pair();
    const r1 = await refresh(p0.refresh_token);
    clock.advance(30_000);
    const retry = await refresh(p0.refresh_token);
    assert.equal(retry.status, 200);
    assert.equal(retry.json.refresh_token, r1.json.refresh_token);
    assert.equal(retry.json.access_token, r1.json.access_token);
    assert.equal(await me(r1.json.access_token), 200);
    const next = await refresh(String(r1.json.refresh_token));
    assert.equal(next.status, 200);
  });

  it("concurrent refreshes with one token get one successor pair and keep the grant", async () => {
    const p0 = await pair();
    const rs = await Promise.all([
      refresh(p0.refresh_token),
      refresh(p0.refresh_token),
      refresh(p0.refresh_token),
    ]);
    for (const r of rs) assert.equal(r.status, 200, r.text);
    assert.equal(new Set(rs.map((r) => r.json.refresh_token)).size, 1);
    assert.equal(await me(rs[0]?.json.access_token), 200);
  });

  it("reusing a consumed token after the grace period revokes the whole grant", async () => {
    const p0 = await pair();
    const p1 = (await refresh(p0.refresh_token)).json as Pair;
    clock.advance(61_000);
    const reuse = await refresh(p0.refresh_token);
    assert.equal(reuse.status, 400);
    assert.equal(reuse.json.error, "invalid_grant");
    assert.equal(await me(p1.access_token), 401);
    assert.equal((await refresh(p1.refresh_token)).json.error, "invalid_grant");
  });

  it("reusing a token two generations old revokes the grant even within 60 s", async () => {
    const p0 = await pair();
    const p1 = (await refresh(p0.refresh_token)).json as Pair;
    const p2 = (await refresh(p1.refresh_token)).json as Pair;
    const reuse = await refresh(p0.refresh_token);
    assert.equal(reuse.json.error, "invalid_grant");
    assert.equal(await me(p2.access_token), 401);
  });

  it("another client cannot use the refresh token; scope cannot grow", async () => {
    const p0 = await pair();
    const other = await refresh(p0.refresh_token, B());
    assert.equal(other.json.error, "invalid_grant");
    const grow = await post(
      "/oauth/token",
      { grant_type: "refresh_token", refresh_token: p0.refresh_token, scope: "admin" },
      { authorization: A() },
    );
    assert.equal(grow.status, 400);
    assert.equal(await me(p0.access_token), 200);
  });

  it("Bearer revoke (the seed's form) ends the grant: /api/v1/me answers 401", async () => {
    const p = await pair();
    const r = await post(
      "/oauth/revoke",
      { token: p.access_token },
      { authorization: `Bearer ${p.access_token}` },
    );
    assert.equal(r.status, 200);
    assert.equal(r.text, "");
    assert.equal(await me(p.access_token), 401);
    assert.equal((await refresh(p.refresh_token)).json.error, "invalid_grant");
  });

  it("Bearer revoke cannot touch another grant; a bad bearer is 401", async () => {
    const mine = await pair();
    const theirs = await pair();
    const r = await post(
      "/oauth/revoke",
      { token: theirs.access_token },
      { authorization: `Bearer ${mine.access_token}` },
    );
    assert.equal(r.status, 200);
    assert.equal(await me(theirs.access_token), 200);
    const bad = await post(
      "/oauth/revoke",
      { token: mine.access_token },
      { authorization: "Bearer mcs_at_nope" },
    );
    assert.equal(bad.status, 401);
    assert.equal(await me(mine.access_token), 200);
  });

  it("RFC 7009 revoke: client auth + refresh token (form) ends the grant; unknown tokens get 200", async () => {
    const p = await pair();
    const r = await fetch(`${s.url}/oauth/revoke`, {
      method: "POST",
      headers: { authorization: A(), "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token: p.refresh_token, token_type_hint: "refresh_token" }).toString(),
    });
    assert.equal(r.status, 200);
    assert.equal(await r.text(), "");
    assert.equal(await me(p.access_token), 401);
    const unknown = await post("/oauth/revoke", { token: "mcs_rt_unknown" }, { authorization: A() });
    assert.equal(unknown.status, 200);
    const other = await pair();
    const wrongClient = await post("/oauth/revoke", { token: other.access_token }, { authorization: B() });
    assert.equal(wrongClient.status, 200);
    assert.equal(await me(other.access_token), 200);
    const noAuth = await post("/oauth/revoke", { token: other.access_token });
    assert.equal(noAuth.status, 401);
    assert.equal(await me(other.access_token), 200);
  });

  it("introspection: client-authenticated; active for its own live tokens, inactive otherwise", async () => {
    const p = await pair();
    const live = await post("/oauth/introspect", { token: p.access_token }, { authorization: A() });
    assert.equal(live.status, 200);
    assert.equal(live.json.active, true);
    assert.equal(live.json.client_id, a.client_id);
    assert.equal(live.json.token_type, "Bearer");
    assert.equal(
      (await post("/oauth/introspect", { token: p.access_token }, { authorization: B() })).json.active,
      false,
    );
    assert.equal(
      (await post("/oauth/introspect", { token: "garbage" }, { authorization: A() })).json.active,
      false,
    );
    assert.equal((await post("/oauth/introspect", { token: p.access_token })).status, 401);
    await post("/oauth/revoke", { token: p.access_token }, { authorization: A() });
    assert.equal(
      (await post("/oauth/introspect", { token: p.refresh_token }, { authorization: A() })).json.active,
      false,
    );
  });

  it("access tokens expire after 3600 s", async () => {
    const p = await pair();
    clock.advance(3601_000);
    assert.equal(await me(p.access_token), 401);
    const r = await refresh(p.refresh_token);
    assert.equal(r.status, 200);
  });

  it("RFC 8414 metadata names the issuer (origin only) and what we support", async () => {
    const r = await fetch(`${s.url}/.well-known/oauth-authorization-server`);
    const m = (await r.json()) as Json;
    assert.equal(m.issuer, new URL(s.url).origin);
    assert.equal(m.token_endpoint, `${new URL(s.url).origin}/oauth/token`);
    assert.deepEqual(m.code_challenge_methods_supported, ["S256"]);
    assert.deepEqual(m.token_endpoint_auth_methods_supported, ["client_secret_basic", "client_secret_post"]);
    assert.deepEqual(m.grant_types_supported, ["authorization_code", "refresh_token"]);
    assert.ok((m.scopes_supported as string[]).includes("messages:send"));
    assert.equal(r.headers.get("access-control-allow-origin"), null);
  });
});
