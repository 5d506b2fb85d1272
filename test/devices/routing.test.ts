import assert from "node:assert/strict";
import { after, before, beforeEach, it } from "node:test";
import { sql } from "kysely";
import type { Ctx } from "../../src/context.js";
import { ManualClock } from "../../src/core/clock.js";
import { leaseMessages } from "../../src/devices/index.js";
import { devices as repo } from "../../src/store/repos/index.js";
import type { DeviceRow } from "../../src/store/repos/devices.js";
import { ctxFor, makeLocation, makeUser } from "../helpers/factories.js";
import { forEachDialect, makeTestStore, type TestStore } from "../helpers/store.js";

/**
 * Routing at fetch time: leases, failover, SIM pacing, thread stickiness. Messages are inserted
 * directly into the messages table, and only fetching is exercised: no status changes.
 */
forEachDialect("routing queued messages to phones", (dialect) => {
  let t: TestStore;
  let ctx: Ctx;
  const clock = new ManualClock(1_800_000_000_000);
  let locationId: string;
  let seq = 0;
  const OPTS = { leaseMs: 60_000, onlineMs: 90_000, ttlMs: 86_400_000, lifo: false };

  before(async () => {
    t = await makeTestStore(dialect);
    ctx = ctxFor(t.store, clock);
  });
  after(async () => t.cleanup());
  beforeEach(async () => {
    locationId = (await makeLocation(ctx, (await makeUser(ctx)).id)).id;
  });

  async function phone(sims: number[] = [1], pacing: Partial<DeviceRow> = {}): Promise<DeviceRow> {
    const id = `dev_${String(++seq).padStart(26, "0")}`;
    await repo.devices.insert(t.store.db, {
      id,
      location_id: locationId,
      name: id,
      token_hash: `h${id}`,
      push_token: null,
      sim_cards: JSON.stringify(sims.map((n, i) => ({ slotIndex: i, simNumber: n }))),
      signing_key: "k",
      limit_per_minute: null,
      limit_per_hour: null,
      limit_per_day: null,
      send_interval_min: null,
      send_interval_max: null,
      created_at: clock.now(),
      updated_at: clock.now(),
      last_seen_at: clock.now(),
      ...pacing,
    });
    return (await repo.devices.byId(t.store.db, id)) as DeviceRow;
  }

  async function queue(n: number, phoneNumber = (i: number) => `+1555000${String(i).padStart(4, "0")}`) {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const id = `msg_${String(++seq).padStart(26, "0")}`;
      ids.push(id);
      await sql`insert into messages (id, location_id, direction, phone, body, attachments, status, created_at, updated_at)
        values (${id}, ${locationId}, 'outbound', ${phoneNumber(i)}, ${`hello ${i}`}, '[]', 'queued', ${clock.now()}, ${clock.now()})`.execute(
        t.store.db,
      );
    }
    return ids;
  }

  const fetchAs = (device: DeviceRow) => leaseMessages({ ctx, input: { device, ...OPTS } });

  it("a fetch holds without changing status; a live holder keeps its messages however long it takes", async () => {
    const a = await phone();
    const b = await phone();
    const ids = await queue(3);
    const got = await fetchAs(a);
    assert.deepEqual(
      got.map((m) => m.id),
      ids,
    );
    const hold = Math.max(OPTS.leaseMs, OPTS.onlineMs);
    const rows = await t.store.db.selectFrom("messages").selectAll().where("id", "in", ids).execute();
    for (const r of rows) {
      assert.equal(r.status, "queued");
      assert.equal(r.device_id, a.id);
      assert.equal(Number(r.lease_until), clock.now() + hold);
    }
    assert.deepEqual(await fetchAs(b), [], "held by A");
    assert.deepEqual(
      (await fetchAs(a)).map((m) => m.id),
      ids,
      "A sees its own again (the app de-dups by id)",
    );
    // Past the lease, but A is alive (seen within onlineMs): nothing is released, B gets nothing.
    clock.advance(hold + 1);
    await repo.devices.touch(t.store.db, [a.id], clock.now(), 0);
    assert.deepEqual(await repo.queue.releaseLapsed(t.store.db, clock.now(), OPTS.onlineMs), []);
    assert.deepEqual(await fetchAs(b), [], "still A's: it is alive and may be sending");
    // A re-fetch does not extend the phone's validUntil: the app keeps the first copy it stored.
    const again = await fetchAs(a);
    assert.ok(again.every((m) => Number(m.lease_until) < clock.now()));
    // A goes silent past onlineMs: the messages come back and B takes them.
    clock.advance(OPTS.onlineMs + 1);
    await repo.devices.touch(t.store.db, [b.id], clock.now(), 0);
    assert.deepEqual(await repo.queue.releaseLapsed(t.store.db, clock.now(), OPTS.onlineMs), [locationId]);
    assert.deepEqual(
      (await fetchAs(b)).map((m) => m.id),
      ids,
      "A offline: B takes over",
    );
    assert.deepEqual(await fetchAs(a), []);
  });

  it("held messages of a phone that is gone are released in bulk, naming the locations to wake", async () => {
    const a = await phone();
    await queue(2);
    await fetchAs(a);
    clock.advance(Math.max(OPTS.leaseMs, OPTS.onlineMs) + 1);
    const released = await repo.queue.releaseLapsed(t.store.db, clock.now(), OPTS.onlineMs);
    assert.ok(released.includes(locationId));
    const rows = await t.store.db
      .selectFrom("messages")
      .selectAll()
      .where("location_id", "=", locationId)
      .execute();
    for (const r of rows) {
      assert.equal(r.lease_until, null);
      assert.equal(r.device_id, null);
    }
  });

  it("a paced phone is given only what it can send before its validUntil", async () => {
    const a = await phone([1], { send_interval_min: 20, send_interval_max: 30 });
    await queue(10);
    // Hold window 90 s at up to 30 s per SMS: three now, the rest on later fetches or to other phones.
    assert.equal((await fetchAs(a)).length, 3);
    assert.equal((await fetchAs(a)).length, 3, "the same three again, nothing more");
  });

  it("SIM pacing: a phone never holds more than its per-minute limit", async () => {
    const a = await phone([1], { limit_per_minute: 3 });
    const b = await phone();
    await queue(5);
    assert.equal((await fetchAs(a)).length, 3);
    assert.equal((await fetchAs(a)).length, 3, "the same three again, nothing more");
    assert.equal((await fetchAs(b)).length, 2, "the rest go to the unpaced phone");
  });

  it("pacing splits across SIMs and counts what the phone already took", async () => {
    const a = await phone([1, 2], { limit_per_minute: 2 });
    await repo.sends.record(t.store.db, "msg_earlier", a.id, 1, clock.now() - 1000);
    await queue(5);
    const got = await fetchAs(a);
    assert.equal(got.length, 3, "SIM 1 has one left, SIM 2 two");
    assert.deepEqual(got.map((m) => m.sim_number).sort(), [1, 2, 2]);
  });

  it("a contact's thread stays on the phone and SIM it last used while that phone is online", async () => {
    const a = await phone([1, 2]);
    const b = await phone([1]);
    await repo.threads.set(t.store.db, locationId, "+15557770000", a.id, 2, clock.now());
    await queue(1, () => "+15557770000");
    await queue(1, () => "+15558880000");
    const forB = await fetchAs(b);
    assert.deepEqual(
      forB.map((m) => m.phone),
      ["+15558880000"],
      "B leaves A's contact alone",
    );
    const forA = await fetchAs(a);
    assert.deepEqual(
      forA.map((m) => [m.phone, m.sim_number]),
      [["+15557770000", 2]],
    );
    // A goes silent: after the online window, B may take A's contacts.
    await queue(1, () => "+15557770000");
    clock.advance(OPTS.onlineMs + 1);
    await repo.devices.touch(t.store.db, [b.id], clock.now(), 0);
    const later = await fetchAs({ ...b, last_seen_at: clock.now() });
    assert.ok(later.some((m) => m.phone === "+15557770000"));
  });

  it("at most 100 per fetch; expired ones are not handed out", async () => {
    const a = await phone();
    await queue(120);
    assert.equal((await fetchAs(a)).length, 100);
    const b = await phone();
    clock.advance(OPTS.ttlMs + 1);
    await repo.devices.touch(t.store.db, [b.id], clock.now(), 0);
    assert.equal((await fetchAs(b)).length, 0, "past the default TTL");
    assert.equal((await repo.queue.overdue(t.store.db, clock.now(), OPTS.ttlMs, 500)).length >= 120, true);
  });
});
