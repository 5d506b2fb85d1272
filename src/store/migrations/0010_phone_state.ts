import { sql } from "kysely";
import type { AppMigration } from "./kit.js";

/**
 * What the server must know to drive the stock SMSGate app as it really behaves: when the phone last
 * registered and last fetched its settings and webhooks (a phone that registered after its own
 * start-up workers ran has fetched neither and must be told to), an inbox export it is owed, the
 * presence last announced to subscribers, and its last health report (`system:ping`).
 */
export const m0010PhoneState: AppMigration = {
  name: "0010_phone_state",
  async up(db) {
    await db.schema.alterTable("devices").addColumn("registered_at", "bigint").execute();
    await sql`update devices set registered_at = created_at`.execute(db);
    await db.schema.alterTable("devices").addColumn("settings_fetched_at", "bigint").execute();
    await db.schema.alterTable("devices").addColumn("webhooks_fetched_at", "bigint").execute();
    await db.schema.alterTable("devices").addColumn("export_since", "bigint").execute();
    await db.schema
      .alterTable("devices")
      .addColumn("presence", "text", (c) => c.notNull().defaultTo("unknown"))
      .execute();
    await db.schema.alterTable("devices").addColumn("presence_at", "bigint").execute();
    await db.schema.alterTable("devices").addColumn("app_version", "text").execute();
    await db.schema.alterTable("devices").addColumn("health", "text").execute();
    await db.schema.alterTable("devices").addColumn("health_at", "bigint").execute();
    await db.schema
      .createIndex("devices_presence")
      .on("devices")
      .columns(["presence", "last_seen_at"])
      .execute();
  },
};
