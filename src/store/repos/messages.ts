import { type Insertable, type Selectable, sql } from "kysely";
import type { IdempotencyKeysTable, MessageEventsTable, MessagesTable } from "../tables/messages.js";
import type { Db } from "../types.js";

// Numbers come back as numbers on both dialects (the PostgreSQL adapter parses int8), so rows are
// returned as read.

export type MessageRow = Selectable<MessagesTable>;
export type MessageEventRow = Selectable<MessageEventsTable>;
export type IdempotencyRow = Selectable<IdempotencyKeysTable>;

export interface ListFilter {
  locationIds: string[];
  direction?: string;
  status?: string;
  since?: number;
  /** Exclusive: messages with an id below this one (newest first). */
  before?: string;
  limit: number;
}

export const messages = {
  async insert(db: Db, values: Insertable<MessagesTable>): Promise<void> {
    await db.insertInto("messages").values(values).execute();
  },
  /** Many in one statement (the send batcher). */
  async insertMany(db: Db, values: Insertable<MessagesTable>[]): Promise<void> {
    if (values.length > 0) await db.insertInto("messages").values(values).execute();
  },
  /** Insert unless the location already has a message with this dedupe key; true when inserted. */
  async insertUnlessDuplicate(db: Db, values: Insertable<MessagesTable>): Promise<boolean> {
    const r = await db
      .insertInto("messages")
      .values(values)
      .onConflict((oc) => oc.columns(["location_id", "dedupe_key"]).doNothing())
      .returning("id")
      .executeTakeFirst();
    return r !== undefined;
  },
  async byId(db: Db, id: string): Promise<MessageRow | undefined> {
    return db.selectFrom("messages").selectAll().where("id", "=", id).executeTakeFirst();
  },
  async byDedupeKey(db: Db, locationId: string, key: string): Promise<MessageRow | undefined> {
    return db
      .selectFrom("messages")
      .selectAll()
      .where("location_id", "=", locationId)
      .where("dedupe_key", "=", key)
      .executeTakeFirst();
  },
  /**
   * Change a message's status only if it still has `from` (optimistic guard: two reports racing for
   * one message apply once). True when this call changed it.
   */
  async setStatus(
    db: Db,
    id: string,
    from: string,
    patch: Partial<Omit<Insertable<MessagesTable>, "id" | "location_id">>,
  ): Promise<boolean> {
    const r = await db
      .updateTable("messages")
      .set(patch)
      .where("id", "=", id)
      .where("status", "=", from)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  },
  async list(db: Db, f: ListFilter): Promise<MessageRow[]> {
    if (f.locationIds.length === 0) return [];
    let q = db.selectFrom("messages").selectAll().where("location_id", "in", f.locationIds);
    if (f.direction) q = q.where("direction", "=", f.direction);
    if (f.status) q = q.where("status", "=", f.status);
    if (f.since !== undefined) q = q.where("created_at", ">=", f.since);
    if (f.before) q = q.where("id", "<", f.before);
    return q.orderBy("id", "desc").limit(f.limit).execute();
  },
  /** Counts per status of a location's messages created since `since` (dashboard overview). */
  async countByStatus(db: Db, locationId: string, since: number): Promise<Map<string, number>> {
    const rows = await db
      .selectFrom("messages")
      .select(["status", sql<number>`count(*)`.as("n")])
      .where("location_id", "=", locationId)
      .where("created_at", ">=", since)
      .groupBy("status")
      .execute();
    return new Map(rows.map((r) => [r.status, Number(r.n)]));
  },
};

export const events = {
  /** The first entry of a new message's history (no lookup: its sequence starts at 1). */
  async first(db: Db, e: Omit<Insertable<MessageEventsTable>, "seq">): Promise<void> {
    await db
      .insertInto("message_events")
      .values({ ...e, seq: 1 })
      .execute();
  },
  async firstMany(db: Db, list: Omit<Insertable<MessageEventsTable>, "seq">[]): Promise<void> {
    if (list.length > 0)
      await db
        .insertInto("message_events")
        .values(list.map((e) => ({ ...e, seq: 1 })))
        .execute();
  },
  /** Append to a message's history; `seq` continues the message's own sequence. */
  async append(db: Db, e: Omit<Insertable<MessageEventsTable>, "seq">): Promise<void> {
    const last = await db
      .selectFrom("message_events")
      .select(sql<number>`coalesce(max(seq), 0)`.as("seq"))
      .where("message_id", "=", e.message_id)
      .executeTakeFirst();
    await db
      .insertInto("message_events")
      .values({ ...e, seq: Number(last?.seq ?? 0) + 1 })
      .execute();
  },
  async forMessage(db: Db, messageId: string): Promise<MessageEventRow[]> {
    return db
      .selectFrom("message_events")
      .selectAll()
      .where("message_id", "=", messageId)
      .orderBy("seq")
      .execute();
  },
};

/**
 * Whose keys: an OAuth client and one of its connections (grant). A bare client id is the
 * client-wide scope (grant '') of a sender with no connection.
 */
export type IdempotencyScope = string | { clientId: string; grantId: string };

function scopeOf(s: IdempotencyScope): { clientId: string; grantId: string } {
  return typeof s === "string" ? { clientId: s, grantId: "" } : s;
}

export const idempotency = {
  /** Claim a key; false when it exists already (then read it with `get`). */
  async claim(db: Db, values: Insertable<IdempotencyKeysTable>): Promise<boolean> {
    const r = await db
      .insertInto("idempotency_keys")
      .values({ ...values, grant_id: values.grant_id ?? "" })
      .onConflict((oc) => oc.columns(["client_id", "grant_id", "key"]).doNothing())
      .returning("key")
      .executeTakeFirst();
    return r !== undefined;
  },
  async get(db: Db, scope: IdempotencyScope, key: string, now: number): Promise<IdempotencyRow | undefined> {
    const { clientId, grantId } = scopeOf(scope);
    return db
      .selectFrom("idempotency_keys")
      .selectAll()
      .where("client_id", "=", clientId)
      .where("grant_id", "=", grantId)
      .where("key", "=", key)
      .where("expires_at", ">", now)
      .executeTakeFirst();
  },
  /** Cleanup: delete up to `limit` records that expired before `now` (any client). */
  async removeAllExpired(db: Db, now: number, limit: number): Promise<number> {
    const r = await db
      .deleteFrom("idempotency_keys")
      .where(({ eb, refTuple, selectFrom }) =>
        eb(
          refTuple("client_id", "grant_id", "key"),
          "in",
          selectFrom("idempotency_keys")
            .select(["client_id", "grant_id", "key"])
            .where("expires_at", "<=", now)
            .limit(limit)
            .$asTuple("client_id", "grant_id", "key"),
        ),
      )
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  },
  /** An expired record is replaced rather than replayed: the key may be used again. */
  async removeExpired(db: Db, scope: IdempotencyScope, key: string, now: number): Promise<void> {
    const { clientId, grantId } = scopeOf(scope);
    await db
      .deleteFrom("idempotency_keys")
      .where("client_id", "=", clientId)
      .where("grant_id", "=", grantId)
      .where("key", "=", key)
      .where("expires_at", "<=", now)
      .execute();
  },
  async complete(
    db: Db,
    scope: IdempotencyScope,
    key: string,
    result: { statusCode: number; response: string; messageId: string | null },
  ): Promise<void> {
    const { clientId, grantId } = scopeOf(scope);
    await db
      .updateTable("idempotency_keys")
      .set({ status_code: result.statusCode, response: result.response, message_id: result.messageId })
      .where("client_id", "=", clientId)
      .where("grant_id", "=", grantId)
      .where("key", "=", key)
      .execute();
  },
};
