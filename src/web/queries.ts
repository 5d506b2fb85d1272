import { sql } from "kysely";
import type { Ctx } from "../context.js";
import { attachmentLinker, type MessageView, presentMessage } from "../messages/index.js";
import type { MessageRow } from "../store/repos/messages.js";
import type { SubscriptionView } from "../webhooks/index.js";

/**
 * Read-only queries the dashboard needs and no domain offers as a verb yet (a location's webhook
 * subscriptions across every app; message counts per day). They only read; every change still goes
 * through the domains' verbs. Callers have already checked that the user belongs to the locations.
 */

const DAY_MS = 86_400_000;

export interface LocationSubscription extends SubscriptionView {
  client_id: string;
  client_name: string;
  /**
   * The user who subscribed still has the app connected for this location (live grant naming it, app
   * not disabled, user still a member): only then do events reach it.
   */
  authorised: boolean;
}

/** Every live webhook subscription of a location, whichever app made it, oldest first. */
export async function locationSubscriptions(ctx: Ctx, locationId: string): Promise<LocationSubscription[]> {
  const rows = await ctx.db
    .selectFrom("webhook_subscriptions as s")
    .leftJoin("oauth_clients as c", "c.id", "s.client_id")
    .select([
      "s.id",
      "s.client_id",
      "c.name as client_name",
      "s.location_id",
      "s.event",
      "s.target_url",
      "s.status",
      "s.status_reason",
      "s.failing_since",
      "s.disabled_at",
      "s.created_at",
      "s.updated_at",
      (eb) =>
        eb
          .exists(
            eb
              .selectFrom("oauth_grants as g")
              .innerJoin("oauth_clients as gc", "gc.id", "g.client_id")
              .innerJoin("memberships as m", (j) =>
                j.onRef("m.user_id", "=", "g.user_id").onRef("m.location_id", "=", "s.location_id"),
              )
              .select("g.id")
              .whereRef("g.client_id", "=", "s.client_id")
              .whereRef("g.user_id", "=", "s.user_id")
              .where("g.revoked_at", "is", null)
              .where("gc.disabled_at", "is", null)
              // location_ids is a JSON array of ids; ids are [a-z0-9_] only.
              .where("g.location_ids", "like", `%"${locationId}"%`),
          )
          .as("authorised"),
    ])
    .where("s.location_id", "=", locationId)
    .where("s.status", "!=", "removed")
    .orderBy("s.id")
    .execute();
  const iso = (v: number | string | null) => (v === null ? null : new Date(Number(v)).toISOString());
  return rows.map((r) => ({
    id: r.id,
    webhook_id: r.id,
    targetUrl: r.target_url,
    event: r.event,
    locationId: r.location_id,
    status: r.status,
    status_reason: r.status_reason,
    failing_since: iso(r.failing_since),
    disabled_at: iso(r.disabled_at),
    created_at: iso(r.created_at) ?? "",
    updated_at: iso(r.updated_at) ?? "",
    client_id: r.client_id,
    client_name: r.client_name ?? r.client_id,
    authorised: Boolean(Number(r.authorised)),
  }));
}

export interface DayCounts {
  /** UTC day start, epoch ms. */
  day: number;
  sent: number;
  received: number;
  failed: number;
}

export interface LocationStats {
  queued: number;
  sentToday: number;
  receivedToday: number;
  failedToday: number;
  /** Webhook subscriptions currently failing or disabled. */
  webhooksFailing: number;
  /** The last `days` UTC days, oldest first, today last. */
  days: DayCounts[];
}

/**
 * Counts for the overview, per location: queued now; sent (by the phone's report), received, and
 * failed or expired per UTC day over the last `days` days.
 */
export async function locationStats(
  ctx: Ctx,
  locationIds: string[],
  days = 7,
): Promise<Map<string, LocationStats>> {
  const out = new Map<string, LocationStats>();
  const today = Math.floor(ctx.clock.now() / DAY_MS) * DAY_MS;
  const from = today - (days - 1) * DAY_MS;
  for (const id of locationIds) {
    out.set(id, {
      queued: 0,
      sentToday: 0,
      receivedToday: 0,
      failedToday: 0,
      webhooksFailing: 0,
      days: Array.from({ length: days }, (_, i) => ({
        day: from + i * DAY_MS,
        sent: 0,
        received: 0,
        failed: 0,
      })),
    });
  }
  if (locationIds.length === 0) return out;
  const db = ctx.db;
  const bucket = (col: string) => sql<number>`${sql.ref(col)} / ${sql.lit(DAY_MS)}`;
  const [queued, sent, received, failed, hooks] = await Promise.all([
    db
      .selectFrom("messages")
      .select(["location_id", sql<number>`count(*)`.as("n")])
      .where("location_id", "in", locationIds)
      .where("status", "=", "queued")
      .groupBy("location_id")
      .execute(),
    db
      .selectFrom("messages")
      .select(["location_id", bucket("sent_at").as("d"), sql<number>`count(*)`.as("n")])
      .where("location_id", "in", locationIds)
      .where("direction", "=", "outbound")
      .where("sent_at", ">=", from)
      .groupBy(["location_id", "d"])
      .execute(),
    db
      .selectFrom("messages")
      .select(["location_id", bucket("created_at").as("d"), sql<number>`count(*)`.as("n")])
      .where("location_id", "in", locationIds)
      .where("direction", "=", "inbound")
      .where("created_at", ">=", from)
      .groupBy(["location_id", "d"])
      .execute(),
    db
      .selectFrom("messages")
      .select(["location_id", bucket("updated_at").as("d"), sql<number>`count(*)`.as("n")])
      .where("location_id", "in", locationIds)
      .where("status", "in", ["failed", "expired"])
      .where("updated_at", ">=", from)
      .groupBy(["location_id", "d"])
      .execute(),
    db
      .selectFrom("webhook_subscriptions")
      .select(["location_id", sql<number>`count(*)`.as("n")])
      .where("location_id", "in", locationIds)
      .where((eb) => eb.or([eb("status", "=", "disabled"), eb("failing_since", "is not", null)]))
      .where("status", "!=", "removed")
      .groupBy("location_id")
      .execute(),
  ]);
  for (const r of queued) {
    const s = out.get(r.location_id);
    if (s) s.queued = Number(r.n);
  }
  for (const r of hooks) {
    const s = out.get(r.location_id);
    if (s) s.webhooksFailing = Number(r.n);
  }
  const add = (
    rows: { location_id: string; d: number; n: number }[],
    key: "sent" | "received" | "failed",
  ) => {
    for (const r of rows) {
      const s = out.get(r.location_id);
      const day = s?.days.find((d) => d.day === Math.floor(Number(r.d)) * DAY_MS);
      if (day) day[key] += Number(r.n);
    }
  };
  add(sent, "sent");
  add(received, "received");
  add(failed, "failed");
  for (const s of out.values()) {
    const t = s.days[s.days.length - 1];
    s.sentToday = t?.sent ?? 0;
    s.receivedToday = t?.received ?? 0;
    s.failedToday = t?.failed ?? 0;
  }
  return out;
}

const MESSAGE_BIGINTS = [
  "lease_until",
  "expires_at",
  "created_at",
  "updated_at",
  "sent_at",
  "delivered_at",
  "failed_at",
];

/**
 * A location's messages whose number contains `digits` (the dashboard's number search; the messages
 * domain lists by location, direction, status and time but not by number). Newest first, with the same
 * cursor (an id) as `listMessages`.
 */
export async function searchMessagesByNumber(
  ctx: Ctx,
  q: {
    locationId: string;
    digits: string;
    direction?: string;
    status?: string;
    since?: number;
    before?: string;
    limit: number;
  },
): Promise<{ data: MessageView[]; next_cursor: string | null; has_more: boolean }> {
  let query = ctx.db
    .selectFrom("messages")
    .selectAll()
    .where("location_id", "=", q.locationId)
    .where("phone", "like", `%${q.digits.replace(/\D/g, "")}%`);
  if (q.direction) query = query.where("direction", "=", q.direction);
  if (q.status) query = query.where("status", "=", q.status);
  if (q.since !== undefined) query = query.where("created_at", ">=", q.since);
  if (q.before) query = query.where("id", "<", q.before);
  const rows = await query
    .orderBy("id", "desc")
    .limit(q.limit + 1)
    .execute();
  const link = attachmentLinker(ctx);
  const page = rows.slice(0, q.limit).map((r) => {
    const out = { ...r } as Record<string, unknown>;
    for (const k of MESSAGE_BIGINTS) if (out[k] !== null && out[k] !== undefined) out[k] = Number(out[k]);
    out.segments = Number(out.segments);
    return presentMessage(out as unknown as MessageRow, link);
  });
  const hasMore = rows.length > q.limit;
  return { data: page, next_cursor: hasMore ? (page[page.length - 1]?.id ?? null) : null, has_more: hasMore };
}
