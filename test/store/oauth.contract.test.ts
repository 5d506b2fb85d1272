import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { createClient, createGrant } from "../../src/oauth/index.js";
import { oauth } from "../../src/store/repos/index.js";
import { ctxFor, makeLocation, makeUser } from "../helpers/factories.js";
import { forEachDialect, makeTestStore, type TestStore } from "../helpers/store.js";

forEachDialect(
  "storage contract: OAuth codes, refresh consumption, rate buckets, sign-in attempts",
  (dialect) => {
    let t: TestStore;
    let clientId: string;
    let userId: string;
    let grantId: string;
    before(async () => {
      t = await makeTestStore(dialect);
      const ctx = ctxFor(t.store);
      const u = await makeUser(ctx);
      userId = u.id;
      const loc = await makeLocation(ctx, u.id);
      clientId = (await createClient({ ctx, input: { name: "C", redirectUris: ["https://c.example/cb"] } }))
        .client_id;
      grantId = (
        await createGrant({
          ctx,
          input: { clientId, userId, scopes: ["messages:send"], locationIds: [loc.id] },
        })
      ).grantId;
    });
    after(async () => {
      await t.cleanup();
    });

    it("codes: insert, read back, consume exactly once (also under concurrency), remove old", async () => {
      const db = t.store.db;
      await oauth.codes.insert(db, {
        code_hash: "h1",
        client_id: clientId,
        user_id: userId,
        redirect_uri: "https://c.example/cb",
        scopes: "messages:send",
        location_ids: "[]",
        code_challenge: null,
        created_at: 1000,
        expires_at: 61_000,
        consumed_at: null,
        grant_id: null,
      });
      assert.equal((await oauth.codes.byHash(db, "h1"))?.expires_at, 61_000);
      const wins = await Promise.all([1, 2, 3].map((i) => oauth.codes.consume(db, "h1", 2000, `g${i}`)));
      assert.equal(wins.filter(Boolean).length, 1);
      assert.equal((await oauth.codes.byHash(db, "h1"))?.consumed_at, 2000);
      assert.equal(await oauth.codes.removeOlderThan(db, 5000), 1);
      assert.equal(await oauth.codes.byHash(db, "h1"), undefined);
    });

    it("refresh tokens are consumed by one conditional update; sealed successors can be forgotten", async () => {
      const db = t.store.db;
      await oauth.tokens.insert(db, {
        token_hash: "r1",
        grant_id: grantId,
        kind: "refresh",
        created_at: 1,
        expires_at: 10_000_000_000_000,
        consumed_at: null,
        successor_hash: null,
        successor_sealed: null,
      });
      const wins = await Promise.all(
        [1, 2, 3].map((i) => oauth.tokens.consumeRefresh(db, "r1", 100, { hash: `s${i}`, sealed: `x${i}` })),
      );
      assert.equal(wins.filter(Boolean).length, 1);
      const row = await oauth.tokens.byHash(db, "r1");
      assert.equal(row?.consumed_at, 100);
      assert.match(row?.successor_sealed ?? "", /^x\d$/);
      await oauth.tokens.forgetSealed(db, 200);
      assert.equal((await oauth.tokens.byHash(db, "r1"))?.successor_sealed, null);
    });

    it("grants: list for user with client name, revoke for client", async () => {
      const db = t.store.db;
      const list = await oauth.grants.listForUser(db, userId);
      assert.equal(list[0]?.client_name, "C");
      assert.equal(await oauth.grants.revokeForClient(db, clientId, 5, "client_disabled"), 1);
      assert.equal((await oauth.grants.byId(db, grantId))?.revoked_reason, "client_disabled");
      assert.equal(await oauth.grants.revokeForClient(db, clientId, 6, "again"), 0);
      assert.equal(await oauth.clients.update(db, clientId, { name: "C2" }), true);
      assert.equal((await oauth.clients.byId(db, clientId))?.name, "C2");
    });

    it("rate buckets: GCRA admits the window's budget, refuses the next, refills with time", async () => {
      const db = t.store.db;
      const now = 1_000_000;
      const hits = [];
      for (let i = 0; i < 6; i++) hits.push(await oauth.rateBuckets.hit(db, "k", now, 12_000, 60_000));
      assert.deepEqual(
        hits.map((h) => h.ok),
        [true, true, true, true, true, false],
      );
      assert.equal(hits[4]?.tat, now + 60_000);
      assert.equal(hits[5]?.tat, now + 60_000);
      assert.equal((await oauth.rateBuckets.hit(db, "k", now + 12_000, 12_000, 60_000)).ok, true);
      const parallel = await Promise.all(
        Array.from({ length: 8 }, () => oauth.rateBuckets.hit(db, "p", now, 12_000, 60_000)),
      );
      assert.equal(parallel.filter((h) => h.ok).length, 5);
      assert.equal(await oauth.rateBuckets.removeIdle(db, now + 10_000_000), 2);
    });

    it("sign-in attempts: atomic failure counts, block times, clear", async () => {
      const db = t.store.db;
      const counts = await Promise.all(
        [1, 2, 3].map(() => oauth.signinAttempts.fail(db, "acct:a", 10, (f) => f * 1000)),
      );
      assert.deepEqual([...counts].sort(), [1, 2, 3]);
      const [row] = await oauth.signinAttempts.get(db, ["acct:a", "ip:none"]);
      assert.equal(row?.failures, 3);
      assert.ok((row?.blocked_until ?? 0) >= 1010);
      await oauth.signinAttempts.clear(db, "acct:a");
      assert.deepEqual(await oauth.signinAttempts.get(db, ["acct:a"]), []);
    });
  },
);
