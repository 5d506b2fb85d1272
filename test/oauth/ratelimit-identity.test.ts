import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { ctxFor, makeLocation, makeUser } from "../helpers/factories.js";
import { makeApiToken } from "../helpers/oauth.js";
import { type ChildServer, spawnServer, startTestServer, type TestServer } from "../helpers/server.js";
import { forEachDialect, makeTestStore, type TestStore } from "../helpers/store.js";

type Json = Record<string, unknown>;
const get = (url: string, token?: string) =>
  fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });

forEachDialect("identity API: /api/v1/me and /api/v1/locations", (dialect) => {
  let s: TestServer;
  let token: string;
  let narrow: string;
  let locA: string;
  let locB: string;
  let foreign: string;
  before(async () => {
    s = await startTestServer(dialect, { RATE_LIMIT_PER_MINUTE: "1000" });
    const ctx = ctxFor(s.db.store);
    const u = await makeUser(ctx, { name: "Dana" });
    locA = (await makeLocation(ctx, u.id, { name: "Alpha" })).id;
    locB = (await makeLocation(ctx, u.id, { name: "Beta" })).id;
    const other = await makeUser(ctx);
    foreign = (await makeLocation(ctx, other.id, { name: "Not yours" })).id;
    token = (await makeApiToken(ctx, { userId: u.id, locationIds: [locA, foreign] })).accessToken;
    narrow = (await makeApiToken(ctx, { userId: u.id, locationIds: [locA, locB], scopes: ["messages:send"] }))
      .accessToken;
  });
  after(async () => {
    await s.close();
  });

  it("/me: the user and only the grant's locations the user belongs to", async () => {
    const r = await get(`${s.url}/api/v1/me`, token);
    assert.equal(r.status, 200);
    const body = (await r.json()) as { data: { user: Json; locations: Json[] } };
    assert.equal(body.data.user.name, "Dana");
    assert.deepEqual(Object.keys(body.data.user).sort(), ["email", "id", "name"]);
    assert.deepEqual(
      body.data.locations.map((l) => [l.id, l.name]),
      [[locA, "Alpha"]],
    );
    assert.equal(body.data.locations[0]?.time_zone, "UTC");
    assert.ok(!JSON.stringify(body).includes(foreign));
  });

  it("/locations needs locations:read; /me works with any scope", async () => {
    const r = await get(`${s.url}/api/v1/locations`, token);
    assert.equal(r.status, 200);
    assert.deepEqual(
      ((await r.json()) as { data: Json[] }).data.map((l) => l.id),
      [locA],
    );
    const denied = await get(`${s.url}/api/v1/locations`, narrow);
    assert.equal(denied.status, 403);
    assert.equal(((await denied.json()) as Json).error, "insufficient_scope");
    assert.equal((await get(`${s.url}/api/v1/me`, narrow)).status, 200);
  });

  it("no, unknown or malformed token: 401 with WWW-Authenticate: Bearer", async () => {
    for (const t of [undefined, "mcs_at_unknown", "garbage"]) {
      const r = await get(`${s.url}/api/v1/me`, t);
      assert.equal(r.status, 401);
      assert.match(r.headers.get("www-authenticate") ?? "", /Bearer error="invalid_token"/);
      assert.equal(((await r.json()) as Json).error, "unauthorized");
    }
    const inQuery = await get(`${s.url}/api/v1/me?access_token=${token}`);
    assert.equal(inQuery.status, 401);
  });

  it("answers carry rate-limit headers", async () => {
    const r = await get(`${s.url}/api/v1/me`, token);
    // M4: the connection's budget (RATE_LIMIT_PER_MINUTE) under the client's ceiling (10 times it).
    assert.match(r.headers.get("ratelimit-policy") ?? "", /"connection";q=1000;w=60, "client";q=10000;w=60/);
    assert.match(r.headers.get("ratelimit") ?? "", /"connection";r=\d+;t=\d+/);
    assert.equal(r.headers.get("x-ratelimit-limit"), "1000");
  });
});

forEachDialect("rate limit per OAuth client, shared by two server processes", (dialect) => {
  let db: TestStore;
  let one: ChildServer;
  let two: ChildServer;
  let tokenA: string;
  let tokenB: string;
  before(async () => {
    db = await makeTestStore(dialect);
    const ctx = ctxFor(db.store);
    const u = await makeUser(ctx);
    const loc = await makeLocation(ctx, u.id);
    tokenA = (await makeApiToken(ctx, { userId: u.id, locationIds: [loc.id] })).accessToken;
    tokenB = (await makeApiToken(ctx, { userId: u.id, locationIds: [loc.id] })).accessToken;
    const env = { ...db.env, RATE_LIMIT_PER_MINUTE: "10", SECRET_KEY: "k".repeat(40) };
    [one, two] = await Promise.all([spawnServer(env), spawnServer(env)]);
  });
  after(async () => {
    for (const c of [one, two]) {
      c?.proc.kill("SIGTERM");
      await c?.exited;
    }
    await db.cleanup();
  });

  it("10 requests a minute in total across both processes, then 429 rate_limited with Retry-After", async () => {
    const statuses: number[] = [];
    let limited: Response | undefined;
    for (let i = 0; i < 16; i++) {
      const r = await get(`${(i % 2 ? one : two).url}/api/v1/me`, tokenA);
      statuses.push(r.status);
      if (r.status === 429) limited ??= r;
      else await r.arrayBuffer();
    }
    assert.equal(statuses.filter((x) => x === 200).length, 10, statuses.join(","));
    assert.equal(statuses.filter((x) => x === 429).length, 6);
    assert.ok(limited);
    const body = (await limited.json()) as Json;
    assert.equal(body.error, "rate_limited");
    const retry = Number(limited.headers.get("retry-after"));
    assert.ok(retry >= 1 && retry <= 60, `Retry-After ${retry}`);
    assert.equal(limited.headers.get("x-ratelimit-remaining"), "0");
    assert.match(limited.headers.get("ratelimit") ?? "", /r=0/);
    assert.match(limited.headers.get("ratelimit-policy") ?? "", /q=10;w=60/);
  });

  it("another client keeps its own budget", async () => {
    const r = await get(`${one.url}/api/v1/me`, tokenB);
    assert.equal(r.status, 200);
  });
});
