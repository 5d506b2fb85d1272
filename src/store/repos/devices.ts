import { type Insertable, type Selectable, sql } from "kysely";
import type { DevicePairingsTable, DevicesTable } from "../tables/devices.js";
import type { Db } from "../types.js";

export type DeviceRow = Selectable<DevicesTable>;
export type PairingRow = Selectable<DevicePairingsTable>;

export const devices = {
  async insert(db: Db, row: Insertable<DevicesTable>): Promise<void> {
    await db.insertInto("devices").values(row).execute();
  },
  async byId(db: Db, id: string): Promise<DeviceRow | undefined> {
    return db.selectFrom("devices").selectAll().where("id", "=", id).executeTakeFirst();
  },
  async byTokenHash(db: Db, hash: string): Promise<DeviceRow | undefined> {
    return db.selectFrom("devices").selectAll().where("token_hash", "=", hash).executeTakeFirst();
  },
  async listByLocations(db: Db, locationIds: string[]): Promise<DeviceRow[]> {
    if (locationIds.length === 0) return [];
    return db
      .selectFrom("devices")
      .selectAll()
      .where("location_id", "in", locationIds)
      .orderBy("location_id")
      .orderBy("id")
      .execute();
  },
  async listAll(db: Db): Promise<DeviceRow[]> {
    return db.selectFrom("devices").selectAll().orderBy("location_id").orderBy("id").execute();
  },
  async update(
    db: Db,
    id: string,
    patch: Partial<Omit<Insertable<DevicesTable>, "id" | "location_id">>,
  ): Promise<void> {
    await db.updateTable("devices").set(patch).where("id", "=", id).execute();
  },
  /** Record a sighting; skipped when the stored one is fresher than `minGapMs` (saves a write per call). */
  async touch(db: Db, ids: string[], now: number, minGapMs: number): Promise<void> {
    if (ids.length === 0) return;
    await db
      .updateTable("devices")
      .set({ last_seen_at: now })
      .where("id", "in", ids)
      .where((eb) => eb.or([eb("last_seen_at", "is", null), eb("last_seen_at", "<", now - minGapMs)]))
      .execute();
  },
  /** Set `export_since` unless an export is already owed (the earlier start covers more). */
  async oweExport(db: Db, id: string, since: number): Promise<void> {
    await db
      .updateTable("devices")
      .set({ export_since: since })
      .where("id", "=", id)
      .where((eb) => eb.or([eb("export_since", "is", null), eb("export_since", ">", since)]))
      .execute();
  },
  /**
   * Take the owed export (clear it): the time it covers from, or undefined when none is owed. The
   * conditional clear is the lock, so of two nodes racing only one gets it.
   */
  async takeExport(db: Db, id: string): Promise<number | undefined> {
    const row = await db.selectFrom("devices").select("export_since").where("id", "=", id).executeTakeFirst();
    if (row?.export_since === null || row?.export_since === undefined) return undefined;
    const since = Number(row.export_since);
    const r = await db
      .updateTable("devices")
      .set({ export_since: null })
      .where("id", "=", id)
      .where("export_since", "=", since)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0 ? since : undefined;
  },
  /** Record a presence change; false when another node already recorded it. */
  async setPresence(db: Db, id: string, from: string[], to: string, at: number): Promise<boolean> {
    const r = await db
      .updateTable("devices")
      .set({ presence: to, presence_at: at })
      .where("id", "=", id)
      .where("presence", "in", from)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  },
  /** Phones announced online that nobody has seen for `onlineMs` (and that no stream keeps fresh). */
  async lapsedOnline(db: Db, now: number, onlineMs: number, limit: number): Promise<DeviceRow[]> {
    return db
      .selectFrom("devices")
      .selectAll()
      .where("presence", "=", "online")
      .where((eb) => eb.or([eb("last_seen_at", "is", null), eb("last_seen_at", "<=", now - onlineMs)]))
      .limit(limit)
      .execute();
  },
  async remove(db: Db, id: string): Promise<boolean> {
    const r = await db.deleteFrom("devices").where("id", "=", id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  },
};

export const pairings = {
  async insert(db: Db, row: Insertable<DevicePairingsTable>): Promise<void> {
    await db.insertInto("device_pairings").values(row).execute();
  },
  /**
   * Use a pairing once: the conditional update is the lock, so two phones racing with one token
   * cannot both win. Returns the pairing, or undefined when unknown, used or expired.
   */
  async consume(
    db: Db,
    by: { tokenHash: string } | { codeHash: string },
    now: number,
  ): Promise<PairingRow | undefined> {
    const q = db
      .updateTable("device_pairings")
      .set({ used_at: now })
      .where("used_at", "is", null)
      .where("expires_at", ">", now);
    const r = await ("tokenHash" in by
      ? q.where("token_hash", "=", by.tokenHash)
      : q.where("code_hash", "=", by.codeHash)
    )
      .returningAll()
      .executeTakeFirst();
    return r;
  },
  async setDevice(db: Db, id: string, deviceId: string): Promise<void> {
    await db.updateTable("device_pairings").set({ device_id: deviceId }).where("id", "=", id).execute();
  },
  async removeExpired(db: Db, now: number): Promise<number> {
    const r = await db.deleteFrom("device_pairings").where("expires_at", "<", now).executeTakeFirst();
    return Number(r.numDeletedRows);
  },
};

export const threads = {
  async forPhones(
    db: Db,
    locationId: string,
    phones: string[],
  ): Promise<{ phone: string; device_id: string; sim_number: number }[]> {
    if (phones.length === 0) return [];
    return db
      .selectFrom("device_threads")
      .select(["phone", "device_id", "sim_number"])
      .where("location_id", "=", locationId)
      .where("phone", "in", phones)
      .execute();
  },
  async set(db: Db, locationId: string, phone: string, deviceId: string, sim: number, now: number) {
    await db
      .insertInto("device_threads")
      .values({ location_id: locationId, phone, device_id: deviceId, sim_number: sim, updated_at: now })
      .onConflict((oc) =>
        oc
          .columns(["location_id", "phone"])
          .doUpdateSet({ device_id: deviceId, sim_number: sim, updated_at: now }),
      )
      .execute();
  },
};

export const sends = {
  /** Count a message against its SIM's pacing once (repeated reports are ignored). */
  async record(db: Db, messageId: string, deviceId: string, sim: number, at: number): Promise<void> {
    await db
      .insertInto("device_sends")
      .values({ message_id: messageId, device_id: deviceId, sim_number: sim, at })
      .onConflict((oc) => oc.column("message_id").doNothing())
      .execute();
  },
  /** Per SIM of one device: messages taken in the last minute, hour and day. */
  async counts(
    db: Db,
    deviceId: string,
    now: number,
  ): Promise<Map<number, { minute: number; hour: number; day: number }>> {
    const rows = await db
      .selectFrom("device_sends")
      .select([
        "sim_number",
        sql<number>`sum(case when at > ${now - 60_000} then 1 else 0 end)`.as("minute"),
        sql<number>`sum(case when at > ${now - 3_600_000} then 1 else 0 end)`.as("hour"),
        sql<number>`count(*)`.as("day"),
      ])
      .where("device_id", "=", deviceId)
      .where("at", ">", now - 86_400_000)
      .groupBy("sim_number")
      .execute();
    return new Map(
      rows.map((r) => [
        Number(r.sim_number),
        { minute: Number(r.minute), hour: Number(r.hour), day: Number(r.day) },
      ]),
    );
  },
  async removeOlderThan(db: Db, before: number): Promise<void> {
    await db.deleteFrom("device_sends").where("at", "<", before).execute();
  },
};

export const events = {
  /** True the first time this device reports this envelope id; false for a replay. */
  async firstSeen(db: Db, deviceId: string, eventId: string, event: string, now: number): Promise<boolean> {
    const r = await db
      .insertInto("device_events")
      .values({ device_id: deviceId, event_id: eventId, event, received_at: now })
      .onConflict((oc) => oc.columns(["device_id", "event_id"]).doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
  },
  async removeOlderThan(db: Db, before: number): Promise<void> {
    await db.deleteFrom("device_events").where("received_at", "<", before).execute();
  },
};

/** The outbound queue as phones see it. Statuses change only through messages' transitionMessage. */
export interface QueuedRow {
  id: string;
  location_id: string;
  phone: string;
  body: string | null;
  attachments: string;
  device_id: string | null;
  sim_number: number | null;
  lease_until: number | null;
  expires_at: number | null;
  created_at: number;
  /** How often it was handed to a phone (a lapsed lease means a phone had it and did not take it). */
  dispatch_attempts: number;
}

const QUEUED_COLUMNS = [
  "id",
  "location_id",
  "phone",
  "body",
  "attachments",
  "device_id",
  "sim_number",
  "lease_until",
  "expires_at",
  "created_at",
  "dispatch_attempts",
] as const;

export const queue = {
  /**
   * Queued outbound messages of a location this device may take: held by no phone, or already held
   * by this one (a message another phone fetched stays with it until releaseLapsed frees it), not
   * past their deadline. `ttlMs` stands in for a null expires_at.
   */
  async candidates(
    db: Db,
    q: { locationId: string; deviceId: string; now: number; ttlMs: number; limit: number; lifo: boolean },
  ): Promise<QueuedRow[]> {
    return db
      .selectFrom("messages")
      .select(QUEUED_COLUMNS)
      .where("location_id", "=", q.locationId)
      .where("status", "=", "queued")
      .where("direction", "=", "outbound")
      .where((eb) => eb.or([eb("device_id", "is", null), eb("device_id", "=", q.deviceId)]))
      .where((eb) =>
        eb.or([
          eb("expires_at", ">", q.now),
          eb.and([eb("expires_at", "is", null), eb("created_at", ">", q.now - q.ttlMs)]),
        ]),
      )
      .orderBy("id", q.lifo ? "desc" : "asc")
      .limit(q.limit)
      .execute();
  },
  /**
   * Hand messages held by nobody to a device on one SIM, until `leaseUntil`. The guard repeats the
   * candidate condition, so when two phones race for one message only one update matches; returns
   * the ids this device got.
   */
  async lease(
    db: Db,
    ids: string[],
    l: { deviceId: string; sim: number | null; leaseUntil: number; now: number },
  ): Promise<string[]> {
    if (ids.length === 0) return [];
    const rows = await db
      .updateTable("messages")
      .set((eb) => ({
        device_id: l.deviceId,
        sim_number: l.sim,
        lease_until: l.leaseUntil,
        dispatch_attempts: eb("dispatch_attempts", "+", 1),
        updated_at: l.now,
      }))
      .where("id", "in", ids)
      .where("status", "=", "queued")
      .where("device_id", "is", null)
      .returning("id")
      .execute();
    return rows.map((r) => r.id);
  },
  /** Give a held message back to the queue (its holder refused it: "TTL expired"). */
  async unhold(db: Db, id: string, deviceId: string, now: number): Promise<boolean> {
    const r = await db
      .updateTable("messages")
      .set({ device_id: null, sim_number: null, lease_until: null, updated_at: now })
      .where("id", "=", id)
      .where("status", "=", "queued")
      .where("device_id", "=", deviceId)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  },
  /** Messages a device holds and has not yet reported sending, per SIM (they count for pacing). */
  async leasedBySim(db: Db, deviceId: string): Promise<Map<number, number>> {
    const rows = await db
      .selectFrom("messages")
      .select(["sim_number", sql<number>`count(*)`.as("n")])
      .where("device_id", "=", deviceId)
      .where("status", "=", "queued")
      .groupBy("sim_number")
      .execute();
    return new Map(rows.map((r) => [Number(r.sim_number ?? 1), Number(r.n)]));
  },
  /**
   * Return held messages to the queue once their lease has run out AND their phone has not been seen
   * for `onlineMs` (or was removed): a phone that is alive keeps what it fetched, however slowly it
   * sends (the stock app reports only after the radio took a message). The locations affected are
   * returned, so their phones can be woken.
   */
  async releaseLapsed(db: Db, now: number, onlineMs: number): Promise<string[]> {
    const rows = await db
      .updateTable("messages")
      .set({ device_id: null, sim_number: null, lease_until: null, updated_at: now })
      .where("status", "=", "queued")
      .where("device_id", "is not", null)
      .where("lease_until", "<=", now)
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom("devices")
              .select("devices.id")
              .whereRef("devices.id", "=", "messages.device_id")
              .where("devices.last_seen_at", ">", now - onlineMs),
          ),
        ),
      )
      .returning("location_id")
      .execute();
    return [...new Set(rows.map((r) => r.location_id))];
  },
  /** Whether a location has queued messages no phone holds (worth waking its phones for). */
  async hasUnheld(db: Db, locationId: string, now: number): Promise<boolean> {
    const r = await db
      .selectFrom("messages")
      .select("id")
      .where("location_id", "=", locationId)
      .where("status", "=", "queued")
      .where("direction", "=", "outbound")
      .where("device_id", "is", null)
      .where((eb) => eb.or([eb("expires_at", "is", null), eb("expires_at", ">", now)]))
      .limit(1)
      .executeTakeFirst();
    return r !== undefined;
  },
  /** Queued messages past their deadline (expires_at, or created_at + ttl when unset). */
  async overdue(db: Db, now: number, ttlMs: number, limit: number): Promise<string[]> {
    const rows = await db
      .selectFrom("messages")
      .select("id")
      .where("status", "=", "queued")
      .where("direction", "=", "outbound")
      .where((eb) =>
        eb.or([
          eb("expires_at", "<=", now),
          eb.and([eb("expires_at", "is", null), eb("created_at", "<=", now - ttlMs)]),
        ]),
      )
      .orderBy("id")
      .limit(limit)
      .execute();
    return rows.map((r) => r.id);
  },
  async byIdInLocation(
    db: Db,
    id: string,
    locationId: string,
  ): Promise<(QueuedRow & { status: string }) | undefined> {
    return db
      .selectFrom("messages")
      .select([...QUEUED_COLUMNS, "status"])
      .where("id", "=", id)
      .where("location_id", "=", locationId)
      .where("direction", "=", "outbound")
      .executeTakeFirst();
  },
  /** Queue depth per location (queued outbound), for the device list and presence. */
  async depth(db: Db, locationIds: string[]): Promise<Map<string, number>> {
    if (locationIds.length === 0) return new Map();
    const rows = await db
      .selectFrom("messages")
      .select(["location_id", sql<number>`count(*)`.as("n")])
      .where("location_id", "in", locationIds)
      .where("status", "=", "queued")
      .where("direction", "=", "outbound")
      .groupBy("location_id")
      .execute();
    return new Map(rows.map((r) => [r.location_id, Number(r.n)]));
  },
};
