import { type Insertable, type Selectable, sql, type Updateable } from "kysely";
import type {
  WebhookDeliveriesTable,
  WebhookDeliveryAttemptsTable,
  WebhookSubscriptionsTable,
} from "../tables/webhooks.js";
import type { Db } from "../types.js";
import { isPostgres } from "./dialect.js";

export type SubscriptionRow = Selectable<WebhookSubscriptionsTable>;
export type DeliveryRow = Selectable<WebhookDeliveriesTable>;
export type AttemptRow = Selectable<WebhookDeliveryAttemptsTable>;

export const subscriptions = {
  async insert(db: Db, row: Insertable<WebhookSubscriptionsTable>): Promise<void> {
    await db.insertInto("webhook_subscriptions").values(row).execute();
  },
  async byId(db: Db, id: string): Promise<SubscriptionRow | undefined> {
    return db.selectFrom("webhook_subscriptions").selectAll().where("id", "=", id).executeTakeFirst();
  },
  /** The row with this natural key, whatever its status. */
  async byKey(
    db: Db,
    k: { clientId: string; locationId: string; event: string; targetUrl: string },
  ): Promise<SubscriptionRow | undefined> {
    return db
      .selectFrom("webhook_subscriptions")
      .selectAll()
      .where("client_id", "=", k.clientId)
      .where("location_id", "=", k.locationId)
      .where("event", "=", k.event)
      .where("target_url", "=", k.targetUrl)
      .executeTakeFirst();
  },
  /** A client's subscriptions (not removed) on some locations, oldest first. */
  async listForClient(db: Db, clientId: string, locationIds: readonly string[]): Promise<SubscriptionRow[]> {
    if (locationIds.length === 0) return [];
    return db
      .selectFrom("webhook_subscriptions")
      .selectAll()
      .where("client_id", "=", clientId)
      .where("location_id", "in", locationIds)
      .where("status", "!=", "removed")
      .orderBy("id")
      .execute();
  },
  /** Fan-out targets of one event. */
  async activeFor(db: Db, locationId: string, event: string): Promise<Pick<SubscriptionRow, "id">[]> {
    return db
      .selectFrom("webhook_subscriptions")
      .select("id")
      .where("location_id", "=", locationId)
      .where("event", "=", event)
      .where("status", "=", "active")
      .orderBy("id")
      .execute();
  },
  async update(
    db: Db,
    id: string,
    patch: Updateable<Omit<WebhookSubscriptionsTable, "id" | "client_id">>,
  ): Promise<void> {
    await db.updateTable("webhook_subscriptions").set(patch).where("id", "=", id).execute();
  },
  /** Start a failure streak unless one is running (a success ends it). */
  async markFailing(db: Db, id: string, now: number): Promise<void> {
    await db
      .updateTable("webhook_subscriptions")
      .set({ failing_since: now, updated_at: now })
      .where("id", "=", id)
      .where("failing_since", "is", null)
      .execute();
  },
  async markHealthy(db: Db, id: string, now: number): Promise<void> {
    await db
      .updateTable("webhook_subscriptions")
      .set({ failing_since: null, updated_at: now })
      .where("id", "=", id)
      .where("failing_since", "is not", null)
      .execute();
  },
};

/** What a worker needs to make one attempt. */
export interface ClaimedDelivery {
  id: string;
  subscription_id: string;
  event: string;
  payload: string;
  attempts: number;
  retry_index: number;
  lease_token: string;
  target_url: string;
  secret: string;
}

export const deliveries = {
  async insertMany(db: Db, rows: Insertable<WebhookDeliveriesTable>[]): Promise<void> {
    if (rows.length === 0) return;
    await db.insertInto("webhook_deliveries").values(rows).execute();
  },
  async byId(db: Db, id: string): Promise<DeliveryRow | undefined> {
    return db.selectFrom("webhook_deliveries").selectAll().where("id", "=", id).executeTakeFirst();
  },
  /** A subscription's deliveries, newest first, before the `before` id (cursor). */
  async listForSubscription(
    db: Db,
    q: { subscriptionId: string; before?: string; limit: number; status?: string },
  ): Promise<DeliveryRow[]> {
    let query = db
      .selectFrom("webhook_deliveries")
      .selectAll()
      .where("subscription_id", "=", q.subscriptionId)
      .orderBy("id", "desc")
      .limit(q.limit);
    if (q.before) query = query.where("id", "<", q.before);
    if (q.status) query = query.where("status", "=", q.status);
    return query.execute();
  },

  /**
   * Claim due deliveries for one worker. Must run inside a transaction. Fair per endpoint: at most
   * `perEndpoint` rows of one subscription are leased at any moment, across every worker and node,
   * so one slow receiver holds at most that many slots and the rest keep flowing.
   *
   * - PostgreSQL: candidates are locked `FOR UPDATE SKIP LOCKED` (other claimers skip them, nobody
   *   waits); then the candidates' subscription rows are locked in id order, which serialises claims
   *   per endpoint, so the in-flight count read next is exact.
   * - SQLite: the transaction is BEGIN IMMEDIATE, i.e. claims are already serialised.
   * A lease that runs out (worker crashed, node killed) makes the row claimable again.
   */
  async claim(
    db: Db,
    q: { now: number; limit: number; perEndpoint: number; leaseUntil: number; token: string },
  ): Promise<ClaimedDelivery[]> {
    if (q.limit <= 0) return [];
    const pg = isPostgres(db);
    const due = sql`status = 'pending' and next_attempt_at <= ${q.now} and (lease_until is null or lease_until <= ${q.now})`;
    // The window keeps, per endpoint, only as many due rows as it has room for (cap minus leases in
    // flight), so endpoints at their cap or with a backlog never crowd the others out of the list.
    const candidates = await sql<{ id: string; subscription_id: string }>`
      select id, subscription_id from webhook_deliveries
      where id in (
        select ranked.id from (
          select id, subscription_id,
            row_number() over (partition by subscription_id order by next_attempt_at, id) as rn
          from webhook_deliveries
          where ${due}
            and subscription_id in (select id from webhook_subscriptions where status = 'active')
        ) ranked
        left join (
          select subscription_id, count(*) as n from webhook_deliveries
          where status = 'pending' and lease_until > ${q.now}
          group by subscription_id
        ) busy on busy.subscription_id = ranked.subscription_id
        where ranked.rn <= ${q.perEndpoint} - coalesce(busy.n, 0)
      ) and ${due}
      order by next_attempt_at, id
      limit ${q.limit}
      ${pg ? sql`for update skip locked` : sql``}`.execute(db);
    if (candidates.rows.length === 0) return [];

    const subIds = [...new Set(candidates.rows.map((r) => r.subscription_id))].sort();
    const active = await db
      .selectFrom("webhook_subscriptions")
      .select(["id", "target_url", "secret"])
      .where("id", "in", subIds)
      .where("status", "=", "active")
      .orderBy("id")
      .$if(pg, (qb) => qb.forUpdate())
      .execute();
    const activeById = new Map(active.map((s) => [s.id, s]));
    const inflight = await db
      .selectFrom("webhook_deliveries")
      .select(["subscription_id", (eb) => eb.fn.countAll<number>().as("n")])
      .where("subscription_id", "in", subIds)
      .where("status", "=", "pending")
      .where("lease_until", ">", q.now)
      .groupBy("subscription_id")
      .execute();
    const room = new Map(subIds.map((id) => [id, q.perEndpoint]));
    for (const r of inflight) room.set(r.subscription_id, q.perEndpoint - Number(r.n));

    const chosen: string[] = [];
    for (const c of candidates.rows) {
      const left = room.get(c.subscription_id) ?? 0;
      if (!activeById.has(c.subscription_id) || left <= 0) continue;
      room.set(c.subscription_id, left - 1);
      chosen.push(c.id);
    }
    if (chosen.length === 0) return [];
    const rows = await db
      .updateTable("webhook_deliveries")
      .set((eb) => ({
        lease_until: q.leaseUntil,
        lease_token: q.token,
        attempts: eb("attempts", "+", 1),
        updated_at: q.now,
      }))
      .where("id", "in", chosen)
      .returning(["id", "subscription_id", "event", "payload", "attempts", "retry_index"])
      .execute();
    return rows.map((r) => {
      const sub = activeById.get(r.subscription_id);
      return {
        ...r,
        attempts: Number(r.attempts),
        retry_index: Number(r.retry_index),
        lease_token: q.token,
        target_url: sub?.target_url ?? "",
        secret: sub?.secret ?? "",
      };
    });
  },

  /**
   * Record the outcome of an attempt, fenced by the lease token: a worker whose lease ran out and was
   * re-claimed by another changes nothing (returns false).
   */
  async settle(
    db: Db,
    id: string,
    token: string,
    patch: Updateable<
      Pick<
        WebhookDeliveriesTable,
        | "status"
        | "next_attempt_at"
        | "retry_index"
        | "last_status_code"
        | "last_error"
        | "delivered_at"
        | "updated_at"
      >
    >,
  ): Promise<boolean> {
    const r = await db
      .updateTable("webhook_deliveries")
      .set({ ...patch, lease_until: null, lease_token: null })
      .where("id", "=", id)
      .where("lease_token", "=", token)
      .where("status", "=", "pending")
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  },

  /** Give back leases this worker still holds (shutdown): the rows are claimable at once. */
  async release(db: Db, ids: string[], token: string, now: number): Promise<void> {
    if (ids.length === 0) return;
    await db
      .updateTable("webhook_deliveries")
      .set({ lease_until: null, lease_token: null, updated_at: now })
      .where("id", "in", ids)
      .where("lease_token", "=", token)
      .execute();
  },

  /** Stop everything still pending for a subscription (it was removed or disabled). */
  async failPending(db: Db, subscriptionId: string, error: string, now: number): Promise<number> {
    const r = await db
      .updateTable("webhook_deliveries")
      .set({ status: "failed", last_error: error, next_attempt_at: null, updated_at: now })
      .where("subscription_id", "=", subscriptionId)
      .where("status", "=", "pending")
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  },

  /** Queue again the deliveries of a subscription created since `since` (failed ones, or all). */
  async requeue(
    db: Db,
    q: { subscriptionId: string; since: number; now: number; includeDelivered: boolean },
  ): Promise<number> {
    const statuses = q.includeDelivered ? ["failed", "delivered"] : ["failed"];
    const r = await db
      .updateTable("webhook_deliveries")
      .set({
        status: "pending",
        retry_index: 0,
        next_attempt_at: q.now,
        lease_until: null,
        lease_token: null,
        delivered_at: null,
        updated_at: q.now,
      })
      .where("subscription_id", "=", q.subscriptionId)
      .where("created_at", ">=", q.since)
      .where("status", "in", statuses)
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  },
};

export const attempts = {
  async insert(db: Db, row: Insertable<WebhookDeliveryAttemptsTable>): Promise<void> {
    await db.insertInto("webhook_delivery_attempts").values(row).execute();
  },
  async forDeliveries(db: Db, deliveryIds: string[]): Promise<AttemptRow[]> {
    if (deliveryIds.length === 0) return [];
    return db
      .selectFrom("webhook_delivery_attempts")
      .selectAll()
      .where("delivery_id", "in", deliveryIds)
      .orderBy("id")
      .execute();
  },
};
