import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { sql } from "kysely";
import { migrate } from "../../src/store/index.js";
import { accounts } from "../../src/store/repos/index.js";
import { forEachDialect, makeTestStore, type TestStore } from "../helpers/store.js";

/** The storage contract: every storage operation, the same assertions on SQLite and PostgreSQL. */
forEachDialect("storage contract", (dialect) => {
  let t: TestStore;
  before(async () => {
    t = await makeTestStore(dialect);
  });
  after(async () => {
    await t.cleanup();
  });

  const user = (id: string, email: string) => ({
    id,
    email,
    name: "N",
    password_hash: "h",
    is_admin: 0,
    created_at: 1,
    updated_at: 1,
  });

  it("migrations are idempotent", async () => {
    assert.deepEqual(await migrate(t.store), []);
  });

  it("users: insert, find by id and email, unique email, count, admin flag, password", async () => {
    const db = t.store.db;
    const before = await accounts.users.count(db);
    await accounts.users.insert(db, user("usr_a1", "a1@example.com"));
    assert.equal((await accounts.users.byId(db, "usr_a1"))?.email, "a1@example.com");
    assert.equal((await accounts.users.byEmail(db, "a1@example.com"))?.id, "usr_a1");
    assert.equal(await accounts.users.byEmail(db, "nobody@example.com"), undefined);
    await assert.rejects(accounts.users.insert(db, user("usr_a2", "a1@example.com")));
    assert.equal(await accounts.users.count(db), before + 1);
    await accounts.users.setAdmin(db, "usr_a1", true, 5);
    await accounts.users.setPasswordHash(db, "usr_a1", "h2", 6);
    const u = await accounts.users.byId(db, "usr_a1");
    assert.equal(u?.is_admin, 1);
    assert.equal(u?.password_hash, "h2");
    assert.equal(u?.updated_at, 6);
    assert.equal(typeof u?.created_at, "number");
    assert.ok((await accounts.users.list(db)).some((x) => x.id === "usr_a1"));
  });

  it("locations and memberships: list for a user with role, members, rename, remove", async () => {
    const db = t.store.db;
    await accounts.users.insert(db, user("usr_b1", "b1@example.com"));
    await accounts.users.insert(db, user("usr_b2", "b2@example.com"));
    await accounts.locations.insert(db, {
      id: "loc_b1",
      name: "B1",
      time_zone: "UTC",
      created_at: 10,
      updated_at: 10,
    });
    await accounts.locations.insert(db, {
      id: "loc_b2",
      name: "B2",
      time_zone: "UTC",
      created_at: 11,
      updated_at: 11,
    });
    await accounts.memberships.insert(db, {
      user_id: "usr_b1",
      location_id: "loc_b1",
      role: "owner",
      created_at: 1,
    });
    await accounts.memberships.insert(db, {
      user_id: "usr_b1",
      location_id: "loc_b2",
      role: "member",
      created_at: 2,
    });
    await accounts.memberships.insert(db, {
      user_id: "usr_b2",
      location_id: "loc_b1",
      role: "member",
      created_at: 3,
    });
    await assert.rejects(
      accounts.memberships.insert(db, {
        user_id: "usr_b2",
        location_id: "loc_b1",
        role: "owner",
        created_at: 4,
      }),
    );
    const mine = await accounts.locations.listForUser(db, "usr_b1");
    assert.deepEqual(
      mine.map((l) => [l.id, l.role]),
      [
        ["loc_b1", "owner"],
        ["loc_b2", "member"],
      ],
    );
    assert.deepEqual(
      (await accounts.memberships.listMembers(db, "loc_b1")).map((m) => [m.email, m.role]),
      [
        ["b1@example.com", "owner"],
        ["b2@example.com", "member"],
      ],
    );
    assert.equal(await accounts.locations.rename(db, "loc_b1", "Renamed", 20), true);
    assert.equal(await accounts.locations.rename(db, "loc_nope", "x", 20), false);
    assert.equal((await accounts.locations.byId(db, "loc_b1"))?.name, "Renamed");
    assert.equal(await accounts.memberships.setRole(db, "usr_b2", "loc_b1", "owner"), true);
    assert.equal((await accounts.memberships.get(db, "usr_b2", "loc_b1"))?.role, "owner");
    assert.equal(await accounts.memberships.remove(db, "usr_b2", "loc_b1"), true);
    assert.equal(await accounts.memberships.get(db, "usr_b2", "loc_b1"), undefined);
    assert.ok((await accounts.locations.listAll(db)).length >= 2);
  });

  it("sessions: insert, find, touch, expire, remove for user except one", async () => {
    const db = t.store.db;
    await accounts.users.insert(db, user("usr_s1", "s1@example.com"));
    const base = { user_id: "usr_s1", created_at: 1, last_seen_at: 1 };
    await accounts.sessions.insert(db, { ...base, id_hash: "h1", expires_at: 100 });
    await accounts.sessions.insert(db, { ...base, id_hash: "h2", expires_at: 10_000 });
    await accounts.sessions.insert(db, { ...base, id_hash: "h3", expires_at: 10_000 });
    await accounts.sessions.touch(db, "h2", 50, 20_000);
    assert.equal((await accounts.sessions.byHash(db, "h2"))?.expires_at, 20_000);
    assert.equal(await accounts.sessions.removeExpired(db, 200), 1);
    assert.equal(await accounts.sessions.byHash(db, "h1"), undefined);
    await accounts.sessions.removeForUser(db, "usr_s1", "h3");
    assert.equal(await accounts.sessions.byHash(db, "h2"), undefined);
    assert.ok(await accounts.sessions.byHash(db, "h3"));
    await accounts.sessions.remove(db, "h3");
    assert.equal(await accounts.sessions.byHash(db, "h3"), undefined);
  });

  it("settings: getOrInit keeps the first value", async () => {
    const db = t.store.db;
    assert.equal(await accounts.settings.get(db, "k"), undefined);
    assert.equal(await accounts.settings.getOrInit(db, "k", "first"), "first");
    assert.equal(await accounts.settings.getOrInit(db, "k", "second"), "first");
  });

  it("transaction: rolls back on error, commits on success, nested calls reuse it", async () => {
    await assert.rejects(
      t.store.transaction(async (tx) => {
        await accounts.settings.getOrInit(tx, "tx-rollback", "v");
        throw new Error("boom");
      }),
    );
    assert.equal(await accounts.settings.get(t.store.db, "tx-rollback"), undefined);
    await t.store.transaction(async (tx) => {
      await t.store.transaction(async (inner) => {
        assert.equal(inner, tx);
        await accounts.settings.getOrInit(inner, "tx-nested", "v");
      }, tx);
    });
    assert.equal(await accounts.settings.get(t.store.db, "tx-nested"), "v");
  });

  it("batch (group commit): concurrent units commit together; a failing unit fails alone", async () => {
    const units = Array.from({ length: 200 }, (_, i) =>
      t.store.batch(async (tx) => {
        if (i === 7) throw new Error("unit 7 fails");
        await accounts.settings.getOrInit(tx, `batch-${i}`, String(i));
        return i;
      }),
    );
    const results = await Promise.allSettled(units);
    assert.equal(results.filter((r) => r.status === "rejected").length, 1);
    assert.equal((results[7] as PromiseRejectedResult).reason.message, "unit 7 fails");
    const n = await t.store.db
      .selectFrom("settings")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("key", "like", "batch-%")
      .executeTakeFirstOrThrow();
    assert.equal(Number(n.n), 199);
    assert.equal(await accounts.settings.get(t.store.db, "batch-7"), undefined);
  });

  it("notify reaches listeners", async () => {
    const got = new Promise<string>((resolve) => {
      void t.store.listen("test_channel", resolve);
    });
    await new Promise((r) => setTimeout(r, 50));
    await t.store.notify("test_channel", "hello");
    assert.equal(await got, "hello");
  });

  it("ping works and timestamps come back as numbers", async () => {
    await t.store.ping();
    const r = await sql<{ v: number }>`select cast(1795738036855 as bigint) as v`.execute(t.store.db);
    assert.equal(Number(r.rows[0]?.v), 1795738036855);
  });
});
