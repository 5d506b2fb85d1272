import type { AppMigration } from "./kit.js";

/**
 * Authorization codes, the sealed successor pair of a rotated refresh token (retry grace), the
 * shared rate-limit buckets (GCRA, one row per key) and sign-in attempt counters (backoff).
 */
export const m0006OAuthCodes: AppMigration = {
  name: "0006_oauth_codes",
  async up(db) {
    await db.schema
      .createTable("oauth_codes")
      .addColumn("code_hash", "text", (c) => c.primaryKey())
      .addColumn("client_id", "text", (c) => c.notNull().references("oauth_clients.id").onDelete("cascade"))
      .addColumn("user_id", "text", (c) => c.notNull().references("users.id").onDelete("cascade"))
      .addColumn("redirect_uri", "text", (c) => c.notNull())
      .addColumn("scopes", "text", (c) => c.notNull())
      .addColumn("location_ids", "text", (c) => c.notNull())
      .addColumn("code_challenge", "text")
      .addColumn("created_at", "bigint", (c) => c.notNull())
      .addColumn("expires_at", "bigint", (c) => c.notNull())
      .addColumn("consumed_at", "bigint")
      .addColumn("grant_id", "text")
      .execute();
    // The successor pair of a consumed refresh token, AES-GCM sealed under the instance secret, so a
    // retry within the grace period gets the same pair without any token stored in plaintext.
    await db.schema.alterTable("oauth_tokens").addColumn("successor_sealed", "text").execute();
    await db.schema
      .createTable("rate_buckets")
      .addColumn("key", "text", (c) => c.primaryKey())
      .addColumn("tat", "bigint", (c) => c.notNull())
      .addColumn("ok", "integer", (c) => c.notNull())
      .execute();
    await db.schema
      .createTable("signin_attempts")
      .addColumn("key", "text", (c) => c.primaryKey())
      .addColumn("failures", "integer", (c) => c.notNull())
      .addColumn("blocked_until", "bigint", (c) => c.notNull())
      .addColumn("updated_at", "bigint", (c) => c.notNull())
      .execute();
  },
};
