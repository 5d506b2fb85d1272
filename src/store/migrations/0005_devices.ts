import type { AppMigration } from "./kit.js";

export const m0005Devices: AppMigration = {
  name: "0005_devices",
  async up(db) {
    await db.schema
      .createTable("devices")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("location_id", "text", (c) => c.notNull().references("locations.id").onDelete("cascade"))
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("token_hash", "text", (c) => c.notNull().unique())
      .addColumn("push_token", "text")
      .addColumn("sim_cards", "text", (c) => c.notNull().defaultTo("[]"))
      .addColumn("signing_key", "text", (c) => c.notNull())
      .addColumn("limit_per_minute", "integer")
      .addColumn("limit_per_hour", "integer")
      .addColumn("limit_per_day", "integer")
      .addColumn("send_interval_min", "integer")
      .addColumn("send_interval_max", "integer")
      .addColumn("created_at", "bigint", (c) => c.notNull())
      .addColumn("updated_at", "bigint", (c) => c.notNull())
      .addColumn("last_seen_at", "bigint")
      .execute();
    await db.schema.createIndex("devices_location").on("devices").columns(["location_id", "id"]).execute();
    await db.schema
      .createTable("device_pairings")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("location_id", "text", (c) => c.notNull().references("locations.id").onDelete("cascade"))
      .addColumn("token_hash", "text", (c) => c.notNull().unique())
      .addColumn("code_hash", "text", (c) => c.notNull().unique())
      .addColumn("created_by", "text")
      .addColumn("created_at", "bigint", (c) => c.notNull())
      .addColumn("expires_at", "bigint", (c) => c.notNull())
      .addColumn("used_at", "bigint")
      .addColumn("device_id", "text")
      .execute();
    await db.schema
      .createTable("device_threads")
      .addColumn("location_id", "text", (c) => c.notNull().references("locations.id").onDelete("cascade"))
      .addColumn("phone", "text", (c) => c.notNull())
      .addColumn("device_id", "text", (c) => c.notNull())
      .addColumn("sim_number", "integer", (c) => c.notNull())
      .addColumn("updated_at", "bigint", (c) => c.notNull())
      .addPrimaryKeyConstraint("device_threads_pk", ["location_id", "phone"])
      .execute();
    await db.schema
      .createTable("device_sends")
      .addColumn("message_id", "text", (c) => c.primaryKey())
      .addColumn("device_id", "text", (c) => c.notNull())
      .addColumn("sim_number", "integer", (c) => c.notNull())
      .addColumn("at", "bigint", (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex("device_sends_pacing")
      .on("device_sends")
      .columns(["device_id", "sim_number", "at"])
      .execute();
    await db.schema
      .createTable("device_events")
      .addColumn("device_id", "text", (c) => c.notNull())
      .addColumn("event_id", "text", (c) => c.notNull())
      .addColumn("event", "text", (c) => c.notNull())
      .addColumn("received_at", "bigint", (c) => c.notNull())
      .addPrimaryKeyConstraint("device_events_pk", ["device_id", "event_id"])
      .execute();
    await db.schema.createIndex("device_events_received").on("device_events").column("received_at").execute();
  },
};
