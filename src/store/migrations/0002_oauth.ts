import type { AppMigration } from "./kit.js";

export const m0002OAuth: AppMigration = {
  name: "0002_oauth",
  async up(db) {
    await db.schema
      .createTable("oauth_clients")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("secret_hash", "text", (c) => c.notNull())
      .addColumn("previous_secret_hash", "text")
      .addColumn("redirect_uris", "text", (c) => c.notNull())
      .addColumn("allowed_scopes", "text", (c) => c.notNull())
      .addColumn("require_pkce", "integer", (c) => c.notNull().defaultTo(0))
      .addColumn("created_by", "text")
      .addColumn("created_at", "bigint", (c) => c.notNull())
      .addColumn("updated_at", "bigint", (c) => c.notNull())
      .addColumn("disabled_at", "bigint")
      .execute();
    await db.schema
      .createTable("oauth_grants")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("client_id", "text", (c) => c.notNull().references("oauth_clients.id").onDelete("cascade"))
      .addColumn("user_id", "text", (c) => c.notNull().references("users.id").onDelete("cascade"))
      .addColumn("scopes", "text", (c) => c.notNull())
      .addColumn("location_ids", "text", (c) => c.notNull())
      .addColumn("created_at", "bigint", (c) => c.notNull())
      .addColumn("last_used_at", "bigint")
      .addColumn("revoked_at", "bigint")
      .addColumn("revoked_reason", "text")
      .execute();
    await db.schema
      .createIndex("oauth_grants_user")
      .on("oauth_grants")
      .columns(["user_id", "client_id"])
      .execute();
    await db.schema
      .createTable("oauth_tokens")
      .addColumn("token_hash", "text", (c) => c.primaryKey())
      .addColumn("grant_id", "text", (c) => c.notNull().references("oauth_grants.id").onDelete("cascade"))
      .addColumn("kind", "text", (c) => c.notNull())
      .addColumn("created_at", "bigint", (c) => c.notNull())
      .addColumn("expires_at", "bigint", (c) => c.notNull())
      .addColumn("consumed_at", "bigint")
      .addColumn("successor_hash", "text")
      .execute();
    await db.schema.createIndex("oauth_tokens_grant").on("oauth_tokens").column("grant_id").execute();
  },
};
