import type { Ctx } from "../context.js";
import { attachments as repo } from "../store/repos/index.js";
import { type AttachmentKind, attachmentKind } from "./attachment-types.js";
import { signedMediaPath } from "./media.js";

/** An inbound MMS part as the dashboard shows it. */
export interface AttachmentView {
  id: string;
  /** Signed, relative to the main host; null when the content is not stored. */
  path: string | null;
  contentType: string;
  kind: AttachmentKind;
  name: string | null;
  size: number;
  /** Why there is no content: `too_large`, `not_sent`, `invalid`, `too_many` or `expired`. */
  omitted: string | null;
}

/**
 * Every part of an inbound message of one of `locationIds`, in order, also those not stored. The
 * caller has already shown the message is theirs; the location check keeps this verb safe alone.
 */
export async function listAttachments({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { messageId: string; locationIds: string[] };
}): Promise<AttachmentView[]> {
  const rows = await repo.attachments.forMessage(ctx.db, input.messageId);
  const now = ctx.clock.now();
  const media = ctx.media;
  return rows
    .filter((r) => input.locationIds.includes(r.location_id))
    .map((r) => ({
      id: r.id,
      path: r.omitted === null && media ? signedMediaPath(media, r.id, now) : null,
      contentType: r.content_type,
      kind: attachmentKind(r.content_type),
      name: r.file_name,
      size: r.size,
      omitted: r.omitted,
    }));
}
