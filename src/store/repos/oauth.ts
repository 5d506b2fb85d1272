import { type Insertable, type Selectable, sql, type Updateable } from "kysely";
import type {
  OAuthClientsTable,
  OAuthCodesTable,
  OAuthGrantsTable,
  OAuthTokensTable,
} from "../tables/oauth.js";
import type { Db } from "../types.js";

export type ClientRow = Selectable<OAuthClientsTable>;
export type GrantRow = Selectable<OAuthGrantsTable>;
export type TokenRow = Selectable<OAuthTokensTable>;
export type CodeRow = Selectable<OAuthCodesTable>;

export const clients = {
  async insert(db: Db, row: Insertable<OAuthClientsTable>): Promise<void> {
    await db.insertInto("oauth_clients").values(row).execute();
  },
  async byId(db: Db, id: string): Promise<ClientRow | undefined> {
    return db.selectFrom("oauth_clients").selectAll().where("id", "=", id).executeTakeFirst();
  },
  async list(db: Db): Promise<ClientRow[]> {
    return db.selectFrom("oauth_clients").selectAll().orderBy("id").execute();
  },
  async update(db: Db, id: string, patch: Updateable<OAuthClientsTable>): Promise<boolean> {
    const r = await db.updateTable("oauth_clients").set(patch).where("id", "=", id).executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  },
};

export const grants = {
  async insert(db: Db, row: Insertable<OAuthGrantsTable>): Promise<void> {
    await db.insertInto("oauth_grants").values(row).execute();
  },
  async byId(db: Db, id: string): Promise<GrantRow | undefined> {
    return db.selectFrom("oauth_grants").selectAll().where("id", "=", id).executeTakeFirst();
  },
  /** A user's grants with their client's name, newest first (live and revoked). */
  async listForUser(db: Db, userId: string) {
    return db
      .selectFrom("oauth_grants")
      .innerJoin("oauth_clients", "oauth_clients.id", "oauth_grants.client_id")
      .selectAll("oauth_grants")
      .select("oauth_clients.name as client_name")
      .where("oauth_grants.user_id", "=", userId)
      .orderBy("oauth_grants.id", "desc")
      .execute();
  },
  /** Revoke every live grant of a client (client disabled). */
  async revokeForClient(db: Db, clientId: string, now: number, reason: string): Promise<number> {
    const r = await db
      .updateTable("oauth_grants")
      .set({ revoked_at: now, revoked_reason: reason })
      .where("client_id", "=", clientId)
      .where("revoked_at", "is", null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  },
  /** Per client: its live grants (connections) and the latest use of any of them. */
  async usageByClient(db: Db) {
    return db
      .selectFrom("oauth_grants")
      .select((eb) => [
        "client_id",
        eb.fn.countAll<number | string>().as("connections"),
        eb.fn.max("last_used_at").as("last_used_at"),
      ])
      .where("revoked_at", "is", null)
      .groupBy("client_id")
      .execute();
  },
  /** Revoke every live grant of a user (account disabled). */
  async revokeForUser(db: Db, userId: string, now: number, reason: string): Promise<number> {
    const r = await db
      .updateTable("oauth_grants")
      .set({ revoked_at: now, revoked_reason: reason })
      .where("user_id", "=", userId)
      .where("revoked_at", "is", null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  },
  /**
   * Record that a grant's token was used at `now`, unless that was already recorded within `everyMs`:
   * one cheap conditional UPDATE by primary key, so several API nodes write it at most about once per
   * `everyMs` per grant between them. True when the row was written.
   */
  async touchLastUsed(db: Db, id: string, now: number, everyMs: number): Promise<boolean> {
    const r = await db
      .updateTable("oauth_grants")
      .set({ last_used_at: now })
      .where("id", "=", id)
      .where((eb) => eb.or([eb("last_used_at", "is", null), eb("last_used_at", "<=", now - everyMs)]))
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  },
  /** Revoke a grant (idempotent: the first reason and time stay). */
  async revoke(db: Db, id: string, now: number, reason: string): Promise<void> {
    await db
      .updateTable("oauth_grants")
      .set({ revoked_at: now, revoked_reason: reason })
      .where("id", "=", id)
      .where("revoked_at", "is", null)
      .execute();
  },
};

export const tokens = {
  async insert(db: Db, row: Insertable<OAuthTokensTable>): Promise<void> {
    await db.insertInto("oauth_tokens").values(row).execute();
  },
  async byHash(db: Db, hash: string): Promise<TokenRow | undefined> {
    return db.selectFrom("oauth_tokens").selectAll().where("token_hash", "=", hash).executeTakeFirst();
  },
  /**
   * Consume a refresh token: one conditional UPDATE, so of two racing requests exactly one wins
   * (true); the loser sees it consumed. The successor is recorded in the same statement.
   */
  async consumeRefresh(
    db: Db,
    hash: string,
    now: number,
    successor: { hash: string; sealed: string },
  ): Promise<boolean> {
    const r = await db
      .updateTable("oauth_tokens")
      .set({ consumed_at: now, successor_hash: successor.hash, successor_sealed: successor.sealed })
      .where("token_hash", "=", hash)
      .where("kind", "=", "refresh")
      .where("consumed_at", "is", null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  },
  /** Drop what a retry could still use once the grace period is over (no sealed pairs linger). */
  async forgetSealed(db: Db, olderThan: number): Promise<void> {
    await db
      .updateTable("oauth_tokens")
      .set({ successor_sealed: null })
      .where("consumed_at", "<", olderThan)
      .where("successor_sealed", "is not", null)
      .execute();
  },
  /** Cleanup: delete up to `limit` tokens of any kind that expired before `before`. */
  async removeExpiredBefore(db: Db, before: number, limit: number): Promise<number> {
    const r = await db
      .deleteFrom("oauth_tokens")
      .where(
        "token_hash",
        "in",
        db.selectFrom("oauth_tokens").select("token_hash").where("expires_at", "<", before).limit(limit),
      )
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  },
  /** Delete expired tokens of every kind (cleanup). */
  async removeExpired(db: Db, now: number): Promise<number> {
    const r = await db.deleteFrom("oauth_tokens").where("expires_at", "<=", now).executeTakeFirst();
    return Number(r.numDeletedRows);
  },
  /**
   * A live access token's grant plus the user's memberships in the same statement (one row per
   * membership, or one row with a null `member_location_id` for none): the whole bearer check in one
   * round trip. Expired tokens, revoked grants and disabled users do not match (a disabled account's
   * tokens stop at once; its grants are also revoked when it is disabled).
   */
  async liveAccessWithMemberships(db: Db, hash: string, now: number) {
    return db
      .selectFrom("oauth_tokens")
      .innerJoin("oauth_grants", "oauth_grants.id", "oauth_tokens.grant_id")
      .innerJoin("users", "users.id", "oauth_grants.user_id")
      .leftJoin("memberships", "memberships.user_id", "oauth_grants.user_id")
      .select([
        "oauth_grants.id as grant_id",
        "oauth_grants.client_id",
        "oauth_grants.user_id",
        "oauth_grants.scopes",
        "oauth_grants.location_ids",
        "oauth_tokens.expires_at",
        "memberships.location_id as member_location_id",
      ])
      .where("oauth_tokens.token_hash", "=", hash)
      .where("oauth_tokens.kind", "=", "access")
      .where("oauth_tokens.expires_at", ">", now)
      .where("oauth_grants.revoked_at", "is", null)
      .where("users.disabled_at", "is", null)
      .execute();
  },
};

export const codes = {
  async insert(db: Db, row: Insertable<OAuthCodesTable>): Promise<void> {
    await db.insertInto("oauth_codes").values(row).execute();
  },
  async byHash(db: Db, hash: string): Promise<CodeRow | undefined> {
    return db.selectFrom("oauth_codes").selectAll().where("code_hash", "=", hash).executeTakeFirst();
  },
  /** A user's newest authorization code for a client (consent given; exchanged or not), if any is kept. */
  async latestFor(db: Db, userId: string, clientId: string) {
    return db
      .selectFrom("oauth_codes")
      .select(["location_ids", "created_at"])
      .where("user_id", "=", userId)
      .where("client_id", "=", clientId)
      .orderBy("created_at", "desc")
      .limit(1)
      .executeTakeFirst();
  },
  /** Single use: only the first of any number of concurrent exchanges gets true. */
  async consume(db: Db, hash: string, now: number, grantId: string): Promise<boolean> {
    const r = await db
      .updateTable("oauth_codes")
      .set({ consumed_at: now, grant_id: grantId })
      .where("code_hash", "=", hash)
      .where("consumed_at", "is", null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  },
  /** Cleanup: delete up to `limit` codes (used or not) that expired before `before`. */
  async removeExpiredBefore(db: Db, before: number, limit: number): Promise<number> {
    const r = await db
      .deleteFrom("oauth_codes")
      .where(
        "code_hash",
        "in",
        db.selectFrom("oauth_codes").select("code_hash").where("expires_at", "<", before).limit(limit),
      )
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  },
  /** Codes live 60 s; keep consumed ones a day so replays can still be traced to their grant. */
  async removeOlderThan(db: Db, before: number): Promise<number> {
    const r = await db.deleteFrom("oauth_codes").where("created_at", "<", before).executeTakeFirst();
    return Number(r.numDeletedRows);
  },
};

export interface BucketHit {
  /** Whether this request fits the budget. */
  ok: boolean;
  /** Theoretical arrival time after this request (GCRA), epoch ms. */
  tat: number;
}

export const rateBuckets = {
  /**
   * GCRA in one atomic upsert, shared by every process on the database: the new theoretical arrival
   * time is max(tat, now) + interval; the request passes when that stays within `windowMs` of now.
   * A rejected request leaves tat alone. The same SQL runs on SQLite and PostgreSQL.
   */
  async hit(db: Db, key: string, now: number, intervalMs: number, windowMs: number): Promise<BucketHit> {
    const first = now + intervalMs;
    const base = sql`(case when rate_buckets.tat > cast(${now} as bigint) then rate_buckets.tat else cast(${now} as bigint) end)`;
    const fits = sql`(${base} + cast(${intervalMs} as bigint) - cast(${now} as bigint) <= cast(${windowMs} as bigint))`;
    const r = await sql<{ tat: number | string; ok: number }>`
      insert into rate_buckets (key, tat, ok) values (${key}, cast(${first} as bigint), 1)
      on conflict (key) do update set
        tat = case when ${fits} then ${base} + cast(${intervalMs} as bigint) else rate_buckets.tat end,
        ok = case when ${fits} then 1 else 0 end
      returning tat, ok`.execute(db);
    const row = r.rows[0];
    return { ok: Number(row?.ok) === 1, tat: Number(row?.tat) };
  },
  /**
   * Undo one admitted `hit` (its budget counts only failures, and this attempt turned out to succeed):
   * tat moves back by one interval, atomically. A tat left in the past behaves like a fresh bucket.
   */
  async giveBack(db: Db, key: string, intervalMs: number): Promise<void> {
    const back = sql`cast(${intervalMs} as bigint)`;
    await sql`update rate_buckets set tat = tat - ${back} where key = ${key}`.execute(db);
  },
  /**
   * GCRA reservation of up to `units` slots at once (a node's local share, see oauth/rate-limit.ts):
   * as many as fit within `windowMs` of now are granted and tat moves past them, in one atomic
   * upsert. Returns how many were granted (0 = none fit; tat is then unchanged) and the new tat.
   * `ok` keeps the number granted by the last call (1/0 for `hit`).
   */
  async take(
    db: Db,
    key: string,
    now: number,
    intervalMs: number,
    windowMs: number,
    units: number,
  ): Promise<{ granted: number; tat: number }> {
    const n = (v: number) => sql`cast(${Math.floor(v)} as bigint)`;
    const fresh = Math.max(0, Math.min(units, Math.floor(windowMs / intervalMs)));
    const base = sql`(case when rate_buckets.tat > ${n(now)} then rate_buckets.tat else ${n(now)} end)`;
    const room = sql`((${n(windowMs)} - (${base} - ${n(now)})) / ${n(intervalMs)})`;
    const granted = sql`(case when ${room} >= ${n(units)} then ${n(units)} when ${room} > 0 then ${room} else 0 end)`;
    const r = await sql<{ tat: number | string; ok: number | string }>`
      insert into rate_buckets (key, tat, ok) values (${key}, ${n(now + fresh * intervalMs)}, ${fresh})
      on conflict (key) do update set
        tat = ${base} + ${granted} * ${n(intervalMs)},
        ok = ${granted}
      returning tat, ok`.execute(db);
    const row = r.rows[0];
    return { granted: Number(row?.ok ?? 0), tat: Number(row?.tat) };
  },
  async removeIdle(db: Db, now: number): Promise<number> {
    const r = await db.deleteFrom("rate_buckets").where("tat", "<", now).executeTakeFirst();
    return Number(r.numDeletedRows);
  },
  /** Cleanup: up to `limit` drained buckets (tat in the past: a fresh bucket behaves the same). */
  async removeDrained(db: Db, now: number, limit: number): Promise<number> {
    const r = await db
      .deleteFrom("rate_buckets")
      .where("key", "in", db.selectFrom("rate_buckets").select("key").where("tat", "<", now).limit(limit))
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  },
};

export const signinAttempts = {
  async get(db: Db, keys: string[]) {
    if (keys.length === 0) return [];
    return db.selectFrom("signin_attempts").selectAll().where("key", "in", keys).execute();
  },
  /** Count one failure atomically and set the block computed from the new count. */
  async fail(db: Db, key: string, now: number, blockMs: (failures: number) => number): Promise<number> {
    const r = await sql<{ failures: number }>`
      insert into signin_attempts (key, failures, blocked_until, updated_at)
      values (${key}, 1, cast(${now} as bigint), cast(${now} as bigint))
      on conflict (key) do update set failures = signin_attempts.failures + 1, updated_at = excluded.updated_at
      returning failures`.execute(db);
    const failures = Number(r.rows[0]?.failures ?? 1);
    await db
      .updateTable("signin_attempts")
      .set({ blocked_until: now + blockMs(failures) })
      .where("key", "=", key)
      .execute();
    return failures;
  },
  /**
   * Take one attempt for `key` before the password is checked, in one statement (so concurrent
   * requests and other processes queue on the row): refused while a block runs; otherwise the count
   * grows and the block that the new count earns is set (none below `free`, then 1 s doubling, capped
   * at `maxMs`). Returns the block end when refused, 0 when granted.
   */
  async reserve(db: Db, key: string, now: number, free: number, maxMs: number): Promise<number> {
    const f = sql`(signin_attempts.failures + 1)`;
    // The doubling step from which 1 s · 2^n reaches the cap (bit shift: the same on both dialects).
    const cap = Math.max(0, Math.ceil(Math.log2(maxMs / 1000)));
    const r = await sql<{ failures: number }>`
      insert into signin_attempts (key, failures, blocked_until, updated_at)
      values (${key}, 1, cast(${free <= 1 ? now + 1000 : 0} as bigint), cast(${now} as bigint))
      on conflict (key) do update set
        failures = ${f},
        blocked_until = case
          when ${f} < ${free} then cast(0 as bigint)
          when ${f} - ${free} >= ${cap} then cast(${now + maxMs} as bigint)
          else cast(${now} as bigint) + 1000 * (1 << (${f} - ${free}))
        end,
        updated_at = excluded.updated_at
      where signin_attempts.blocked_until <= cast(${now} as bigint)
      returning failures`.execute(db);
    if (r.rows.length > 0) return 0;
    const row = await db
      .selectFrom("signin_attempts")
      .select("blocked_until")
      .where("key", "=", key)
      .executeTakeFirst();
    return Math.max(Number(row?.blocked_until ?? now), now + 1);
  },
  /** Give back an attempt that succeeded; a count back under `free` also lifts its block. */
  async refund(db: Db, key: string, free: number): Promise<void> {
    await sql`
      update signin_attempts set
        failures = case when failures > 0 then failures - 1 else 0 end,
        blocked_until = case when failures - 1 < ${free} then cast(0 as bigint) else blocked_until end
      where key = ${key}`.execute(db);
  },
  async clear(db: Db, key: string): Promise<void> {
    await db.deleteFrom("signin_attempts").where("key", "=", key).execute();
  },
  /** Cleanup: up to `limit` counters with no failure since `before` and no block still running. */
  async removeStale(db: Db, before: number, now: number, limit: number): Promise<number> {
    const r = await db
      .deleteFrom("signin_attempts")
      .where(
        "key",
        "in",
        db
          .selectFrom("signin_attempts")
          .select("key")
          .where("updated_at", "<", before)
          .where("blocked_until", "<=", now)
          .limit(limit),
      )
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  },
};
