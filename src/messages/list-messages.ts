import type { Ctx } from "../context.js";
import { AppError } from "../core/errors.js";
import { isId } from "../core/ids.js";
import { messages as repo } from "../store/repos/index.js";
import { attachmentLinker } from "./media.js";
import { type MessageView, presentMessage } from "./presenters.js";

export const STATUSES = [
  "queued",
  "dispatched",
  "sent",
  "delivered",
  "failed",
  "expired",
  "received",
] as const;

export interface ListInput {
  /** Locations the caller may read (the grant's); `locationId` narrows to one of them. */
  locationIds: string[];
  locationId?: string;
  direction?: "outbound" | "inbound";
  status?: string;
  /** ISO 8601 time or epoch milliseconds: messages created at or after it. */
  since?: string;
  cursor?: string;
  limit?: number;
}

export interface MessagePage {
  data: MessageView[];
  /** Pass as `cursor` for the next (older) page; null on the last page. */
  next_cursor: string | null;
  has_more: boolean;
}

/**
 * Messages of both directions, newest first. The cursor is the last id of the page: ids are
 * time-sortable, so paging is a range scan on (location, id) however many messages are stored,
 * and messages arriving meanwhile never shift a page.
 */
export async function listMessages({ ctx, input }: { ctx: Ctx; input: ListInput }): Promise<MessagePage> {
  const limit = input.limit ?? 50;
  if (!Number.isInteger(limit) || limit < 1 || limit > 200) {
    throw new AppError("validation_failed", "limit must be an integer from 1 to 200", {
      details: { field: "limit" },
    });
  }
  if (input.status && !(STATUSES as readonly string[]).includes(input.status)) {
    throw new AppError("validation_failed", `status must be one of ${STATUSES.join(", ")}`, {
      details: { field: "status" },
    });
  }
  if (input.cursor && !isId("message", input.cursor)) {
    throw new AppError("validation_failed", "cursor is not one this API returned", {
      details: { field: "cursor" },
    });
  }
  let locationIds = input.locationIds;
  if (input.locationId) {
    if (!locationIds.includes(input.locationId)) {
      throw new AppError(
        "location_not_found",
        "The specified location does not exist or you don't have access to it",
      );
    }
    locationIds = [input.locationId];
  }
  const rows = await repo.messages.list(ctx.db, {
    locationIds,
    ...(input.direction ? { direction: input.direction } : {}),
    ...(input.status ? { status: input.status } : {}),
    ...(input.since !== undefined ? { since: parseSince(input.since) } : {}),
    ...(input.cursor ? { before: input.cursor } : {}),
    limit: limit + 1,
  });
  const hasMore = rows.length > limit;
  const page = rows.slice(0, limit);
  const link = attachmentLinker(ctx);
  return {
    data: page.map((m) => presentMessage(m, link)),
    next_cursor: hasMore ? (page[page.length - 1]?.id ?? null) : null,
    has_more: hasMore,
  };
}

/** The largest time a Date can hold, in epoch ms (ECMA-262 §21.4.1.1). */
const MAX_TIME_MS = 8.64e15;

function parseSince(since: string): number {
  const ms = /^\d+$/.test(since) ? Number(since) : Date.parse(since);
  // Bounded: epoch ms past the Date range (or past bigint, 20 digits) are not a time (finding L1).
  if (!Number.isSafeInteger(ms) || Math.abs(ms) > MAX_TIME_MS) {
    throw new AppError("validation_failed", "since must be an ISO 8601 time or epoch milliseconds", {
      details: { field: "since" },
    });
  }
  return ms;
}
