import { inTransaction, type Ctx } from "../context.js";
import type { DeviceRow } from "../store/repos/devices.js";
import { devices as repo } from "../store/repos/index.js";
import { transitionMessage } from "./messages-port.js";

export type PhoneOutcome = "dispatched" | "sent" | "delivered" | "failed";

/** The messages table's limit for an error text; a phone's longer reason is cut, never refused. */
export const MAX_ERROR_LENGTH = 1000;

const RANK: Record<string, number> = { queued: 0, dispatched: 1, sent: 2, delivered: 3 };
const IMPLIED = ["dispatched", "sent"] as const;

/** What the app writes when it refused a message past its validUntil. */
const TTL_EXPIRED = /TTL expired/i;

/**
 * Apply one thing a phone says about an outbound message (a `PATCH /message` report or an
 * `sms:sent|delivered|failed` webhook), given who holds the message now:
 * - `Failed: TTL expired` from the holder means it refused to send late: nothing went out, so the
 *   message goes back to the queue for the next fetch (its own deadline is enforced by maintainQueue).
 * - `Failed` from a phone that no longer holds a still-queued message is ignored: it gave it up and
 *   another phone has it now; it must not fail the message under that phone.
 * - Processed/Sent/Delivered are facts (an SMS did go out) and apply from any phone of the location,
 *   forward only, as every transition does; the phone holding the message then gets MessageCancelled.
 * Returns what happened, so the caller can wake phones when work came free.
 */
export async function applyPhoneOutcome({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: {
    device: DeviceRow;
    messageId: string;
    status: PhoneOutcome;
    error?: string;
    at: number;
    simNumber?: number;
  };
}): Promise<"applied" | "ignored" | "requeued"> {
  const { device } = input;
  return inTransaction(ctx, async (tx) => {
    const now = tx.clock.now();
    const m = await repo.queue.byIdInLocation(tx.db, input.messageId, device.location_id);
    if (!m) return "ignored";
    const holder = m.device_id === device.id;
    const error =
      input.status === "failed"
        ? (input.error ?? "The phone reported the message as failed").slice(0, MAX_ERROR_LENGTH)
        : undefined;
    if (input.status === "failed" && m.status === "queued") {
      if (!holder) return "ignored";
      if (TTL_EXPIRED.test(error ?? "")) {
        return (await repo.queue.unhold(tx.db, m.id, device.id, now)) ? "requeued" : "ignored";
      }
    }
    const sim = input.simNumber ?? (holder ? (m.sim_number ?? undefined) : undefined);
    const at = Math.min(input.at, now);
    // A report can arrive before the one for an earlier step (the app posts each state as a webhook
    // and as a PATCH, concurrently): `delivered` implies `sent` implies `dispatched`, and the history
    // records the steps it implies at the same time rather than refusing them later as backwards.
    const rank = RANK[m.status] ?? 0;
    const target = RANK[input.status] ?? 0;
    const implied = IMPLIED.filter((step) => (RANK[step] ?? 0) > rank && (RANK[step] ?? 0) < target);
    let r = { changed: false };
    for (const status of [...implied, input.status]) {
      const step = await transitionMessage({
        ctx: tx,
        input: { messageId: m.id, status, error, at, deviceId: device.id, simNumber: sim, source: "phone" },
      });
      r = { changed: r.changed || step.changed };
    }
    if (input.status !== "failed") await repo.sends.record(tx.db, m.id, device.id, sim ?? 1, now);
    // A phone that lost the message came back and sent it after all: tell the phone holding it now to
    // drop its copy if it has not sent it yet (the app cancels a pending message on MessageCancelled).
    if (r.changed && m.status === "queued" && m.device_id !== null && !holder) {
      await ctx.store.notify("device_cancel", `${m.device_id} ${m.id}`);
    }
    return r.changed ? "applied" : "ignored";
  });
}
