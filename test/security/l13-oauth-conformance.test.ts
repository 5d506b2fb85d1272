import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { createClient } from "../../src/oauth/index.js";
import { ctxFor } from "../helpers/factories.js";
import { authorizeQuery, basic, consent, makeApiToken } from "../helpers/oauth.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { forEachDialect } from "../helpers/store.js";
import { type FormClient, setupAdmin } from "../helpers/web.js";

// L13: RFC 9207 `iss` on every authorization response (and advertised); a narrower `scope` on refresh is
// honoured for the new access token; a wider or unknown one is `invalid_scope` (RFC 6749 §5.2, §6).

const REDIRECT = "http://127.0.0.1:9/cb";
type Json = Record<string, unknown>;

forEachDialect("L13 OAuth conformance", (dialect) => {
  let s: TestServer;
  let web: FormClient;
  let client: { client_id: string; client_secret: string };
  let userId = "";
  let locationId = "";
  before(async () => {
    s = await startTestServer(dialect);
    web = await setupAdmin(s.url);
    const ctx = ctxFor(s.db.store);
    client = await createClient({ ctx, input: { name: "Make", redirectUris: [REDIRECT] } });
    userId = (await s.db.store.db.selectFrom("users").select("id").executeTakeFirstOrThrow()).id;
    locationId = (await s.db.store.db.selectFrom("locations").select("id").executeTakeFirstOrThrow()).id;
  });
  after(async () => s.close());

  const q = (over: Record<string, string | undefined> = {}) =>
    authorizeQuery({
      client_id: client.client_id,
      redirect_uri: REDIRECT,
      response_type: "code",
      state: "st",
      ...over,
    });
  const token = async (body: Record<string, string>) => {
    const r = await fetch(`${s.url}/oauth/token`, {
      method: "POST",
      headers: {
        authorization: basic(client.client_id, client.client_secret),
        "content-type": "application/x-www-form-urlencoded",
      },
      body: new URLSearchParams(body).toString(),
    });
    return { status: r.status, body: (await r.json()) as Json };
  };
  const api = async (path: string, bearer: string) => {
    const r = await fetch(`${s.url}/api/v1${path}`, { headers: { authorization: `Bearer ${bearer}` } });
    return { status: r.status, body: (await r.json()) as Json };
  };

  it("L13 the metadata advertises iss; code, deny and error redirects all carry iss = the issuer", async () => {
    const meta = (await (await fetch(`${s.url}/.well-known/oauth-authorization-server`)).json()) as Json;
    assert.equal(meta.authorization_response_iss_parameter_supported, true);
    const issuer = meta.issuer as string;
    assert.equal(issuer, new URL(s.url).origin);

    const allow = await consent(s.url, web.cookies, q());
    const a = new URL(allow.headers.get("location") ?? "");
    assert.ok(a.searchParams.get("code"));
    assert.equal(a.searchParams.get("iss"), issuer);

    const deny = await consent(s.url, web.cookies, q(), { decision: "deny" });
    const d = new URL(deny.headers.get("location") ?? "");
    assert.deepEqual([d.searchParams.get("error"), d.searchParams.get("iss")], ["access_denied", issuer]);

    const bad = await web.get(`/oauth/authorize?${q({ scope: "locations:read admin" })}`);
    assert.equal(bad.status, 303);
    const e = new URL(bad.headers.get("location") ?? "");
    assert.deepEqual(
      [e.searchParams.get("error"), e.searchParams.get("state"), e.searchParams.get("iss")],
      ["invalid_scope", "st", issuer],
    );
  });

  it("L13 a narrower scope on refresh: the new access token has only those scopes; the refresh token keeps all", async () => {
    const ctx = ctxFor(s.db.store);
    const t = await makeApiToken(ctx, { userId, locationIds: [locationId], clientId: client.client_id });
    const narrow = await token({
      grant_type: "refresh_token",
      refresh_token: t.refreshToken,
      scope: "locations:read",
    });
    assert.equal(narrow.status, 200, JSON.stringify(narrow.body));
    assert.equal(narrow.body.scope, "locations:read");
    const at = narrow.body.access_token as string;
    assert.equal((await api("/locations", at)).status, 200);
    const denied = await api("/messages", at);
    assert.deepEqual([denied.status, denied.body.error], [403, "insufficient_scope"]);

    // The suffix that carries the narrowed scopes cannot be widened: the token becomes unknown.
    assert.equal((await api("/locations", at.replace(/\.[0-9a-f]+$/, ".f"))).status, 401);
    assert.equal((await api("/locations", at.replace(/\.[0-9a-f]+$/, ""))).status, 401);

    const intro = await fetch(`${s.url}/oauth/introspect`, {
      method: "POST",
      headers: {
        authorization: basic(client.client_id, client.client_secret),
        "content-type": "application/x-www-form-urlencoded",
      },
      body: new URLSearchParams({ token: at }).toString(),
    });
    assert.equal(((await intro.json()) as Json).scope, "locations:read");

    // The refresh token still carries the grant's four scopes.
    const full = await token({
      grant_type: "refresh_token",
      refresh_token: narrow.body.refresh_token as string,
    });
    assert.equal(full.status, 200);
    assert.equal(full.body.scope, "locations:read messages:send messages:read webhooks:write");
    assert.equal((await api("/messages", full.body.access_token as string)).status, 200);
  });

  it("L13 a wider or unknown scope on refresh is invalid_scope (and consumes nothing)", async () => {
    const ctx = ctxFor(s.db.store);
    const t = await makeApiToken(ctx, {
      userId,
      locationIds: [locationId],
      clientId: client.client_id,
      scopes: ["locations:read"],
    });
    const wider = await token({
      grant_type: "refresh_token",
      refresh_token: t.refreshToken,
      scope: "locations:read messages:send",
    });
    assert.deepEqual([wider.status, wider.body.error], [400, "invalid_scope"]);
    const unknown = await token({
      grant_type: "refresh_token",
      refresh_token: t.refreshToken,
      scope: "locations:read admin",
    });
    assert.deepEqual([unknown.status, unknown.body.error], [400, "invalid_scope"]);
    const ok = await token({ grant_type: "refresh_token", refresh_token: t.refreshToken });
    assert.deepEqual([ok.status, ok.body.scope], [200, "locations:read"]);
  });
});
