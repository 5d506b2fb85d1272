import type { Insertable, Selectable, Updateable } from "kysely";
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
  /**
   * Fan-out targets of one event: active subscriptions whose client the user still authorises for
   * this location (a live grant naming it, client not disabled) and whose user still belongs to it.
   * An app the user disconnected stops receiving their messages.
   */
  async activeFor(db: Db, locationId: string, event: string): Promise<Pick<SubscriptionRow, "id">[]> {
    return db
      .selectFrom("webhook_subscriptions as s")
      .select("s.id")
      .where("s.location_id", "=", locationId)
      .where("s.event", "=", event)
      .where("s.status", "=", "active")
      .where((eb) =>
        eb.exists(
          eb
            .selectFrom("memberships as m")
            .select("m.user_id")
            .whereRef("m.user_id", "=", "s.user_id")
            .whereRef("m.location_id", "=", "s.location_id"),
        ),
      )
      .where((eb) =>
        eb.exists(
          eb
            .selectFrom("oauth_grants as g")
            .innerJoin("oauth_clients as c", "c.id", "g.client_id")
            .select("g.id")
            .whereRef("g.client_id", "=", "s.client_id")
            .whereRef("g.user_id", "=", "s.user_id")
            .where("g.revoked_at", "is", null)
            .where("c.disabled_at", "is", null)
            // location_ids is a JSON array of ids; ids are [a-z0-9_] only.
            .where("g.location_ids", "like", `%"${locationId}"%`),
        ),
      )
      .orderBy("s.id")
      .execute();
  },
  async update(
    db: Db,
    id: string,
    patch: Updateable<Omit<WebhookSubscriptionsTable, "id" | "client_id">>,
  ): Promise<void> {
    await db.updateTable("webhook_subscriptions").set(patch).where("id", "=", id).execute();
  },
  /**
   * Take the subscription's row lock (PostgreSQL; SQLite transactions are serialised anyway). Every
   * transaction that changes a subscription and its deliveries takes this first: one lock order.
   */
  async lock(db: Db, id: string): Promise<void> {
    if (!isPostgres(db)) return;
    await db.selectFrom("webhook_subscriptions").select("id").where("id", "=", id).forNoKeyUpdate().execute();
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
  /** The endpoint's failure streak when claimed (a success then has to end it). */
  failing_since: number | null;
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
   * 1. Endpoints already at their cap are left out (leases in flight, via a small partial index).
   * 2. The oldest due rows are read in index order, at most `4 × limit` of them; on PostgreSQL
   *    `FOR UPDATE SKIP LOCKED`, so concurrent claimers get disjoint rows and nobody waits.
   * 3. PostgreSQL: the candidates' subscription rows are locked in id order, which serialises claims
   *    per endpoint, and the in-flight count is read again under that lock, so the cap is exact.
   *    SQLite: the transaction is BEGIN IMMEDIATE, so claims are serialised anyway.
   * 4. Each endpoint gets what room it has left; the chosen rows are leased to `token`.
   * A lease that runs out (worker crashed, node killed) makes the row claimable again. `more` says
   * the candidate window was full: claim again (endpoints filled up now are left out next time).
   */
  async claim(
    db: Db,
    q: { now: number; limit: number; perEndpoint: number; leaseUntil: number; token: string },
  ): Promise<{ rows: ClaimedDelivery[]; more: boolean }> {
    if (q.limit <= 0) return { rows: [], more: false };
    const pg = isPostgres(db);
    const inflight = (subIds?: string[]) =>
      db
        .selectFrom("webhook_deliveries")
        .select(["subscription_id", (eb) => eb.fn.countAll<number>().as("n")])
        .where("lease_until", "is not", null)
        .where("lease_until", ">", q.now)
        .where("status", "=", "pending")
        .$if(subIds !== undefined, (qb) => qb.where("subscription_id", "in", subIds ?? []))
        .groupBy("subscription_id")
        .execute();
    const full = (await inflight()).filter((r) => Number(r.n) >= q.perEndpoint).map((r) => r.subscription_id);
    const window = q.limit * 4;
    const candidates = await db
      .selectFrom("webhook_deliveries")
      .select(["id", "subscription_id"])
      .where("status", "=", "pending")
      .where("next_attempt_at", "<=", q.now)
      .where((eb) => eb.or([eb("lease_until", "is", null), eb("lease_until", "<=", q.now)]))
      .where("subscription_id", "in", (eb) =>
        eb.selectFrom("webhook_subscriptions").select("id").where("status", "=", "active"),
      )
      .$if(full.length > 0, (qb) => qb.where("subscription_id", "not in", full))
      .orderBy("status")
      .orderBy("next_attempt_at")
      .orderBy("id")
      .limit(window)
      .execute();
    const more = candidates.length === window;
    if (candidates.length === 0) return { rows: [], more: false };

    // Lock order, everywhere: the subscription row, then its deliveries (no deadlocks with settles,
    // unsubscribe, disable or replay, which all take the subscription first). NO KEY UPDATE does not
    // block the outbox inserts, whose foreign key only takes KEY SHARE.
    const subIds = [...new Set(candidates.map((r) => r.subscription_id))].sort();
    const active = await db
      .selectFrom("webhook_subscriptions")
      .select(["id", "target_url", "secret", "failing_since"])
      .where("id", "in", subIds)
      .where("status", "=", "active")
      .orderBy("id")
      .$if(pg, (qb) => qb.forNoKeyUpdate())
      .execute();
    const activeById = new Map(active.map((s) => [s.id, s]));
    // PostgreSQL: lock the candidates now, skipping any another claimer holds; those that stopped
    // being due while we waited for the subscription locks drop out.
    const lockable = pg
      ? new Set(
          (
            await db
              .selectFrom("webhook_deliveries")
              .select("id")
              .where(
                "id",
                "in",
                candidates.map((c) => c.id),
              )
              .where("status", "=", "pending")
              .where("next_attempt_at", "<=", q.now)
              .where((eb) => eb.or([eb("lease_until", "is", null), eb("lease_until", "<=", q.now)]))
              .forUpdate()
              .skipLocked()
              .execute()
          ).map((r) => r.id),
        )
      : undefined;
    const room = new Map(subIds.map((id) => [id, q.perEndpoint]));
    for (const r of await inflight(subIds)) room.set(r.subscription_id, q.perEndpoint - Number(r.n));

    const chosen: string[] = [];
    for (const c of candidates) {
      if (chosen.length >= q.limit) break;
      const left = room.get(c.subscription_id) ?? 0;
      if (!activeById.has(c.subscription_id) || left <= 0 || (lockable && !lockable.has(c.id))) continue;
      room.set(c.subscription_id, left - 1);
      chosen.push(c.id);
    }
    if (chosen.length === 0) return { rows: [], more };
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
    const claimed = rows
      .map((r) => {
        const sub = activeById.get(r.subscription_id);
        return {
          ...r,
          attempts: Number(r.attempts),
          retry_index: Number(r.retry_index),
          lease_token: q.token,
          target_url: sub?.target_url ?? "",
          secret: sub?.secret ?? "",
          failing_since: sub?.failing_since == null ? null : Number(sub.failing_since),
        };
      })
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return { rows: claimed, more };
  },

  /**
   * After a success, the next due delivery of the same subscription, leased in the same transaction
   * that settled the previous one (one slot freed, one taken: the endpoint's count is unchanged). A
   * backlog then drains without a claim round per delivery. Undefined when nothing is due.
   */
  async claimNextFor(
    db: Db,
    q: { after: ClaimedDelivery; now: number; leaseUntil: number; token: string },
  ): Promise<ClaimedDelivery | undefined> {
    const next = await db
      .selectFrom("webhook_deliveries")
      .select("id")
      .where("subscription_id", "=", q.after.subscription_id)
      .where("status", "=", "pending")
      .where("next_attempt_at", "<=", q.now)
      .where((eb) => eb.or([eb("lease_until", "is", null), eb("lease_until", "<=", q.now)]))
      .where("subscription_id", "in", (eb) =>
        eb
          .selectFrom("webhook_subscriptions")
          .select("id")
          .where("id", "=", q.after.subscription_id)
          .where("status", "=", "active"),
      )
      .orderBy("next_attempt_at")
      .orderBy("id")
      .limit(1)
      .$if(isPostgres(db), (qb) => qb.forUpdate().skipLocked())
      .executeTakeFirst();
    if (!next) return undefined;
    const row = await db
      .updateTable("webhook_deliveries")
      .set((eb) => ({
        lease_until: q.leaseUntil,
        lease_token: q.token,
        attempts: eb("attempts", "+", 1),
        updated_at: q.now,
      }))
      .where("id", "=", next.id)
      .returning(["id", "subscription_id", "event", "payload", "attempts", "retry_index"])
      .executeTakeFirst();
    if (!row) return undefined;
    return {
      ...row,
      attempts: Number(row.attempts),
      retry_index: Number(row.retry_index),
      lease_token: q.token,
      target_url: q.after.target_url,
      secret: q.after.secret,
      failing_since: null,
    };
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

  /**
   * Retention: delete finished deliveries (delivered or failed) created before `before`, at most
   * `limit` at a time; their attempts go with them. Returns how many were deleted.
   */
  async purgeFinished(db: Db, before: number, limit: number): Promise<number> {
    const ids = await db
      .selectFrom("webhook_deliveries")
      .select("id")
      .where("created_at", "<", before)
      .where("status", "in", ["delivered", "failed"])
      .limit(limit)
      .execute();
    if (ids.length === 0) return 0;
    const list = ids.map((r) => r.id);
    await db.deleteFrom("webhook_delivery_attempts").where("delivery_id", "in", list).execute();
    const r = await db.deleteFrom("webhook_deliveries").where("id", "in", list).executeTakeFirst();
    return Number(r.numDeletedRows);
  },

  /** Stop everything still pending for a subscription (it was removed or disabled). */
  async failPending(db: Db, subscriptionId: string, error: string, now: number): Promise<number> {
    const r = await db
      .updateTable("webhook_deliveries")
      .set({
        status: "failed",
        last_error: error,
        next_attempt_at: null,
        lease_until: null,
        lease_token: null,
        updated_at: now,
      })
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
