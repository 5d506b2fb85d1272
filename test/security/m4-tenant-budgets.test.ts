import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { loadConfig } from "../../src/config/index.js";
import { ctxFor, makeLocation, makeUser } from "../helpers/factories.js";
import { makeApiToken } from "../helpers/oauth.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { forEachDialect } from "../helpers/store.js";

// M4: budgets per connection (grant) under a client-wide ceiling, so one tenant of a shared OAuth
// client (one Make app serves every Make customer) cannot use up every other tenant's budget.

const me = async (url: string, token: string) => {
  const r = await fetch(`${url}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } });
  const body = (await r.json()) as { error?: string; message?: string };
  return { status: r.status, headers: r.headers, body };
};

describe("M4 configuration", () => {
  it("M4 RATE_LIMIT_PER_MINUTE is the per-connection budget; the client ceiling defaults to 10 times it", () => {
    const base = { DATA_DIR: "/tmp/x" };
    assert.equal(loadConfig(base).rateLimitPerMinute, 600);
    assert.equal(loadConfig(base).rateLimitPerClientPerMinute, 6000);
    assert.equal(loadConfig({ ...base, RATE_LIMIT_PER_MINUTE: "50" }).rateLimitPerClientPerMinute, 500);
    assert.equal(
      loadConfig({ ...base, RATE_LIMIT_PER_MINUTE: "50", RATE_LIMIT_PER_CLIENT_PER_MINUTE: "70" })
        .rateLimitPerClientPerMinute,
      70,
    );
    assert.throws(
      () => loadConfig({ ...base, RATE_LIMIT_PER_CLIENT_PER_MINUTE: "0" }),
      /RATE_LIMIT_PER_CLIENT/,
    );
  });
});

forEachDialect("M4 one tenant cannot exhaust a shared client's API budget", (dialect) => {
  let s: TestServer;
  let alice: string;
  let bob: string;
  let carol: string;
  let elsewhere: string;
  before(async () => {
    s = await startTestServer(dialect, {
      RATE_LIMIT_PER_MINUTE: "5",
      RATE_LIMIT_PER_CLIENT_PER_MINUTE: "8",
    });
    const ctx = ctxFor(s.db.store);
    const tenant = async () => {
      const u = await makeUser(ctx);
      return { user: u.id, loc: (await makeLocation(ctx, u.id)).id };
    };
    const [t1, t2, t3] = [await tenant(), await tenant(), await tenant()];
    // One client ("the Make app"), one connection (grant) per tenant.
    const shared = await makeApiToken(ctx, { userId: t1.user, locationIds: [t1.loc], clientName: "Make" });
    alice = shared.accessToken;
    bob = (await makeApiToken(ctx, { userId: t2.user, locationIds: [t2.loc], clientId: shared.clientId }))
      .accessToken;
    carol = (await makeApiToken(ctx, { userId: t3.user, locationIds: [t3.loc], clientId: shared.clientId }))
      .accessToken;
    // The same first tenant on another client.
    elsewhere = (await makeApiToken(ctx, { userId: t1.user, locationIds: [t1.loc] })).accessToken;
  });
  after(async () => s.close());

  it("M4 tenant 1 exhausts its connection's budget (429 naming it); tenant 2 on the same client still gets 200; the client ceiling bounds the sum", async () => {
    const first = await me(s.url, alice);
    assert.equal(first.status, 200);
    assert.equal(first.headers.get("ratelimit-policy"), '"connection";q=5;w=60, "client";q=8;w=60');
    assert.match(first.headers.get("ratelimit") ?? "", /^"connection";r=4;t=\d+$/);
    assert.equal(first.headers.get("x-ratelimit-limit"), "5");
    for (let i = 0; i < 4; i++) assert.equal((await me(s.url, alice)).status, 200);

    const refused = await me(s.url, alice);
    assert.equal(refused.status, 429);
    assert.equal(refused.body.error, "rate_limited");
    assert.match(refused.body.message ?? "", /connection/);
    assert.match(refused.headers.get("ratelimit-policy") ?? "", /^"connection";q=5;w=60/);
    assert.match(refused.headers.get("ratelimit") ?? "", /^"connection";r=0;/);
    assert.ok(Number(refused.headers.get("retry-after")) >= 1);

    // Tenant 2, same client: its own budget (before M4: 429 at once).
    const other = await me(s.url, bob);
    assert.equal(other.status, 200, JSON.stringify(other.body));
    // The closest budget is named: the client's ceiling has 2 left, Bob's connection 4.
    assert.match(other.headers.get("ratelimit") ?? "", /^"client";r=2;/);
    // The client as a whole: 5 (Alice) + 3 (Bob) = 8 = the ceiling. Alice's refused request was not charged.
    assert.equal((await me(s.url, bob)).status, 200);
    assert.equal((await me(s.url, bob)).status, 200);
    const ceiling = await me(s.url, bob);
    assert.equal(ceiling.status, 429);
    assert.match(ceiling.body.message ?? "", /OAuth client/);
    assert.match(ceiling.headers.get("ratelimit") ?? "", /^"client";r=0;/);
    assert.equal((await me(s.url, carol)).status, 429, "a third tenant: the ceiling is reached");

    // Another client is not affected at all.
    assert.equal((await me(s.url, elsewhere)).status, 200);
  });
});

forEachDialect("M4 a client with one connection: the seed's per-client budget", (dialect) => {
  let s: TestServer;
  let token: string;
  before(async () => {
    s = await startTestServer(dialect);
    const ctx = ctxFor(s.db.store);
    const u = await makeUser(ctx);
    const loc = await makeLocation(ctx, u.id);
    token = (await makeApiToken(ctx, { userId: u.id, locationIds: [loc.id] })).accessToken;
  });
  after(async () => s.close());

  it("M4 defaults: 600 a minute for the connection under a 6000 ceiling; the headers name the connection", async () => {
    const r = await me(s.url, token);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get("ratelimit-policy"), '"connection";q=600;w=60, "client";q=6000;w=60');
    assert.match(r.headers.get("ratelimit") ?? "", /^"connection";r=\d+;t=\d+$/);
    assert.equal(r.headers.get("x-ratelimit-limit"), "600");
  });
});
