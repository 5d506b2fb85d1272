import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { sql } from "kysely";
import { sendMessage } from "../../src/messages/send-message.js";
import { migrate } from "../../src/store/index.js";
import { ctxFor, makeLocation, makeUser } from "../helpers/factories.js";
import { makeApiToken } from "../helpers/oauth.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { forEachDialect, makeTestStore, type TestStore } from "../helpers/store.js";

// L3: Idempotency-Key is scoped per OAuth client AND connection (grant): one tenant of a shared
// client (one Make app, many customers) can neither block another's key nor learn that it was used.

type Json = Record<string, unknown>;

forEachDialect("L3 idempotency keys are per client and connection", (dialect) => {
  let s: TestServer;
  let alice: { token: string; loc: string };
  let bob: { token: string; loc: string };
  before(async () => {
    s = await startTestServer(dialect);
    const ctx = ctxFor(s.db.store);
    const u1 = await makeUser(ctx);
    const u2 = await makeUser(ctx);
    const l1 = (await makeLocation(ctx, u1.id)).id;
    const l2 = (await makeLocation(ctx, u2.id)).id;
    const a = await makeApiToken(ctx, { userId: u1.id, locationIds: [l1], clientName: "Make" });
    const b = await makeApiToken(ctx, { userId: u2.id, locationIds: [l2], clientId: a.clientId });
    alice = { token: a.accessToken, loc: l1 };
    bob = { token: b.accessToken, loc: l2 };
  });
  after(async () => s.close());

  const send = async (who: { token: string; loc: string }, key: string, phone: string, message = "Ready") => {
    const r = await fetch(`${s.url}/api/v1/messages`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${who.token}`,
        "idempotency-key": key,
        "content-type": "application/json",
      },
      body: JSON.stringify({ phone, locationId: who.loc, message }),
    });
    return {
      status: r.status,
      replayed: r.headers.get("idempotent-replayed"),
      body: (await r.json()) as Json,
    };
  };

  it("L3 tenant 2 reusing tenant 1's key with another body gets a new message (200), not 422; each retry replays its own", async () => {
    const first = await send(alice, "order-1", "+14155552671");
    assert.equal(first.status, 200);
    const second = await send(bob, "order-1", "+14155552672");
    assert.equal(second.status, 200, JSON.stringify(second.body));
    assert.equal(second.replayed, null);
    assert.notEqual(second.body.id, first.body.id);
    assert.equal(second.body.locationId, bob.loc);

    const againA = await send(alice, "order-1", "+14155552671");
    assert.deepEqual([againA.status, againA.replayed, againA.body.id], [200, "true", first.body.id]);
    const againB = await send(bob, "order-1", "+14155552672");
    assert.deepEqual([againB.status, againB.replayed, againB.body.id], [200, "true", second.body.id]);
    // Within one connection the key still guards against another body.
    const reused = await send(alice, "order-1", "+14155552671", "Something else");
    assert.equal(reused.status, 422);
    assert.equal(reused.body.error, "idempotency_key_reused");

    const n = await s.db.store.db
      .selectFrom("messages")
      .select((eb) => eb.fn.countAll().as("n"))
      .where("location_id", "in", [alice.loc, bob.loc])
      .executeTakeFirstOrThrow();
    assert.equal(Number(n.n), 2, "one SMS per tenant");
  });
});

forEachDialect("L3 migration 0015 keeps keys recorded before it working", (dialect) => {
  let db: TestStore;
  before(async () => {
    db = await makeTestStore(dialect);
  });
  after(async () => db.cleanup());

  it("L3 a retry across the upgrade replays the first answer; another tenant of the client gets its own message", async () => {
    const ctx = ctxFor(db.store);
    const u1 = await makeUser(ctx);
    const u2 = await makeUser(ctx);
    const l1 = (await makeLocation(ctx, u1.id)).id;
    const l2 = (await makeLocation(ctx, u2.id)).id;
    const a = await makeApiToken(ctx, { userId: u1.id, locationIds: [l1] });
    const b = await makeApiToken(ctx, { userId: u2.id, locationIds: [l2], clientId: a.clientId });
    const body = { locationId: l1, phone: "+14155552671", message: "Ready" };
    const first = await sendMessage({
      ctx,
      input: { ...body, clientId: a.clientId, grantId: a.grantId, idempotencyKey: "legacy-1" },
    });

    // Put the table back as it was before 0015: keyed (client_id, key), no grant.
    const rows = await db.store.db.selectFrom("idempotency_keys").selectAll().execute();
    await sql`drop table idempotency_keys`.execute(db.store.db);
    await sql`create table idempotency_keys (client_id text not null, key text not null,
      request_hash text not null, status_code integer, response text, message_id text,
      created_at bigint not null, expires_at bigint not null,
      constraint idempotency_keys_pk primary key (client_id, key))`.execute(db.store.db);
    for (const r of rows) {
      await sql`insert into idempotency_keys values (${r.client_id}, ${r.key}, ${r.request_hash},
        ${r.status_code}, ${r.response}, ${r.message_id}, ${r.created_at}, ${r.expires_at})`.execute(
        db.store.db,
      );
    }
    await sql`delete from kysely_migration where name = '0015_idempotency_per_connection'`.execute(
      db.store.db,
    );
    // Later migrations have run; 0015 alone is replayed.
    assert.ok(
      (await migrate(db.store, { allowUnordered: true })).includes("0015_idempotency_per_connection"),
    );

    const migrated = await db.store.db.selectFrom("idempotency_keys").select(["grant_id", "key"]).execute();
    assert.deepEqual(migrated, [{ grant_id: a.grantId, key: "legacy-1" }]);
    const retry = await sendMessage({
      ctx,
      input: { ...body, clientId: a.clientId, grantId: a.grantId, idempotencyKey: "legacy-1" },
    });
    assert.deepEqual([retry.replayed, retry.message.id], [true, first.message.id]);
    const other = await sendMessage({
      ctx,
      input: {
        locationId: l2,
        phone: "+14155552672",
        message: "Ready",
        clientId: b.clientId,
        grantId: b.grantId,
        idempotencyKey: "legacy-1",
      },
    });
    assert.equal(other.replayed, false);
    assert.notEqual(other.message.id, first.message.id);
  });
});
