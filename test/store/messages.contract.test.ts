import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { messages as repo } from "../../src/store/repos/index.js";
import { ctxFor, makeLocation, makeUser } from "../helpers/factories.js";
import { forEachDialect, makeTestStore, type TestStore } from "../helpers/store.js";

forEachDialect("messages storage contract", (dialect) => {
  let t: TestStore;
  let loc: string;
  let other: string;
  before(async () => {
    t = await makeTestStore(dialect);
    const ctx = ctxFor(t.store);
    const u = await makeUser(ctx);
    loc = (await makeLocation(ctx, u.id)).id;
    other = (await makeLocation(ctx, u.id)).id;
  });
  after(async () => t.cleanup());

  let n = 0;
  const msg = (over: Record<string, unknown> = {}) => {
    n++;
    return {
      id: `msg_${String(n).padStart(26, "0")}`,
      location_id: loc,
      client_id: null,
      direction: "outbound",
      phone: "+14155552671",
      body: `m${n}`,
      attachments: "[]",
      segments: 1,
      encoding: "GSM-7",
      status: "queued",
      error: null,
      dispatch_attempts: 0,
      created_at: 1_000 + n,
      updated_at: 1_000 + n,
      ...over,
    };
  };

  it("insert and byId round-trip every column with numbers as numbers", async () => {
    const m = msg({ sim_number: 2, lease_until: 5_000_000_000_000, expires_at: 6_000_000_000_000 });
    await repo.messages.insert(t.store.db, m);
    const got = await repo.messages.byId(t.store.db, m.id);
    assert.equal(got?.lease_until, 5_000_000_000_000);
    assert.equal(got?.expires_at, 6_000_000_000_000);
    assert.equal(got?.sim_number, 2);
    assert.equal(got?.created_at, m.created_at);
    assert.equal(got?.segments, 1);
    assert.equal(await repo.messages.byId(t.store.db, "msg_missing"), undefined);
  });

  it("insertUnlessDuplicate: one row per (location, dedupe key); null keys never collide", async () => {
    const a = msg({ direction: "inbound", status: "received", dedupe_key: "k1" });
    assert.equal(await repo.messages.insertUnlessDuplicate(t.store.db, a), true);
    assert.equal(await repo.messages.insertUnlessDuplicate(t.store.db, msg({ dedupe_key: "k1" })), false);
    assert.equal(
      await repo.messages.insertUnlessDuplicate(t.store.db, msg({ dedupe_key: "k1", location_id: other })),
      true,
    );
    assert.equal(await repo.messages.insertUnlessDuplicate(t.store.db, msg()), true);
    assert.equal(await repo.messages.insertUnlessDuplicate(t.store.db, msg()), true);
    assert.equal((await repo.messages.byDedupeKey(t.store.db, loc, "k1"))?.id, a.id);
  });

  it("setStatus applies only from the expected status", async () => {
    const m = msg();
    await repo.messages.insert(t.store.db, m);
    assert.equal(
      await repo.messages.setStatus(t.store.db, m.id, "queued", { status: "sent", sent_at: 9 }),
      true,
    );
    assert.equal(await repo.messages.setStatus(t.store.db, m.id, "queued", { status: "failed" }), false);
    const got = await repo.messages.byId(t.store.db, m.id);
    assert.deepEqual([got?.status, got?.sent_at], ["sent", 9]);
  });

  it("list: newest first, filters, cursor, only the given locations; countByStatus", async () => {
    const rows = await repo.messages.list(t.store.db, { locationIds: [loc], limit: 100 });
    const ids = rows.map((r) => r.id);
    assert.deepEqual(ids, [...ids].sort().reverse());
    assert.ok(rows.every((r) => r.location_id === loc));
    const inbound = await repo.messages.list(t.store.db, {
      locationIds: [loc],
      direction: "inbound",
      limit: 10,
    });
    assert.ok(inbound.length >= 1 && inbound.every((r) => r.direction === "inbound"));
    const page = await repo.messages.list(t.store.db, { locationIds: [loc], before: ids[1], limit: 2 });
    assert.deepEqual(
      page.map((r) => r.id),
      ids.slice(2, 4),
    );
    const since = await repo.messages.list(t.store.db, {
      locationIds: [loc],
      since: 1_000 + n - 1,
      limit: 10,
    });
    assert.ok(since.every((r) => r.created_at >= 1_000 + n - 1));
    assert.deepEqual(await repo.messages.list(t.store.db, { locationIds: [], limit: 10 }), []);
    const counts = await repo.messages.countByStatus(t.store.db, loc, 0);
    assert.equal(counts.get("sent"), 1);
    assert.ok((counts.get("queued") ?? 0) >= 3);
  });

  it("history: first entry, appended entries in sequence", async () => {
    const m = msg();
    await repo.messages.insert(t.store.db, m);
    await repo.events.first(t.store.db, {
      message_id: m.id,
      status: "queued",
      error: null,
      source: "api",
      device_id: null,
      at: 1,
    });
    await repo.events.append(t.store.db, {
      message_id: m.id,
      status: "sent",
      error: null,
      source: "phone",
      device_id: "dev_x",
      at: 2,
    });
    await repo.events.append(t.store.db, {
      message_id: m.id,
      status: "failed",
      error: "x",
      source: "phone",
      device_id: null,
      at: 3,
    });
    const h = await repo.events.forMessage(t.store.db, m.id);
    assert.deepEqual(
      h.map((e) => [e.seq, e.status, e.at]),
      [
        [1, "queued", 1],
        [2, "sent", 2],
        [3, "failed", 3],
      ],
    );
  });

  it("idempotency: claim once, complete, read back; expired keys can be reclaimed", async () => {
    const rec = {
      client_id: "cli_a",
      key: "k",
      request_hash: "h",
      status_code: null,
      response: null,
      message_id: null,
      created_at: 10,
      expires_at: 100,
    };
    assert.equal(await repo.idempotency.claim(t.store.db, rec), true);
    assert.equal(await repo.idempotency.claim(t.store.db, rec), false);
    assert.equal(
      await repo.idempotency.claim(t.store.db, { ...rec, client_id: "cli_b" }),
      true,
      "scoped per client",
    );
    await repo.idempotency.complete(t.store.db, "cli_a", "k", {
      statusCode: 200,
      response: '{"id":"m"}',
      messageId: "m",
    });
    const got = await repo.idempotency.get(t.store.db, "cli_a", "k", 50);
    assert.deepEqual([got?.status_code, got?.response, got?.expires_at], [200, '{"id":"m"}', 100]);
    assert.equal(
      await repo.idempotency.get(t.store.db, "cli_a", "k", 100),
      undefined,
      "expired reads as absent",
    );
    await repo.idempotency.removeExpired(t.store.db, "cli_a", "k", 50);
    assert.ok(await repo.idempotency.get(t.store.db, "cli_a", "k", 50), "a live key is kept");
    await repo.idempotency.removeExpired(t.store.db, "cli_a", "k", 100);
    assert.equal(await repo.idempotency.claim(t.store.db, rec), true, "reclaimed after expiry");
  });
});
