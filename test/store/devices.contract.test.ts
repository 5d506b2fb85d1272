import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { devices as repo } from "../../src/store/repos/index.js";
import { ctxFor, makeLocation, makeUser } from "../helpers/factories.js";
import { forEachDialect, makeTestStore, type TestStore } from "../helpers/store.js";

forEachDialect("devices storage contract", (dialect) => {
  let t: TestStore;
  let locationId: string;
  before(async () => {
    t = await makeTestStore(dialect);
    const ctx = ctxFor(t.store);
    locationId = (await makeLocation(ctx, (await makeUser(ctx)).id)).id;
  });
  after(async () => t.cleanup());

  const device = (id: string, hash: string) => ({
    id,
    location_id: locationId,
    name: "Phone",
    token_hash: hash,
    push_token: null,
    sim_cards: "[]",
    signing_key: "k".repeat(40),
    limit_per_minute: null,
    limit_per_hour: null,
    limit_per_day: null,
    send_interval_min: null,
    send_interval_max: null,
    created_at: 1000,
    updated_at: 1000,
    last_seen_at: null,
  });

  it("devices: insert, look up by id and token hash, list, touch with a gap, update, remove", async () => {
    const db = t.store.db;
    await repo.devices.insert(db, device("dev_a", "h_a"));
    await repo.devices.insert(db, device("dev_b", "h_b"));
    assert.equal((await repo.devices.byTokenHash(db, "h_b"))?.id, "dev_b");
    assert.equal(await repo.devices.byTokenHash(db, "nope"), undefined);
    assert.deepEqual(
      (await repo.devices.listByLocations(db, [locationId])).map((d) => d.id),
      ["dev_a", "dev_b"],
    );
    assert.deepEqual(await repo.devices.listByLocations(db, []), []);
    await repo.devices.touch(db, ["dev_a"], 5000, 1000);
    assert.equal(Number((await repo.devices.byId(db, "dev_a"))?.last_seen_at), 5000);
    await repo.devices.touch(db, ["dev_a"], 5500, 1000);
    assert.equal(
      Number((await repo.devices.byId(db, "dev_a"))?.last_seen_at),
      5000,
      "within the gap: no write",
    );
    await repo.devices.update(db, "dev_a", { limit_per_minute: 3 });
    assert.equal((await repo.devices.byId(db, "dev_a"))?.limit_per_minute, 3);
    assert.equal(await repo.devices.remove(db, "dev_b"), true);
    assert.equal(await repo.devices.remove(db, "dev_b"), false);
    await assert.rejects(repo.devices.insert(db, device("dev_c", "h_a")), "token hashes are unique");
  });

  it("pairings: consumed once, by token or code, never after expiry", async () => {
    const db = t.store.db;
    const row = (id: string, exp: number) => ({
      id,
      location_id: locationId,
      token_hash: `t_${id}`,
      code_hash: `c_${id}`,
      created_by: null,
      created_at: 0,
      expires_at: exp,
      used_at: null,
      device_id: null,
    });
    await repo.pairings.insert(db, row("p1", 10_000));
    await repo.pairings.insert(db, row("p2", 10_000));
    await repo.pairings.insert(db, row("p3", 100));
    assert.equal((await repo.pairings.consume(db, { tokenHash: "t_p1" }, 500))?.id, "p1");
    assert.equal(await repo.pairings.consume(db, { tokenHash: "t_p1" }, 500), undefined);
    assert.equal(await repo.pairings.consume(db, { codeHash: "c_p1" }, 500), undefined);
    assert.equal((await repo.pairings.consume(db, { codeHash: "c_p2" }, 500))?.id, "p2");
    assert.equal(await repo.pairings.consume(db, { tokenHash: "t_p3" }, 500), undefined);
    assert.equal(await repo.pairings.removeExpired(db, 500), 1);
  });

  it("threads: one SIM per contact per location, last write wins", async () => {
    const db = t.store.db;
    await repo.threads.set(db, locationId, "+15550001", "dev_a", 1, 10);
    await repo.threads.set(db, locationId, "+15550001", "dev_a", 2, 20);
    await repo.threads.set(db, locationId, "+15550002", "dev_x", 1, 20);
    const rows = await repo.threads.forPhones(db, locationId, ["+15550001", "+15550002", "+1555999"]);
    assert.deepEqual(
      rows
        .sort((a, b) => a.phone.localeCompare(b.phone))
        .map((r) => [r.phone, r.device_id, Number(r.sim_number)]),
      [
        ["+15550001", "dev_a", 2],
        ["+15550002", "dev_x", 1],
      ],
    );
  });

  it("sends: counted once per message, per SIM and window; old ones pruned", async () => {
    const db = t.store.db;
    const now = 10 * 86_400_000;
    await repo.sends.record(db, "m1", "dev_a", 1, now - 30_000);
    await repo.sends.record(db, "m1", "dev_a", 1, now - 10_000);
    await repo.sends.record(db, "m2", "dev_a", 1, now - 600_000);
    await repo.sends.record(db, "m3", "dev_a", 2, now - 7_200_000);
    await repo.sends.record(db, "m4", "dev_a", 1, now - 2 * 86_400_000);
    const c = await repo.sends.counts(db, "dev_a", now);
    assert.deepEqual(c.get(1), { minute: 1, hour: 2, day: 2 });
    assert.deepEqual(c.get(2), { minute: 0, hour: 0, day: 1 });
    await repo.sends.removeOlderThan(db, now - 86_400_000);
    assert.equal((await repo.sends.counts(db, "dev_a", now + 86_400_000 * 0)).get(1)?.day, 2);
  });

  it("events: first sighting true, replay false, per device", async () => {
    const db = t.store.db;
    assert.equal(await repo.events.firstSeen(db, "dev_a", "e1", "sms:received", 1), true);
    assert.equal(await repo.events.firstSeen(db, "dev_a", "e1", "sms:received", 2), false);
    assert.equal(await repo.events.firstSeen(db, "dev_b", "e1", "sms:received", 2), true);
    await repo.events.removeOlderThan(db, 2);
    assert.equal(await repo.events.firstSeen(db, "dev_a", "e1", "sms:received", 3), true);
  });
});
