import { sql } from "kysely";
import type { AppMigration } from "./kit.js";

/**
 * Inbound MMS parts. The bytes live in the database (blob / bytea), not on a node's disk, so any
 * node behind the load balancer can serve a signed media URL. Every part the phone reported gets a
 * row, also the ones not stored (metadata only, `omitted` says why), so nothing it said is lost.
 */
export const m0011MessageAttachments: AppMigration = {
  name: "0011_message_attachments",
  async up(db, kit) {
    await db.schema
      .createTable("message_attachments")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("message_id", "text", (c) => c.notNull().references("messages.id").onDelete("cascade"))
      .addColumn("location_id", "text", (c) => c.notNull())
      .addColumn("part_index", "integer", (c) => c.notNull())
      .addColumn("part_id", "text")
      .addColumn("content_type", "text", (c) => c.notNull())
      .addColumn("file_name", "text")
      .addColumn("size", "bigint", (c) => c.notNull())
      .addColumn("data", kit.dialect === "postgres" ? "bytea" : "blob")
      .addColumn("omitted", "text")
      .addColumn("created_at", "bigint", (c) => c.notNull())
      .execute();
    // A message's parts in order (dashboard), and one row per part.
    await db.schema
      .createIndex("message_attachments_message")
      .on("message_attachments")
      .columns(["message_id", "part_index"])
      .unique()
      .execute();
    // Retention: the oldest parts still holding content; emptied rows leave the index.
    await db.schema
      .createIndex("message_attachments_retention")
      .on("message_attachments")
      .column("created_at")
      .where(sql.ref("data"), "is not", null)
      .execute();
  },
};
