/**
 * The bearer check keeps verified tokens for a few seconds and each process admits requests from a
 * share of the client's budget it reserved in the database. Neither may weaken the contract: a
 * revocation ends access at once on the node that revoked it (and, on PostgreSQL, on every node),
 * a removed member loses the location, and the per-client limit holds across processes.
 */
import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { addMember, removeMember } from "../../src/accounts/index.js";
import { setClientDisabled } from "../../src/oauth/index.js";
import { ctxFor, makeLocation, makeUser } from "../helpers/factories.js";
import { makeApiToken } from "../helpers/oauth.js";
import { type ChildServer, spawnServer, startTestServer, type TestServer } from "../helpers/server.js";
import { forEachDialect, makeTestStore, type TestStore } from "../helpers/store.js";

const get = (url: string, token: string) => fetch(url, { headers: { authorization: `Bearer ${token}` } });
const status = async (url: string, token: string) => {
  const r = await get(url, token);
  await r.arrayBuffer();
  return r.status;
};

/** Ask until `want` comes back (the wait is for another node's cache), or fail after `ms`. */
async function until(url: string, token: string, want: number, ms: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    if ((await status(url, token)) === want) return Date.now() - started;
    if (Date.now() - started > ms) assert.fail(`still not ${want} after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

forEachDialect("bearer check cache: revocations still take effect at once on this node", (dialect) => {
  let s: TestServer;
  before(async () => {
    // The longest allowed cache lifetime: every 401 below must come from eviction, not expiry.
    s = await startTestServer(dialect, { AUTH_CACHE_MS: "5000", RATE_LIMIT_PER_MINUTE: "10000" });
  });
  after(() => s.close());

  it("a revoked token is refused on the very next request", async () => {
    const ctx = ctxFor(s.db.store);
    const u = await makeUser(ctx);
    const loc = await makeLocation(ctx, u.id);
    const t = await makeApiToken(ctx, { userId: u.id, locationIds: [loc.id] });
    assert.equal(await status(`${s.url}/api/v1/me`, t.accessToken), 200);
    assert.equal(await status(`${s.url}/api/v1/me`, t.accessToken), 200);
    const r = await fetch(`${s.url}/oauth/revoke`, {
      method: "POST",
      headers: { authorization: `Bearer ${t.accessToken}`, "content-type": "application/json" },
      body: JSON.stringify({ token: t.accessToken }),
    });
    assert.equal(r.status, 200);
    assert.equal(await status(`${s.url}/api/v1/me`, t.accessToken), 401);
  });

  it("disabling the client ends its tokens on the next request", async () => {
    const ctx = ctxFor(s.db.store);
    const u = await makeUser(ctx);
    const loc = await makeLocation(ctx, u.id);
    const t = await makeApiToken(ctx, { userId: u.id, locationIds: [loc.id] });
    assert.equal(await status(`${s.url}/api/v1/me`, t.accessToken), 200);
    await setClientDisabled({ ctx, input: { clientId: t.clientId, disabled: true } });
    assert.equal(await status(`${s.url}/api/v1/me`, t.accessToken), 401);
  });

  it("a member removed from a location no longer sees it through a cached token", async () => {
    const ctx = ctxFor(s.db.store);
    const owner = await makeUser(ctx, { isAdmin: true }); // an administrator adds without an invitation
    const member = await makeUser(ctx);
    const shared = await makeLocation(ctx, owner.id, { name: "Shared" });
    const own = await makeLocation(ctx, member.id, { name: "Own" });
    await addMember({
      ctx,
      input: { actorUserId: owner.id, locationId: shared.id, email: member.email, role: "member" },
    });
    const t = await makeApiToken(ctx, { userId: member.id, locationIds: [shared.id, own.id] });
    const ids = async () => {
      const r = await get(`${s.url}/api/v1/locations`, t.accessToken);
      assert.equal(r.status, 200);
      return ((await r.json()) as { data: { id: string }[] }).data.map((l) => l.id).sort();
    };
    assert.deepEqual(await ids(), [shared.id, own.id].sort());
    await removeMember({ ctx, input: { actorUserId: owner.id, locationId: shared.id, userId: member.id } });
    // SQLite: the notification is in-process and synchronous; PostgreSQL: NOTIFY, a few ms.
    const started = Date.now();
    while ((await ids()).includes(shared.id)) {
      assert.ok(Date.now() - started < 1000, "the removed location is still visible after 1 s");
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.deepEqual(await ids(), [own.id]);
  });

  it("a new token works at once (unknown tokens are never cached)", async () => {
    const ctx = ctxFor(s.db.store);
    const u = await makeUser(ctx);
    const loc = await makeLocation(ctx, u.id);
    assert.equal(await status(`${s.url}/api/v1/me`, "mcs_at_not_yet"), 401);
    const t = await makeApiToken(ctx, { userId: u.id, locationIds: [loc.id] });
    assert.equal(await status(`${s.url}/api/v1/me`, t.accessToken), 200);
  });
});

forEachDialect("two processes: revocation and the shared per-client budget", (dialect) => {
  let db: TestStore;
  let one: ChildServer;
  let two: ChildServer;
  const cacheMs = 1500;
  before(async () => {
    db = await makeTestStore(dialect);
    const env = {
      ...db.env,
      SECRET_KEY: "k".repeat(40),
      AUTH_CACHE_MS: String(cacheMs),
      RATE_LIMIT_PER_MINUTE: "600",
    };
    [one, two] = await Promise.all([spawnServer(env), spawnServer(env)]);
  });
  after(async () => {
    for (const c of [one, two]) {
      c?.proc.kill("SIGTERM");
      await c?.exited;
    }
    await db.cleanup();
  });

  it("a token revoked on one node stops working on the other within the cache lifetime", async () => {
    const ctx = ctxFor(db.store);
    const u = await makeUser(ctx);
    const loc = await makeLocation(ctx, u.id);
    const t = await makeApiToken(ctx, { userId: u.id, locationIds: [loc.id] });
    assert.equal(await status(`${two.url}/api/v1/me`, t.accessToken), 200); // now cached on two
    const r = await fetch(`${one.url}/oauth/revoke`, {
      method: "POST",
      headers: { authorization: `Bearer ${t.accessToken}`, "content-type": "application/json" },
      body: JSON.stringify({ token: t.accessToken }),
    });
    assert.equal(r.status, 200);
    assert.equal(await status(`${one.url}/api/v1/me`, t.accessToken), 401);
    const waited = await until(`${two.url}/api/v1/me`, t.accessToken, 401, cacheMs + 1000);
    // PostgreSQL tells every node (NOTIFY): well before the cache lifetime runs out.
    if (dialect === "postgres") assert.ok(waited < cacheMs / 2, `took ${waited} ms`);
  });

  it("600 a minute across both processes: never more, and (almost) none lost to the local shares", async () => {
    const ctx = ctxFor(db.store);
    const u = await makeUser(ctx);
    const loc = await makeLocation(ctx, u.id);
    const t = await makeApiToken(ctx, { userId: u.id, locationIds: [loc.id] });
    const started = Date.now();
    let ok = 0;
    let limited = 0;
    let retryAfter = 0;
    // 10 concurrent callers alternating between the nodes, 700 requests in all.
    let n = 0;
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        while (n < 700) {
          const i = n++;
          const r = await get(`${(i % 2 ? one : two).url}/api/v1/me`, t.accessToken);
          await r.arrayBuffer();
          if (r.status === 200) ok++;
          else if (r.status === 429) {
            limited++;
            retryAfter = Math.max(retryAfter, Number(r.headers.get("retry-after")));
            assert.equal(r.headers.get("x-ratelimit-remaining"), "0");
          } else assert.fail(`status ${r.status}`);
        }
      }),
    );
    // GCRA refills one request per 100 ms while the test runs.
    const refill = Math.ceil((Date.now() - started) / 100) + 1;
    assert.ok(ok <= 600 + refill, `${ok} admitted, more than 600 + ${refill}`);
    // Each process may hold up to one second of budget (10 requests) it has not used yet.
    assert.ok(ok >= 600 - 2 * 10, `${ok} admitted: the local shares swallowed too much`);
    assert.equal(ok + limited, 700);
    assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
  });
});
