/**
 * The cleanup job deletes what has expired and nothing that is still live: OAuth codes and tokens a
 * day past expiry, drained rate buckets, sign-in failure counters idle for a day (unless a block is
 * still running), expired idempotency records, and phone pairings a day past expiry (device-queue).
 */
import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { ManualClock } from "../../src/core/clock.js";
import { createPairing } from "../../src/devices/index.js";
import { messages, oauth } from "../../src/store/repos/index.js";
import { ctxFor, makeLocation, makeUser } from "../helpers/factories.js";
import { makeApiToken } from "../helpers/oauth.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { forEachDialect } from "../helpers/store.js";

const DAY = 86_400_000;

/** Wait until `check` holds: the job runs on its own timer after `wake`. */
async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > 10_000) assert.fail(`not done after 10 s: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

forEachDialect("cleanup job: expired records go, live ones stay", (dialect) => {
  let s: TestServer;
  const clock = new ManualClock();
  before(async () => {
    s = await startTestServer(dialect, {}, { clock });
  });
  after(() => s.close());

  it("removes what expired a day ago or more and keeps the rest, then the API still works", async () => {
    const ctx = ctxFor(s.db.store, clock);
    const db = s.db.store.db;
    const now = clock.now();
    const u = await makeUser(ctx);
    const loc = await makeLocation(ctx, u.id);
    const live = await makeApiToken(ctx, { userId: u.id, locationIds: [loc.id] });
    const token = (hash: string, expires: number) =>
      oauth.tokens.insert(db, {
        token_hash: hash,
        grant_id: live.grantId,
        kind: "refresh",
        created_at: expires - 90 * DAY,
        expires_at: expires,
        consumed_at: null,
        successor_hash: null,
        successor_sealed: null,
      });
    await token("tok-old", now - 2 * DAY);
    await token("tok-recent", now - 3600_000); // expired, but within the day kept for tracing
    const code = (hash: string, created: number) =>
      oauth.codes.insert(db, {
        code_hash: hash,
        client_id: live.clientId,
        user_id: u.id,
        redirect_uri: "https://app.example.com/cb",
        scopes: "locations:read",
        location_ids: JSON.stringify([loc.id]),
        code_challenge: null,
        created_at: created,
        expires_at: created + 60_000,
        consumed_at: created + 1000,
        grant_id: live.grantId,
      });
    await code("code-old", now - 2 * DAY);
    await code("code-recent", now - 60_000);
    await oauth.rateBuckets.hit(db, "c:drained", now - 10 * 60_000, 100, 60_000);
    await oauth.rateBuckets.hit(db, "c:busy", now, 60_000, 60_000);
    await oauth.signinAttempts.fail(db, "acct:old@example.com", now - 2 * DAY, () => 0);
    await oauth.signinAttempts.fail(db, "acct:blocked@example.com", now - 2 * DAY, () => 3 * DAY);
    await oauth.signinAttempts.fail(db, "acct:recent@example.com", now - 60_000, () => 0);
    const key = (k: string, expires: number) =>
      messages.idempotency.claim(db, {
        client_id: live.clientId,
        key: k,
        request_hash: "h",
        status_code: 202,
        response: "{}",
        message_id: null,
        created_at: expires - DAY,
        expires_at: expires,
      });
    await key("idem-old", now - 1000);
    await key("idem-live", now + DAY);
    const pairing = (at: number) =>
      createPairing({
        ctx: ctxFor(s.db.store, new ManualClock(at)),
        input: { locationId: loc.id, ttlMs: 900_000 },
      });
    const oldPairing = await pairing(now - 3 * DAY);
    const livePairing = await pairing(now);

    s.server.deps.wake("cleanup");
    s.server.deps.wake("device-queue");
    const has = {
      token: async (h: string) => (await oauth.tokens.byHash(db, h)) !== undefined,
      code: async (h: string) => (await oauth.codes.byHash(db, h)) !== undefined,
      signin: async (k: string) => (await oauth.signinAttempts.get(db, [k])).length > 0,
      bucket: async (k: string) =>
        (await db.selectFrom("rate_buckets").select("key").where("key", "=", k).executeTakeFirst()) !==
        undefined,
      pairing: async (id: string) =>
        (await db.selectFrom("device_pairings").select("id").where("id", "=", id).executeTakeFirst()) !==
        undefined,
      idem: async (k: string) =>
        (await db.selectFrom("idempotency_keys").select("key").where("key", "=", k).executeTakeFirst()) !==
        undefined,
    };
    await eventually(
      async () =>
        !(await has.token("tok-old")) &&
        !(await has.code("code-old")) &&
        !(await has.bucket("c:drained")) &&
        !(await has.signin("acct:old@example.com")) &&
        !(await has.idem("idem-old")) &&
        !(await has.pairing(oldPairing.pairingId)),
      "expired rows removed",
    );
    assert.ok(await has.token("tok-recent"), "a token expired an hour ago is kept for a day");
    assert.ok(await has.code("code-recent"));
    assert.ok(await has.bucket("c:busy"), "a bucket still in use is kept");
    assert.ok(await has.signin("acct:blocked@example.com"), "a running block is kept");
    assert.ok(await has.signin("acct:recent@example.com"));
    assert.ok(await has.idem("idem-live"));
    assert.ok(await has.pairing(livePairing.pairingId), "an unexpired pairing is kept");

    // The live token, its refresh token and its grant are untouched: the API answers.
    const me = await fetch(`${s.url}/api/v1/me`, {
      headers: { authorization: `Bearer ${live.accessToken}` },
    });
    assert.equal(me.status, 200);
  });
});
