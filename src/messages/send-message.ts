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
  /** The OAuth client sending. Null for dashboard sends. */
  clientId: string | null;
  /**
   * The connection (OAuth grant) sending: idempotency keys are scoped to the client and this, so
   * tenants of one shared client (one Make app, many customers) never share keys. Without it the
   * scope is the whole client.
   */
  grantId?: string;
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
  const segments = Math.max(info.segments, attachments.length > 0 ? 1 : 0);
  const build = (now: number): MessageRow =>
    newRow(input, {
      id: newId("message", now),
      now,
      phone,
      body,
      attachments,
      segments,
      encoding: info.encoding,
    });
  try {
    const result =
      input.clientId && input.idempotencyKey
        ? await sendWithKey(
            ctx,
            input,
            { clientId: input.clientId, grantId: input.grantId ?? "" },
            input.idempotencyKey,
            build,
          )
        : await sendBatched(ctx, input, build);
    if (!result.replayed) wakePhones(ctx.store, input.locationId);
    return result;
  } catch (e) {
    throw locationGone(e) ?? e;
  }
}

/** No key to check: the batched multi-row insert (one commit shared by concurrent sends). */
async function sendBatched(
  ctx: Ctx,
  input: SendInput,
  build: (now: number) => MessageRow,
): Promise<SendResult> {
  const row = build(ctx.clock.now());
  await insertBatched(ctx.store, row, firstEvent(row, input));
  return { message: presentMessage(row), replayed: false };
}

/** Claim the key, store the message and its answer under the key in one savepoint of a group commit. */
async function sendWithKey(
  ctx: Ctx,
  input: SendInput,
  scope: { clientId: string; grantId: string },
  key: string,
  build: (now: number) => MessageRow,
): Promise<SendResult> {
  const requestHash = sha256Hex(
    JSON.stringify([input.locationId, input.phone, input.message ?? null, input.attachments ?? []]),
  );
  const slot = `${scope.clientId}\u0000${scope.grantId}\u0000${key}`;
  if (inFlight.has(slot)) throw inFlightError();
  inFlight.add(slot);
  try {
    return await ctx.store.batch(async (tx): Promise<SendResult> => {
      const now = ctx.clock.now();
      await repo.idempotency.removeExpired(tx, scope, key, now);
      const claimed = await repo.idempotency.claim(tx, {
        client_id: scope.clientId,
        grant_id: scope.grantId,
        key,
        request_hash: requestHash,
        status_code: null,
        response: null,
        message_id: null,
        created_at: now,
        expires_at: now + IDEMPOTENCY_TTL_MS,
      });
      if (!claimed) {
        return { message: await replayOf(ctx, tx, scope, key, requestHash, now), replayed: true };
      }
      const row = build(now);
      await repo.messages.insert(tx, row);
      await repo.events.first(tx, firstEvent(row, input));
      const message = presentMessage(row);
      await repo.idempotency.complete(tx, scope, key, {
        statusCode: 200,
        response: JSON.stringify(message),
        messageId: row.id,
      });
      return { message, replayed: false };
    });
  } finally {
    inFlight.delete(slot);
  }
}

function inFlightError(): AppError {
  return new AppError("idempotency_in_flight", "A request with this Idempotency-Key is still in progress", {
    retryAfter: 1,
  });
}

async function replayOf(
  ctx: Ctx,
  tx: Ctx["db"],
  scope: { clientId: string; grantId: string },
  key: string,
  requestHash: string,
  now: number,
): Promise<MessageView> {
  const prior = await repo.idempotency.get(tx, scope, key, now);
  if (!prior || prior.response === null) throw inFlightError();
  if (prior.request_hash !== requestHash) {
    throw new AppError(
      "idempotency_key_reused",
      "This Idempotency-Key was used with a different request body; use a new key for a new message",
    );
  }
  ctx.log.debug({ messageId: prior.message_id }, "idempotent replay");
  return JSON.parse(prior.response) as MessageView;
}

function firstEvent(row: MessageRow, input: SendInput) {
  return {
    message_id: row.id,
    status: "queued",
    error: null,
    source: input.source ?? "api",
    device_id: null,
    at: row.created_at,
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
