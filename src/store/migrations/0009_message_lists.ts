import { sql } from "kysely";
import type { AppMigration } from "./kit.js";

/**
 * Message lists filtered by status or direction stay a range scan however rare the combination:
 * without these, a location's few `failed` messages among a million were found by walking the whole
 * primary key backwards. On PostgreSQL, statistics on the correlated columns keep the planner from
 * multiplying their selectivities (a location's statuses are not independent of the location).
 */
export const m0009MessageLists: AppMigration = {
  name: "0009_message_lists",
  async up(db, kit) {
    await db.schema
      .createIndex("messages_location_status")
      .on("messages")
      .columns(["location_id", "status", "id"])
      .execute();
    await db.schema
      .createIndex("messages_location_direction")
      .on("messages")
      .columns(["location_id", "direction", "id"])
      .execute();
    if (kit.dialect === "postgres") {
      await sql`create statistics if not exists messages_location_stats (dependencies, mcv) on location_id, status, direction from messages`.execute(
        db,
      );
    }
  },
};
