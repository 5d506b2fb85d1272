import type { Ctx } from "../context.js";
import { sha256Hex } from "../core/crypto.js";
import { AppError } from "../core/errors.js";
import { newId } from "../core/ids.js";
import { messages as repo } from "../store/repos/index.js";
import type { MessageRow } from "../store/repos/messages.js";
import { segmentInfo } from "./encoding.js";
import { insertBatched } from "./send-batcher.js";
import { type MessageView, presentMessage } from "./presenters.js";
import { requireAttachments, requireBody, requireE164 } from "./validate.js";
import { wakePhones } from "./wake-phones.js";

/** How long a client's Idempotency-Key is remembered (Stripe keeps them 24 hours too). */
export const IDEMPOTENCY_TTL_MS = 24 * 3600_000;

export interface SendInput {
  locationId: string;
  phone: string;
  message?: string;
  attachments?: string[];
  /** The OAuth client sending; idempotency keys are scoped to it. Null for dashboard sends. */
  clientId: string | null;
  idempotencyKey?: string;
  source?: "api" | "dashboard";
}

export interface SendResult {
  message: MessageView;
  /** True when this answer is the stored answer to an earlier request with the same key. */
  replayed: boolean;
}

// Keys whose first request is still being committed on this node: a concurrent twin gets 409 at
// once. Across nodes the twin waits on the key's row lock and then replays the committed answer.
const inFlight = new Set<string>();

/**
 * Accept an outbound SMS/MMS: validate, store it `queued` with its first history entry (the phone
 * queue reads queued rows, so the dispatch work is written in the same transaction), and record the
 * answer under the Idempotency-Key. Concurrent sends share one durable commit instead of one fsync
 * each: without a key, through the send batcher (multi-row inserts); with one, through group commit
 * (a savepoint per send, since each must check its key). Resolves only after the commit.
 */
export async function sendMessage({ ctx, input }: { ctx: Ctx; input: SendInput }): Promise<SendResult> {
  const phone = requireE164(input.phone);
  const attachments = requireAttachments(input.attachments);
  const body = requireBody(input.message, attachments);
  const info = segmentInfo(body ?? "");
  const key = input.clientId && input.idempotencyKey ? input.idempotencyKey : undefined;
  const requestHash = key
    ? sha256Hex(
        JSON.stringify([input.locationId, input.phone, input.message ?? null, input.attachments ?? []]),
      )
    : "";
  const slot = key ? `${input.clientId}\u0000${key}` : undefined;
  if (slot && inFlight.has(slot)) {
    throw new AppError("idempotency_in_flight", "A request with this Idempotency-Key is still in progress", {
      retryAfter: 1,
    });
  }
  const segments = Math.max(info.segments, attachments.length > 0 ? 1 : 0);
  if (!key) {
    // No key to check: the batched multi-row insert (one commit shared by concurrent sends).
    const now = ctx.clock.now();
    const id = newId("message", now);
    const row = newRow(input, { id, now, phone, body, attachments, segments, encoding: info.encoding });
    try {
      await insertBatched(ctx.store, row, firstEvent(id, input, now));
    } catch (e) {
      throw locationGone(e) ?? e;
    }
    wakePhones(ctx.store, input.locationId);
    return { message: presentMessage(row), replayed: false };
  }
  if (slot) inFlight.add(slot);
  try {
    const result = await ctx.store.batch(
      async (tx): Promise<{ replay: MessageView } | { view: MessageView }> => {
        const now = ctx.clock.now();
        const clientId = input.clientId ?? "";
        if (key) {
          await repo.idempotency.removeExpired(tx, clientId, key, now);
          const claimed = await repo.idempotency.claim(tx, {
            client_id: clientId,
            key,
            request_hash: requestHash,
            status_code: null,
            response: null,
            message_id: null,
            created_at: now,
            expires_at: now + IDEMPOTENCY_TTL_MS,
          });
          if (!claimed) return { replay: await replayOf(ctx, tx, clientId, key, requestHash, now) };
        }
        const id = newId("message", now);
        const row = newRow(input, { id, now, phone, body, attachments, segments, encoding: info.encoding });
        await repo.messages.insert(tx, row);
        await repo.events.first(tx, {
          message_id: id,
          status: "queued",
          error: null,
          source: input.source ?? "api",
          device_id: null,
          at: now,
        });
        const view = presentMessage(row);
        if (key) {
          await repo.idempotency.complete(tx, clientId, key, {
            statusCode: 200,
            response: JSON.stringify(view),
            messageId: id,
          });
        }
        return { view };
      },
    );
    if ("replay" in result) return { message: result.replay, replayed: true };
    wakePhones(ctx.store, input.locationId);
    return { message: result.view, replayed: false };
  } catch (e) {
    throw locationGone(e) ?? e;
  } finally {
    if (slot) inFlight.delete(slot);
  }
}

async function replayOf(
  ctx: Ctx,
  tx: Ctx["db"],
  clientId: string,
  key: string,
  requestHash: string,
  now: number,
): Promise<MessageView> {
  const prior = await repo.idempotency.get(tx, clientId, key, now);
  if (!prior || prior.response === null) {
    throw new AppError("idempotency_in_flight", "A request with this Idempotency-Key is still in progress", {
      retryAfter: 1,
    });
  }
  if (prior.request_hash !== requestHash) {
    throw new AppError(
      "idempotency_key_reused",
      "This Idempotency-Key was used with a different request body; use a new key for a new message",
    );
  }
  ctx.log.debug({ messageId: prior.message_id }, "idempotent replay");
  return JSON.parse(prior.response) as MessageView;
}

function firstEvent(id: string, input: SendInput, now: number) {
  return {
    message_id: id,
    status: "queued",
    error: null,
    source: input.source ?? "api",
    device_id: null,
    at: now,
  };
}

/** A location deleted between the access check and the insert (foreign key) reads as not found. */
function locationGone(e: unknown): AppError | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  if (code === "SQLITE_CONSTRAINT_FOREIGNKEY" || code === "23503") {
    return new AppError(
      "location_not_found",
      "The specified location does not exist or you don't have access to it",
    );
  }
  return undefined;
}

function newRow(
  input: SendInput,
  v: {
    id: string;
    now: number;
    phone: string;
    body: string | null;
    attachments: string[];
    segments: number;
    encoding: string;
  },
): MessageRow {
  const { id, now, phone, body, attachments, segments, encoding } = v;
  return {
    id,
    location_id: input.locationId,
    client_id: input.clientId,
    direction: "outbound",
    phone,
    body,
    attachments: JSON.stringify(attachments),
    segments,
    encoding,
    status: "queued",
    error: null,
    device_id: null,
    sim_number: null,
    lease_until: null,
    dispatch_attempts: 0,
    expires_at: null,
    dedupe_key: null,
    created_at: now,
    updated_at: now,
    sent_at: null,
    delivered_at: null,
    failed_at: null,
  };
}
