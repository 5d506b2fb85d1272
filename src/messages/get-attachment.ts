import type { Ctx } from "../context.js";
import { AppError } from "../core/errors.js";
import { attachments as repo } from "../store/repos/index.js";
import { servedAs } from "./attachment-types.js";
import { verifyMediaUrl } from "./media.js";

export interface ServedAttachment {
  data: Buffer;
  /** From the allow-list: the stored type when it is a safe one, application/octet-stream otherwise. */
  contentType: string;
  /** `inline` for allowed types, `attachment` (a download) for everything else; with the file name. */
  disposition: string;
  /** How long a cache may keep it: an hour at most, and never past the link's expiry. */
  maxAgeSeconds: number;
}

/**
 * One stored MMS part, for a signed media URL. A tampered, expired or unknown link, and a part whose
 * content is gone (retention) or was never stored, are all the same 404: the answer never tells a
 * prober which check failed or whether an attachment id exists.
 */
export async function getAttachment({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { id: string; exp: string | undefined; sig: string | undefined };
}): Promise<ServedAttachment> {
  const gone = () => new AppError("not_found", "This media link is invalid or has expired");
  const now = ctx.clock.now();
  if (!ctx.media || !verifyMediaUrl(ctx.media, input, now)) throw gone();
  const part = await repo.attachments.content(ctx.db, input.id);
  if (!part) throw gone();
  const maxAgeSeconds = Math.max(0, Math.min(3600, Math.floor(Number(input.exp) - now / 1000)));
  return { data: part.data, ...servedAs(part.content_type, part.file_name, input.id), maxAgeSeconds };
}
