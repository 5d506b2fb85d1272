import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { OAUTH_WIRE_CODES } from "../../src/api/openapi/errors.js";
import { ERROR_STATUS } from "../../src/core/errors.js";
import { SCOPES } from "../../src/oauth/index.js";
import { ctxFor, makeLocation, makeUser } from "../helpers/factories.js";
import { basic, makeApiToken } from "../helpers/oauth.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { forEachDialect } from "../helpers/store.js";
import { setupAdmin } from "../helpers/web.js";

type Json = Record<string, unknown>;
type Media = {
  schema?: Json;
  example?: unknown;
  examples?: Record<string, { summary?: string; value: unknown }>;
};
type Response = { description: string; content?: Record<string, Media>; headers?: Record<string, unknown> };
type Operation = {
  operationId?: string;
  summary?: string;
  tags?: string[];
  security?: Record<string, string[]>[];
  responses: Record<string, Response>;
  requestBody?: { content: Record<string, Media> };
  "x-error-codes"?: string[];
};
type Doc = {
  servers: { url: string }[];
  tags: { name: string; description: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, Json> };
};

const CATALOG: Record<string, number> = { ...ERROR_STATUS, ...OAUTH_WIRE_CODES };
const hasExample = (m: Media | undefined) =>
  m !== undefined && (m.example !== undefined || Object.keys(m.examples ?? {}).length > 0);

forEachDialect("OpenAPI document and /docs: every operation's errors, examples and security", (dialect) => {
  let s: TestServer;
  let doc: Doc;
  let ops: { key: string; path: string; method: string; op: Operation }[];
  let token: string;
  let readOnly: string;
  let loc: string;
  let busyLoc: string;
  let hookLoc: string;
  let otherLoc: string;
  before(async () => {
    s = await startTestServer(dialect, { RATE_LIMIT_PER_LOCATION_PER_MINUTE: "5" });
    doc = (await (await fetch(`${s.url}/openapi.json`)).json()) as Doc;
    ops = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, op]) => ({
        key: `${method.toUpperCase()} ${path}`,
        path,
        method,
        op,
      })),
    );
    const ctx = ctxFor(s.db.store);
    const u = await makeUser(ctx);
    loc = (await makeLocation(ctx, u.id)).id;
    busyLoc = (await makeLocation(ctx, u.id)).id;
    hookLoc = (await makeLocation(ctx, u.id)).id;
    const other = await makeUser(ctx);
    otherLoc = (await makeLocation(ctx, other.id)).id;
    token = (await makeApiToken(ctx, { userId: u.id, locationIds: [loc, busyLoc, hookLoc] })).accessToken;
    readOnly = (await makeApiToken(ctx, { userId: u.id, locationIds: [loc], scopes: ["messages:read"] }))
      .accessToken;
  });
  after(async () => {
    await s.close();
  });

  const op = (method: string, path: string): Operation => {
    const o = doc.paths[path]?.[method];
    assert.ok(o, `${method} ${path} is documented`);
    return o;
  };

  /** The answer's code is one the operation lists, with the status and body shape the document gives it. */
  async function expectDocumented(
    method: string,
    path: string,
    r: Response | globalThis.Response,
    want: string,
  ) {
    const res = r as globalThis.Response;
    const o = op(method, path);
    const text = await res.text();
    const body = JSON.parse(text) as Json;
    assert.equal(body.error, want, `${method} ${path}: ${text}`);
    assert.ok(o["x-error-codes"]?.includes(want), `${method} ${path} lists ${want}`);
    const documented = o.responses[String(res.status)];
    assert.ok(documented, `${method} ${path} documents status ${res.status}`);
    const media = documented.content?.["application/json"];
    assert.ok(media?.examples?.[want], `${method} ${path} has an example for ${want}`);
    const example = media.examples[want].value as Json;
    assert.deepEqual(
      Object.keys(body).sort(),
      Object.keys(example).sort(),
      `${want}: body keys as documented`,
    );
    return res;
  }

  it("every operation has a summary, a unique operationId, one defined tag, security, a 2xx and a 4xx", () => {
    assert.ok(ops.length >= 25, `${ops.length} operations`);
    const ids = new Set<string>();
    const tagNames = new Set(doc.tags.map((t) => t.name));
    for (const { key, op: o } of ops) {
      assert.ok(o.summary && o.summary.length > 5, `${key}: summary`);
      assert.match(String(o.operationId), /^[A-Za-z][\w]*$/, `${key}: operationId`);
      assert.ok(!ids.has(String(o.operationId)), `${key}: operationId unique`);
      ids.add(String(o.operationId));
      assert.equal(o.tags?.length, 1, `${key}: one tag`);
      assert.ok(tagNames.has(String(o.tags?.[0])), `${key}: tag ${o.tags?.[0]} is described`);
      assert.ok(Array.isArray(o.security), `${key}: security declared`);
      const statuses = Object.keys(o.responses);
      assert.ok(
        statuses.some((x) => /^2/.test(x)),
        `${key}: a 2xx answer`,
      );
      assert.ok(
        statuses.some((x) => /^4/.test(x)),
        `${key}: a 4xx answer`,
      );
    }
    for (const t of doc.tags) assert.ok(t.description.length > 10, `tag ${t.name} has a description`);
  });

  it("every listed error code is in the catalog, with its status's response and an example per code", () => {
    for (const { key, op: o } of ops) {
      const codes = o["x-error-codes"];
      assert.ok(Array.isArray(codes) && codes.length > 0, `${key}: x-error-codes`);
      for (const code of codes) {
        const status = CATALOG[code];
        assert.ok(status, `${key}: ${code} is a catalog code`);
        const r = o.responses[String(status)];
        assert.ok(r, `${key}: ${code} → a ${status} response`);
        const media = Object.values(r.content ?? {})[0];
        const example = media?.examples?.[code];
        assert.ok(example?.summary, `${key}: ${code} has an example with its meaning`);
        if (typeof example.value === "object") assert.equal((example.value as Json).error, code);
      }
      // No error status without a code that explains it.
      for (const status of Object.keys(o.responses).filter((x) => /^[45]/.test(x))) {
        assert.ok(
          codes.some((c) => String(CATALOG[c]) === status),
          `${key}: response ${status} has a code`,
        );
      }
      if (key.includes(" /api/v1/")) {
        for (const c of ["unauthorized", "rate_limited", "internal_error", "storage_unavailable"]) {
          assert.ok(codes.includes(c), `${key}: lists ${c}`);
        }
        assert.ok(o.responses["429"]?.headers?.["retry-after"], `${key}: 429 documents Retry-After`);
        assert.ok(o.responses["429"]?.headers?.ratelimit, `${key}: 429 documents RateLimit`);
        assert.deepEqual(Object.keys(o.security?.[0] ?? {}), ["oauth2"], `${key}: OAuth 2.0`);
      }
    }
  });

  it("every JSON answer and every request body has an example", () => {
    for (const { key, op: o } of ops) {
      for (const [status, r] of Object.entries(o.responses)) {
        const json = r.content?.["application/json"];
        if (json) assert.ok(hasExample(json), `${key}: ${status} example`);
      }
      for (const [type, m] of Object.entries(o.requestBody?.content ?? {})) {
        if (type === "application/json") assert.ok(hasExample(m), `${key}: request example`);
      }
    }
  });

  it("declares OAuth 2.0 with this instance's authorize and token URLs and every scope", () => {
    assert.equal(doc.servers[0]?.url, s.url);
    const flow = (doc.components.securitySchemes.oauth2 as { flows: { authorizationCode: Json } }).flows
      .authorizationCode as { authorizationUrl: string; tokenUrl: string; scopes: Json };
    assert.equal(flow.authorizationUrl, `${s.url}/oauth/authorize`);
    assert.equal(flow.tokenUrl, `${s.url}/oauth/token`);
    assert.deepEqual(Object.keys(flow.scopes).sort(), [...SCOPES].sort());
    assert.deepEqual(op("post", "/api/v1/messages").security, [{ oauth2: ["messages:send"] }]);
    assert.deepEqual(op("get", "/.well-known/oauth-authorization-server").security, []);
  });

  it("send: each error provoked over HTTP is one the document lists, as documented", async () => {
    const send = (body: unknown, headers: Record<string, string> = {}, bearer = token) =>
      fetch(`${s.url}/api/v1/messages`, {
        method: "POST",
        headers: { authorization: `Bearer ${bearer}`, "content-type": "application/json", ...headers },
        body: typeof body === "string" ? body : JSON.stringify(body),
      });
    const P = "/api/v1/messages";
    const ok = { phone: "+14155552671", locationId: loc, message: "Hi" };
    let r = await fetch(`${s.url}${P}`, { method: "POST", body: "{}" });
    assert.equal(r.status, 401);
    await expectDocumented("post", P, r, "unauthorized");
    await expectDocumented("post", P, await send(ok, {}, readOnly), "insufficient_scope");
    await expectDocumented("post", P, await send({ ...ok, phone: "555-1234" }), "invalid_phone");
    await expectDocumented("post", P, await send({ ...ok, message: "x".repeat(1601) }), "message_too_long");
    await expectDocumented("post", P, await send({ ...ok, locationId: otherLoc }), "location_not_found");
    await expectDocumented("post", P, await send({ ...ok, phone: 14155552671 }), "invalid_request");
    await expectDocumented("post", P, await send("{not json"), "invalid_request");
    r = await send("<xml/>", { "content-type": "application/xml" });
    await expectDocumented("post", P, r, "unsupported_media_type");
    r = await send(ok, { "idempotency-key": "doc-1" });
    assert.equal(r.status, 200);
    await r.body?.cancel();
    r = await send({ ...ok, message: "Another" }, { "idempotency-key": "doc-1" });
    await expectDocumented("post", P, r, "idempotency_key_reused");
    // A location's budget is 5 a minute here (per client): 5 sends, then 429.
    const busy = { ...ok, locationId: busyLoc };
    for (let i = 0; i < 5; i++) assert.equal((await send(busy)).status, 200);
    r = await expectDocumented("post", P, await send(busy), "rate_limited");
    assert.match(r.headers.get("retry-after") ?? "", /^\d+$/);
    assert.match(r.headers.get("ratelimit-policy") ?? "", /"location";q=5;w=60/);
  });

  it("other operations: webhooks, messages, OAuth, phones and media answer the codes they list", async () => {
    const auth = { authorization: `Bearer ${token}`, "content-type": "application/json" };
    const sub = (body: Json) =>
      fetch(`${s.url}/api/v1/webhooks/subscribe`, {
        method: "POST",
        headers: auth,
        body: JSON.stringify(body),
      });
    const W = "/api/v1/webhooks/subscribe";
    await expectDocumented(
      "post",
      W,
      await sub({ targetUrl: "https://a.test/h", event: "nope", locationId: hookLoc }),
      "invalid_event",
    );
    await expectDocumented(
      "post",
      W,
      await sub({ targetUrl: "ftp://a.test/h", event: "new_message", locationId: hookLoc }),
      "invalid_target_url",
    );
    await expectDocumented(
      "post",
      W,
      await sub({ targetUrl: "https://a.test/h", event: "new_message", locationId: otherLoc }),
      "location_not_found",
    );
    const get = (path: string, bearer = token) =>
      fetch(`${s.url}${path}`, { headers: { authorization: `Bearer ${bearer}` } });
    await expectDocumented(
      "get",
      "/api/v1/webhooks/{id}",
      await get("/api/v1/webhooks/wh_nope"),
      "webhook_not_found",
    );
    await expectDocumented(
      "get",
      "/api/v1/webhooks/{id}",
      await get("/api/v1/webhooks/x", readOnly),
      "insufficient_scope",
    );
    await expectDocumented(
      "get",
      "/api/v1/messages/{id}",
      await get("/api/v1/messages/msg_nope"),
      "message_not_found",
    );
    await expectDocumented(
      "get",
      "/api/v1/messages",
      await get("/api/v1/messages?status=bogus"),
      "validation_failed",
    );
    await expectDocumented(
      "get",
      "/api/v1/messages",
      await get("/api/v1/messages?limit=0"),
      "invalid_request",
    );
    await expectDocumented(
      "get",
      "/api/v1/locations",
      await get("/api/v1/locations", readOnly),
      "insufficient_scope",
    );
    await expectDocumented("get", "/api/v1/me", await get("/api/v1/me", "mcs_at_nope"), "unauthorized");

    const form = (path: string, body: Record<string, string>, headers: Record<string, string> = {}) =>
      fetch(`${s.url}${path}`, { method: "POST", headers, body: new URLSearchParams(body) });
    const T = "/oauth/token";
    const c = await makeApiToken(ctxFor(s.db.store), {
      userId: (await makeUser(ctxFor(s.db.store))).id,
      locationIds: [],
    });
    const creds = { authorization: basic(c.clientId, c.clientSecret ?? "") };
    await expectOAuth(
      T,
      await form(T, { grant_type: "authorization_code", code: "mcs_ac_nope" }, creds),
      "invalid_grant",
    );
    await expectOAuth(T, await form(T, { grant_type: "password" }, creds), "unsupported_grant_type");
    await expectOAuth(
      T,
      await form(
        T,
        { grant_type: "refresh_token", refresh_token: c.refreshToken, scope: "contacts:read" },
        creds,
      ),
      "invalid_scope",
    );
    await expectOAuth(
      T,
      await form(
        T,
        { grant_type: "authorization_code", code: "x" },
        { authorization: basic(c.clientId, "wrong") },
      ),
      "invalid_client",
    );
    const revoke = await fetch(`${s.url}/oauth/revoke`, {
      method: "POST",
      headers: { authorization: "Bearer mcs_at_nope", "content-type": "application/json" },
      body: JSON.stringify({ token: "x" }),
    });
    await expectOAuth("/oauth/revoke", revoke, "invalid_token");

    // Phones: SMSGate's {message, code} plus our code.
    const phone = await fetch(`${s.url}/api/mobile/v1/message`);
    assert.equal(phone.status, 401);
    const pb = (await phone.json()) as Json;
    assert.equal(pb.error, "unauthorized");
    assert.equal(pb.code, 401);
    assert.ok(op("get", "/api/mobile/v1/message")["x-error-codes"]?.includes("unauthorized"));
    // Media: a link that is not signed.
    await expectDocumented(
      "get",
      "/media/{id}",
      await fetch(`${s.url}/media/att_nope?exp=1&sig=x`),
      "not_found",
    );
    // Authorize: an unknown client is an error page, not a redirect.
    const page = await fetch(
      `${s.url}/oauth/authorize?client_id=cli_nope&redirect_uri=https://a.test/cb&response_type=code`,
      { redirect: "manual" },
    );
    assert.equal(page.status, 404);
    assert.match(page.headers.get("content-type") ?? "", /text\/html/);
    assert.ok(
      op("get", "/oauth/authorize").responses["404"]?.content?.["text/html"]?.examples?.client_not_found,
    );
  });

  async function expectOAuth(path: string, res: globalThis.Response, want: string) {
    const o = op("post", path);
    const body = (await res.json()) as Json;
    assert.equal(body.error, want, JSON.stringify(body));
    assert.ok(o["x-error-codes"]?.includes(want), `${path} lists ${want}`);
    const example = o.responses[String(res.status)]?.content?.["application/json"]?.examples?.[want];
    assert.ok(example, `${path}: ${res.status} ${want} documented`);
    assert.deepEqual(Object.keys(body).sort(), Object.keys(example.value as Json).sort());
  }

  it("/docs: per operation a curl with this instance's URL, examples and an error table; no schema dump", async () => {
    const r = await fetch(`${s.url}/docs`);
    assert.equal(r.status, 200);
    const text = await r.text();
    assert.doesNotMatch(text, /<script(?! src="\/assets\/app\.js")|style=/);
    const start = text.indexOf('id="op-sendMessage"');
    const send = text.slice(start, text.indexOf("</section>", start));
    assert.ok(send.length > 500, "the send section");
    assert.ok(send.includes(`curl -sS -X POST &#39;${s.url}/api/v1/messages&#39;`), "curl with the real URL");
    assert.match(send, /Authorization: Bearer \$ACCESS_TOKEN/);
    assert.match(send, /&quot;phone&quot;: &quot;\+14155552671&quot;/);
    assert.match(send, /&quot;status&quot;: &quot;queued&quot;/);
    for (const code of op("post", "/api/v1/messages")["x-error-codes"] ?? []) {
      assert.match(
        send,
        new RegExp(`<td class="mono">${CATALOG[code]}</td><td class="mono">${code}</td><td>.{10,}?</td>`),
        code,
      );
    }
    assert.match(send, /<code>messages:send<\/code>/);
    // Schemas only inside a collapsed <details>.
    assert.match(send, /<details><summary>Schemas<\/summary>/);
    assert.ok(!/&quot;type&quot;: &quot;object&quot;/.test(send.slice(0, send.indexOf("<details>"))));
    for (const t of doc.tags) assert.match(text, new RegExp(`<h2 id="tag-${t.name}">${t.name}</h2>`));
    // Every operation is in the index and has its section.
    for (const { op: o } of ops)
      assert.ok(text.includes(`href="#op-${o.operationId}"`), String(o.operationId));
    // The form-encoded token request is a curl with form fields and HTTP Basic.
    assert.match(
      text,
      /-u &quot;\$CLIENT_ID:\$CLIENT_SECRET&quot; \\\n {2}-d &#39;grant_type=authorization_code&#39;/,
    );
  });

  it("the dashboard links to /docs (footer, and Admin → OAuth apps)", async () => {
    const fresh = await startTestServer(dialect);
    try {
      const admin = await setupAdmin(fresh.url);
      for (const path of ["/", "/admin/apps"]) {
        const html = await (await admin.get(path)).text();
        assert.match(html, /<a href="\/docs">/, path);
      }
    } finally {
      await fresh.close();
    }
  });
});
