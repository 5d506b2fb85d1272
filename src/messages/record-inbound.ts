import { inTransaction, type Ctx } from "../context.js";
import { AppError } from "../core/errors.js";
import { newId } from "../core/ids.js";
import { attachments as attachmentRepo, messages as repo } from "../store/repos/index.js";
import type { MessageRow } from "../store/repos/messages.js";
import { emitEvent } from "../webhooks/index.js";
import { segmentInfo } from "./encoding.js";
import { DEFAULT_MAX_BYTES, type InboundPart, planParts } from "./inbound-parts.js";
import { attachmentLinker } from "./media.js";
import { type MessageView, newMessagePayload, presentMessage } from "./presenters.js";
import { MAX_ATTACHMENTS, normaliseSender } from "./validate.js";

/** Longest inbound text and sender stored; past them the SMS is kept, truncated and flagged (finding I1). */
export const MAX_INBOUND_BODY = 10_000;
export const MAX_INBOUND_SENDER = 64;

/** `value` cut to `max` UTF-16 units without splitting a surrogate pair, and a note when it was cut. */
function capped(value: string, max: number, what: string): { value: string; note: string | null } {
  if (value.length <= max) return { value, note: null };
  const end = /[\uD800-\uDBFF]/.test(value.charAt(max - 1)) ? max - 1 : max;
  return { value: value.slice(0, end), note: `${what} truncated from ${value.length} characters` };
}

export interface InboundInput {
  locationId: string;
  /** The sender as the phone reports it. */
  phone: string;
  body: string;
  attachments?: string[];
  /**
   * Inbound MMS parts: stored in the same transaction as the message (so a 2xx to the phone means
   * they are durable), within `ctx.media.maxBytes`; parts past it are left out and noted in `error`.
   */
  parts?: InboundPart[];
  /** When the phone received it, epoch ms. */
  receivedAt: number;
  /** The phone's id for this SMS: a re-delivered event with the same key is stored once. */
  dedupeKey: string;
  deviceId?: string;
  simNumber?: number;
}

/**
 * Store an inbound SMS/MMS and, in the same transaction, one webhook delivery per matching
 * `new_message` subscription (transactional outbox): once this commits, every subscriber will get
 * it, whatever crashes next. A duplicate (same location and dedupe key) changes nothing and queues
 * nothing; it answers with the message stored the first time.
 */
export async function recordInbound({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: InboundInput;
}): Promise<{ message: MessageView; duplicate: boolean; deliveries: number }> {
  if (!input.dedupeKey) throw new AppError("invalid_request", "dedupeKey is required");
  const urls = (input.attachments ?? []).slice(0, MAX_ATTACHMENTS);
  return inTransaction(ctx, async (tx) => {
    const now = tx.clock.now();
    const id = newId("message", now);
    const parts = planParts(input.parts ?? [], {
      messageId: id,
      locationId: input.locationId,
      maxBytes: ctx.media?.maxBytes ?? DEFAULT_MAX_BYTES,
      now,
    });
    const link = attachmentLinker(tx);
    // PostgreSQL text cannot hold U+0000; the SMS is kept without it (finding L1).
    const body = capped(input.body.replaceAll("\u0000", ""), MAX_INBOUND_BODY, "text");
    const sender = capped(
      normaliseSender(input.phone.replaceAll("\u0000", "")),
      MAX_INBOUND_SENDER,
      "sender",
    );
    const info = segmentInfo(body.value);
    const createdAt = Number.isFinite(input.receivedAt) && input.receivedAt > 0 ? input.receivedAt : now;
    const row: MessageRow = {
      id,
      location_id: input.locationId,
      client_id: null,
      direction: "inbound",
      phone: sender.value,
      body: body.value,
      // Stored parts by id: presenters turn them into signed URLs when they are read.
      attachments: JSON.stringify([...urls, ...parts.storedIds]),
      segments: Math.max(info.segments, 1),
      encoding: info.encoding,
      status: "received",
      error: [body.note, sender.note, parts.note].filter(Boolean).join("; ") || null,
      device_id: input.deviceId ?? null,
      sim_number: input.simNumber ?? null,
      dispatch_attempts: 0,
      lease_until: null,
      expires_at: null,
      dedupe_key: input.dedupeKey,
      created_at: createdAt,
      updated_at: now,
      sent_at: null,
      delivered_at: null,
      failed_at: null,
    };
    if (!(await repo.messages.insertUnlessDuplicate(tx.db, row))) {
      const first = await repo.messages.byDedupeKey(tx.db, input.locationId, input.dedupeKey);
      if (!first) throw new Error("inbound duplicate vanished inside its transaction");
      return { message: presentMessage(first, link), duplicate: true, deliveries: 0 };
    }
    await attachmentRepo.attachments.insertMany(tx.db, parts.rows);
    await repo.events.first(tx.db, {
      message_id: id,
      status: "received",
      error: null,
      source: "phone",
      device_id: input.deviceId ?? null,
      at: createdAt,
    });
    const deliveries = await emitEvent({
      ctx: tx,
      input: { locationId: input.locationId, event: "new_message", payload: newMessagePayload(row, link) },
    });
    return { message: presentMessage(row, link), duplicate: false, deliveries };
  });
}
