import type { Insertable, Selectable } from "kysely";
import type { MessageAttachmentsTable } from "../tables/attachments.js";
import type { Db } from "../types.js";

export type AttachmentRow = Selectable<MessageAttachmentsTable>;
/** A part without its content: what lists and pages need. */
export type AttachmentMeta = Omit<AttachmentRow, "data">;

const META = [
  "id",
  "message_id",
  "location_id",
  "part_index",
  "part_id",
  "content_type",
  "file_name",
  "size",
  "omitted",
  "created_at",
] as const;

export const attachments = {
  async insertMany(db: Db, rows: Insertable<MessageAttachmentsTable>[]): Promise<void> {
    // One statement per part: a multi-row INSERT would put every part's bytes in one bind list.
    for (const row of rows) await db.insertInto("message_attachments").values(row).execute();
  },
  /** The content of one stored part, or undefined when unknown or not (or no longer) stored. */
  async content(
    db: Db,
    id: string,
  ): Promise<{ content_type: string; file_name: string | null; data: Buffer } | undefined> {
    const row = await db
      .selectFrom("message_attachments")
      .select(["content_type", "file_name", "data"])
      .where("id", "=", id)
      .where("data", "is not", null)
      .executeTakeFirst();
    return row?.data
      ? { content_type: row.content_type, file_name: row.file_name, data: row.data }
      : undefined;
  },
  /** Every part of a message, in order, without the content. */
  async forMessage(db: Db, messageId: string): Promise<AttachmentMeta[]> {
    return db
      .selectFrom("message_attachments")
      .select(META)
      .where("message_id", "=", messageId)
      .orderBy("part_index")
      .execute();
  },
  /**
   * Retention: empty up to `limit` of the oldest parts that arrived before `before` (the content goes,
   * the metadata stays with `omitted = 'expired'`), and take them off their messages' attachment
   * lists so nothing presents a URL that can only fail. Returns how many parts were emptied.
   */
  async expireBefore(db: Db, before: number, limit: number): Promise<number> {
    const due = await db
      .selectFrom("message_attachments")
      .select(["id", "message_id"])
      .where("data", "is not", null)
      .where("created_at", "<", before)
      .orderBy("created_at")
      .limit(limit)
      .execute();
    if (due.length === 0) return 0;
    await db
      .updateTable("message_attachments")
      .set({ data: null, omitted: "expired" })
      .where(
        "id",
        "in",
        due.map((d) => d.id),
      )
      .execute();
    // All parts of a message arrive together, so they expire together: the list is emptied whole.
    await db
      .updateTable("messages")
      .set({ attachments: "[]" })
      .where("id", "in", [...new Set(due.map((d) => d.message_id))])
      .where("direction", "=", "inbound")
      .execute();
    return due.length;
  },
};
