import type { AppMigration } from "./kit.js";

/**
 * Messages in both directions, their status history, and idempotency records for POST /messages.
 * The columns device_id … dispatch_attempts are the phone layer's routing state (leases).
 */
export const m0007Messages: AppMigration = {
  name: "0007_messages",
  async up(db) {
    await db.schema
      .createTable("messages")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("location_id", "text", (c) => c.notNull().references("locations.id").onDelete("cascade"))
      .addColumn("client_id", "text")
      .addColumn("direction", "text", (c) => c.notNull())
      .addColumn("phone", "text", (c) => c.notNull())
      .addColumn("body", "text")
      .addColumn("attachments", "text", (c) => c.notNull().defaultTo("[]"))
      .addColumn("segments", "integer", (c) => c.notNull().defaultTo(1))
      .addColumn("encoding", "text", (c) => c.notNull().defaultTo("GSM-7"))
      .addColumn("status", "text", (c) => c.notNull())
      .addColumn("error", "text")
      .addColumn("device_id", "text")
      .addColumn("sim_number", "integer")
      .addColumn("lease_until", "bigint")
      .addColumn("dispatch_attempts", "integer", (c) => c.notNull().defaultTo(0))
      .addColumn("expires_at", "bigint")
      .addColumn("dedupe_key", "text")
      .addColumn("created_at", "bigint", (c) => c.notNull())
      .addColumn("updated_at", "bigint", (c) => c.notNull())
      .addColumn("sent_at", "bigint")
      .addColumn("delivered_at", "bigint")
      .addColumn("failed_at", "bigint")
      .execute();
    // Lists: a location's messages newest first, optionally by direction/status.
    await db.schema.createIndex("messages_location").on("messages").columns(["location_id", "id"]).execute();
    // The phone queue: queued outbound per location.
    await db.schema
      .createIndex("messages_queue")
      .on("messages")
      .columns(["status", "location_id", "id"])
      .execute();
    // Inbound de-duplication: one row per (location, phone event key).
    await db.schema
      .createIndex("messages_dedupe")
      .on("messages")
      .columns(["location_id", "dedupe_key"])
      .unique()
      .execute();
    await db.schema
      .createTable("message_events")
      .addColumn("message_id", "text", (c) => c.notNull().references("messages.id").onDelete("cascade"))
      .addColumn("seq", "integer", (c) => c.notNull())
      .addColumn("status", "text", (c) => c.notNull())
      .addColumn("error", "text")
      .addColumn("source", "text", (c) => c.notNull())
      .addColumn("device_id", "text")
      .addColumn("at", "bigint", (c) => c.notNull())
      .addPrimaryKeyConstraint("message_events_pk", ["message_id", "seq"])
      .execute();
    await db.schema
      .createTable("idempotency_keys")
      .addColumn("client_id", "text", (c) => c.notNull())
      .addColumn("key", "text", (c) => c.notNull())
      .addColumn("request_hash", "text", (c) => c.notNull())
      // null while the first request is in flight (only visible inside its own transaction on
      // commit-at-once paths; kept for paths that answer before the outcome is final).
      .addColumn("status_code", "integer")
      .addColumn("response", "text")
      .addColumn("message_id", "text")
      .addColumn("created_at", "bigint", (c) => c.notNull())
      .addColumn("expires_at", "bigint", (c) => c.notNull())
      .addPrimaryKeyConstraint("idempotency_keys_pk", ["client_id", "key"])
      .execute();
    await db.schema.createIndex("idempotency_expiry").on("idempotency_keys").column("expires_at").execute();
  },
};
