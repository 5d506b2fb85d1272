import { sql } from "kysely";
import type { AppMigration } from "./kit.js";

/**
 * Idempotency keys scoped per client AND connection (grant): the key of `idempotency_keys` becomes
 * (client_id, grant_id, key), so one tenant of a shared OAuth client (one Make app serves every Make
 * customer) can neither block another's key nor learn that it was used.
 *
 * Records written before this step keep working: each is copied to every live grant of its client
 * that reaches the message's location. Only such a grant could replay it (the stored request hash
 * contains the location), so a retry across the upgrade still gets the first answer, never a second
 * SMS. The table is rebuilt because SQLite cannot change a primary key in place.
 */
export const m0015IdempotencyPerConnection: AppMigration = {
  name: "0015_idempotency_per_connection",
  async up(db, kit) {
    await db.schema
      .createTable("idempotency_keys_next")
      .addColumn("client_id", "text", (c) => c.notNull())
      .addColumn("grant_id", "text", (c) => c.notNull().defaultTo(""))
      .addColumn("key", "text", (c) => c.notNull())
      .addColumn("request_hash", "text", (c) => c.notNull())
      .addColumn("status_code", "integer")
      .addColumn("response", "text")
      .addColumn("message_id", "text")
      .addColumn("created_at", "bigint", (c) => c.notNull())
      .addColumn("expires_at", "bigint", (c) => c.notNull())
      .addPrimaryKeyConstraint("idempotency_keys_scope_pk", ["client_id", "grant_id", "key"])
      .execute();
    // grants.location_ids is a JSON array of ids: `["loc_a","loc_b"]`.
    const quoted = sql`'"' || m.location_id || '"'`;
    const reaches =
      kit.dialect === "postgres"
        ? sql`strpos(g.location_ids, ${quoted}) > 0`
        : sql`instr(g.location_ids, ${quoted}) > 0`;
    await sql`
      insert into idempotency_keys_next
        (client_id, grant_id, key, request_hash, status_code, response, message_id, created_at, expires_at)
      select k.client_id, g.id, k.key, k.request_hash, k.status_code, k.response, k.message_id,
             k.created_at, k.expires_at
      from idempotency_keys k
      join messages m on m.id = k.message_id
      join oauth_grants g on g.client_id = k.client_id and g.revoked_at is null and ${reaches}`.execute(db);
    await db.schema.dropTable("idempotency_keys").execute();
    await db.schema.alterTable("idempotency_keys_next").renameTo("idempotency_keys").execute();
    await db.schema.createIndex("idempotency_expiry").on("idempotency_keys").column("expires_at").execute();
  },
};
