import type { Ctx } from "../context.js";
import { AppError } from "../core/errors.js";
import { messages as repo } from "../store/repos/index.js";
import { attachmentLinker } from "./media.js";
import { type MessageHistoryItem, type MessageView, presentHistory, presentMessage } from "./presenters.js";

/**
 * One message with its status history, if it belongs to a location the caller may read. Another
 * tenant's message is the same 404 as a missing one, so ids cannot be probed.
 */
export async function getMessage({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { id: string; locationIds: string[] };
}): Promise<MessageView & { history: MessageHistoryItem[] }> {
  const m = await repo.messages.byId(ctx.db, input.id);
  if (!m || !input.locationIds.includes(m.location_id)) {
    throw new AppError("message_not_found", `No message ${input.id}`);
  }
  const events = await repo.events.forMessage(ctx.db, m.id);
  return { ...presentMessage(m, attachmentLinker(ctx)), history: presentHistory(events) };
}
