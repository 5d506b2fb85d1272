import type { Insertable, Selectable } from "kysely";
import type { OAuthClientsTable, OAuthGrantsTable, OAuthTokensTable } from "../tables/oauth.js";
import type { Db } from "../types.js";

export type ClientRow = Selectable<OAuthClientsTable>;
export type GrantRow = Selectable<OAuthGrantsTable>;
export type TokenRow = Selectable<OAuthTokensTable>;

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
};

export const grants = {
  async insert(db: Db, row: Insertable<OAuthGrantsTable>): Promise<void> {
    await db.insertInto("oauth_grants").values(row).execute();
  },
  async byId(db: Db, id: string): Promise<GrantRow | undefined> {
    return db.selectFrom("oauth_grants").selectAll().where("id", "=", id).executeTakeFirst();
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
   * The live access token with this hash, joined with its grant: one indexed lookup per API request.
   * Expired tokens and revoked grants do not match.
   */
  async liveAccess(db: Db, hash: string, now: number) {
    return db
      .selectFrom("oauth_tokens")
      .innerJoin("oauth_grants", "oauth_grants.id", "oauth_tokens.grant_id")
      .select([
        "oauth_grants.id as grant_id",
        "oauth_grants.client_id",
        "oauth_grants.user_id",
        "oauth_grants.scopes",
        "oauth_grants.location_ids",
        "oauth_tokens.expires_at",
      ])
      .where("oauth_tokens.token_hash", "=", hash)
      .where("oauth_tokens.kind", "=", "access")
      .where("oauth_tokens.expires_at", ">", now)
      .where("oauth_grants.revoked_at", "is", null)
      .executeTakeFirst();
  },
};
