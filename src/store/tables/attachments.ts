/** Inbound MMS parts, stored in the database so every node can serve them. */
export interface MessageAttachmentsTable {
  /** `att_…`: what signed media URLs name. */
  id: string;
  message_id: string;
  location_id: string;
  /** Position in the MMS, 0-based, in the order the phone listed the parts. */
  part_index: number;
  /** The phone's own part id (SMSGate `partId`), kept for support. */
  part_id: string | null;
  /** As the phone reported it (cleaned, lower case). Serving maps it through an allow-list. */
  content_type: string;
  file_name: string | null;
  /** Bytes stored; when nothing is stored, the size the phone reported (0 when unknown). */
  size: number;
  /** The content; null when not stored (`omitted` says why). */
  data: Buffer | null;
  /**
   * Why `data` is null: `too_large` (past MMS_MAX_BYTES), `not_sent` (the phone sent metadata
   * only), `invalid` (not base64), `too_many` (past the part limit), `expired` (MMS_RETENTION_DAYS).
   */
  omitted: string | null;
  created_at: number;
}

export interface AttachmentTables {
  message_attachments: MessageAttachmentsTable;
}
