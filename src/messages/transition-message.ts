import { inTransaction, type Ctx } from "../context.js";
import { AppError } from "../core/errors.js";
import { messages as repo } from "../store/repos/index.js";
import type { MessageRow } from "../store/repos/messages.js";
import { emitEvent } from "../webhooks/index.js";
import { statusPayload } from "./presenters.js";

export type OutboundStatus = "queued" | "dispatched" | "sent" | "delivered" | "failed" | "expired";

/** Forward order of the happy path; `failed` and `expired` end it from anywhere before delivery. */
const RANK: Record<OutboundStatus, number> = {
  queued: 0,
  dispatched: 1,
  sent: 2,
  delivered: 3,
  failed: 4,
  expired: 4,
};

export interface TransitionInput {
  messageId: string;
  status: Exclude<OutboundStatus, "queued">;
  error?: string;
  /** When it happened (the phone's clock for phone reports), epoch ms; defaults to now. */
  at?: number;
  deviceId?: string;
  simNumber?: number;
  source: "phone" | "system" | "api";
}

/**
 * Move an outbound message forward in its lifecycle, append the history entry and queue the
 * `message_status` webhooks, in one transaction. Reports arrive out of order and more than once (a
 * phone retries, `Delivered` can beat `Sent`), so only forward moves apply: a jump such as
 * queued → sent is fine, a step back or a change after a final state is ignored (`changed: false`).
 * `expired` applies only to a message still queued: one a phone already took is the phone's to finish.
 */
export async function transitionMessage({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: TransitionInput;
}): Promise<{ changed: boolean; message: MessageRow }> {
  return inTransaction(ctx, async (tx) => {
    const m = await repo.messages.byId(tx.db, input.messageId);
    if (m?.direction !== "outbound") {
      throw new AppError("message_not_found", `No message ${input.messageId}`);
    }
    const from = m.status as OutboundStatus;
    const allowed =
      RANK[from] !== undefined &&
      RANK[from] < 3 &&
      RANK[input.status] > RANK[from] &&
      !(input.status === "expired" && from !== "queued");
    if (!allowed) return { changed: false, message: m };
    const now = tx.clock.now();
    const at = input.at ?? now;
    const error =
      input.status === "failed" || input.status === "expired"
        ? (input.error ?? defaultError(input.status))
        : null;
    const patch = {
      status: input.status,
      error,
      updated_at: now,
      lease_until: null,
      ...(input.deviceId ? { device_id: input.deviceId } : {}),
      ...(input.simNumber !== undefined ? { sim_number: input.simNumber } : {}),
      ...(input.status === "sent" || (input.status === "delivered" && m.sent_at === null)
        ? { sent_at: at }
        : {}),
      ...(input.status === "delivered" ? { delivered_at: at } : {}),
      ...(input.status === "failed" || input.status === "expired" ? { failed_at: at } : {}),
    };
    if (!(await repo.messages.setStatus(tx.db, m.id, from, patch))) return { changed: false, message: m };
    await repo.events.append(tx.db, {
      message_id: m.id,
      status: input.status,
      error,
      source: input.source,
      device_id: input.deviceId ?? null,
      at,
    });
    const updated: MessageRow = { ...m, ...patch };
    await emitEvent({
      ctx: tx,
      input: { locationId: m.location_id, event: "message_status", payload: statusPayload(updated) },
    });
    return { changed: true, message: updated };
  });
}

function defaultError(status: "failed" | "expired"): string {
  return status === "expired"
    ? "No phone sent the message before it expired"
    : "The phone reported the message as failed";
}
