import { inTransaction, type Ctx } from "../context.js";
import type { DeviceRow } from "../store/repos/devices.js";
import { devices as repo } from "../store/repos/index.js";
import { transitionMessage } from "./messages-port.js";

export interface StateReport {
  id: string;
  state: string;
  recipients?: { phoneNumber?: string; state?: string; error?: string | null }[];
  states?: Record<string, string>;
}

type Outbound = "dispatched" | "sent" | "delivered" | "failed";

/** SMSGate states to ours. `Pending` from the phone means "I have it" (SMSGate stores it as Processed). */
const STATE_MAP: Record<string, Outbound> = {
  Pending: "dispatched",
  Processed: "dispatched",
  Sent: "sent",
  Delivered: "delivered",
  Failed: "failed",
};

/**
 * PATCH /message: apply the phone's per-message state reports. Unknown ids, other locations' messages
 * and states we do not track are ignored (the endpoint answers 204 regardless, as SMSGate does).
 */
export async function reportStates({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { device: DeviceRow; reports: StateReport[] };
}): Promise<{ applied: number }> {
  let applied = 0;
  for (const report of input.reports) {
    const status = STATE_MAP[report.state];
    if (!status) continue;
    const done = await inTransaction(ctx, async (tx) => {
      const now = tx.clock.now();
      const m = await repo.queue.byIdInLocation(tx.db, report.id, input.device.location_id);
      if (!m) return false;
      // A phone whose lease ran out and went to another phone must not take the message back.
      const heldByOther =
        m.status === "queued" &&
        m.device_id !== null &&
        m.device_id !== input.device.id &&
        m.lease_until !== null &&
        m.lease_until > now;
      if (heldByOther && status === "dispatched") return false;
      const at = reportedAt(report, now);
      const sim = m.device_id === input.device.id ? m.sim_number : null;
      const error =
        status === "failed"
          ? (report.recipients?.find((r) => r.error)?.error ?? "The phone reported the message as failed")
          : undefined;
      await transitionMessage({
        ctx: tx,
        input: {
          messageId: m.id,
          status,
          error: error ?? undefined,
          at,
          deviceId: input.device.id,
          simNumber: sim ?? undefined,
          source: "phone",
        },
      });
      if (status !== "failed") await repo.sends.record(tx.db, m.id, input.device.id, sim ?? 1, now);
      return true;
    });
    if (done) applied++;
  }
  return { applied };
}

/** The phone's own timestamp for the reported state (`states: {Sent: ISO}`), else now. */
function reportedAt(report: StateReport, now: number): number {
  const raw = report.states?.[report.state];
  const t = raw ? Date.parse(raw) : Number.NaN;
  // A phone clock far in the future would make history lie; clamp to now.
  return Number.isFinite(t) ? Math.min(t, now) : now;
}
