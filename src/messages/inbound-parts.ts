import type { Insertable } from "kysely";
import { newId } from "../core/ids.js";
import type { MessageAttachmentsTable } from "../store/tables/attachments.js";
import { cleanText } from "./attachment-types.js";

/** One part of an inbound MMS as the transport decoded it. */
export interface InboundPart {
  /** The phone's own id for the part. */
  partId?: string;
  /** As the phone reported it. */
  contentType: string;
  name?: string;
  /** The decoded content; absent when there is none to store (`missing` says why). */
  data?: Buffer;
  /** The size the phone reported, kept when there is no content. */
  reportedSize?: number;
  /** Why `data` is absent: the phone sent metadata only, or its data was not valid base64. */
  missing?: "not_sent" | "invalid";
}

/** Parts recorded per message; more are counted in the note but not recorded at all. */
export const MAX_INBOUND_PARTS = 20;

/** Used when a caller has no media configuration (MMS_MAX_BYTES's default). */
export const DEFAULT_MAX_BYTES = 5 * 1024 * 1024;

type Omitted = "too_large" | "not_sent" | "invalid" | "too_many";

/**
 * Which parts of an inbound MMS are stored. Parts are taken in order while their content fits in
 * what is left of `maxBytes`; one that does not fit is recorded without content (a smaller part after
 * it may still fit), never refused: the message is stored whatever its parts are. `note` says what
 * was left out, for the message's `error` field; `storedIds` are the parts a reader can fetch.
 */
export function planParts(
  parts: InboundPart[],
  at: { messageId: string; locationId: string; maxBytes: number; now: number },
): { rows: Insertable<MessageAttachmentsTable>[]; storedIds: string[]; note: string | null } {
  const rows: Insertable<MessageAttachmentsTable>[] = [];
  const storedIds: string[] = [];
  const omitted = new Map<Omitted, number>();
  const skip = (why: Omitted) => omitted.set(why, (omitted.get(why) ?? 0) + 1);
  let budget = at.maxBytes;
  for (const [index, part] of parts.entries()) {
    if (index >= MAX_INBOUND_PARTS) {
      skip("too_many");
      continue;
    }
    const data = part.missing ? undefined : part.data;
    const why: Omitted | null =
      part.missing ?? (!data ? "not_sent" : data.length > budget ? "too_large" : null);
    const stored = why === null && data ? data : null;
    const id = newId("attachment", at.now);
    if (stored) {
      budget -= stored.length;
      storedIds.push(id);
    } else {
      skip(why ?? "not_sent");
    }
    rows.push({
      id,
      message_id: at.messageId,
      location_id: at.locationId,
      part_index: index,
      part_id: part.partId ? cleanText(part.partId, 64) : null,
      content_type: cleanText(part.contentType, 255) || "application/octet-stream",
      file_name: part.name ? cleanText(part.name, 255) || null : null,
      size: stored ? stored.length : clampSize(part.data?.length ?? part.reportedSize),
      data: stored,
      omitted: why,
      created_at: at.now,
    });
  }
  return { rows, storedIds, note: noteFor(omitted, parts.length, at.maxBytes) };
}

function clampSize(n: number | undefined): number {
  return typeof n === "number" && Number.isSafeInteger(n) && n > 0 ? n : 0;
}

function noteFor(omitted: Map<Omitted, number>, total: number, maxBytes: number): string | null {
  const count = [...omitted.values()].reduce((a, n) => a + n, 0);
  if (count === 0) return null;
  const reasons: Record<Omitted, string> = {
    too_large: `over the ${formatBytes(maxBytes)} limit (MMS_MAX_BYTES)`,
    not_sent: "not sent by the phone",
    invalid: "not valid base64",
    too_many: `past the first ${MAX_INBOUND_PARTS} parts`,
  };
  const list = [...omitted].map(([why, n]) => `${n} ${reasons[why]}`);
  return `${count} of ${total} attachments not stored: ${list.join(", ")}`;
}

function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${Number((n / (1024 * 1024)).toFixed(1))} MiB`;
  if (n >= 1024) return `${Number((n / 1024).toFixed(1))} KiB`;
  return `${n} bytes`;
}
