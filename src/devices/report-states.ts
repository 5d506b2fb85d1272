import type { Ctx } from "../context.js";
import type { DeviceRow } from "../store/repos/devices.js";
import { devices as repo } from "../store/repos/index.js";
import { applyPhoneOutcome, type PhoneOutcome } from "./apply-outcome.js";

export interface StateReport {
  id: string;
  state: string;
  recipients?: { phoneNumber?: string; state?: string; error?: string | null }[];
  states?: Record<string, string>;
}

/**
 * SMSGate states to ours. The app's first report is `Processed` (the radio took the SMS); it reports
 * `Pending` only when a fetch returns a message it already has and has not sent yet, which changes
 * nothing here (the message stays with it). `Cancelled` is the app's answer to MessageCancelled.
 */
const STATE_MAP: Record<string, PhoneOutcome | undefined> = {
  Processed: "dispatched",
  Sent: "sent",
  Delivered: "delivered",
  Failed: "failed",
};

/**
 * PATCH /message: apply the phone's per-message state reports (see applyPhoneOutcome for who may say
 * what). Unknown ids, other locations' messages and states we do not track are ignored (the endpoint
 * answers 204 regardless, as SMSGate does). When a report frees work (a message sent or handed back)
 * and the location still has messages no phone holds, its phones are woken to fetch them.
 */
export async function reportStates({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { device: DeviceRow; reports: StateReport[] };
}): Promise<{ applied: number; requeued: number }> {
  let applied = 0;
  let requeued = 0;
  const now = ctx.clock.now();
  for (const report of input.reports) {
    for (const step of steps(report, now)) {
      const r = await applyPhoneOutcome({
        ctx,
        input: {
          device: input.device,
          messageId: report.id,
          status: step.status,
          error:
            step.status === "failed"
              ? (report.recipients?.find((x) => x.error)?.error ?? undefined)
              : undefined,
          at: step.at,
        },
      });
      if (r === "applied") applied++;
      if (r === "requeued") requeued++;
    }
  }
  if (applied + requeued > 0 && (await repo.queue.hasUnheld(ctx.db, input.device.location_id, now))) {
    await ctx.store.notify("message_enqueued", input.device.location_id);
  }
  return { applied, requeued };
}

const ORDER: PhoneOutcome[] = ["dispatched", "sent", "delivered", "failed"];

/**
 * The lifecycle steps one report carries, oldest first. The app sends the message's whole history
 * (`states: {Processed: t1, Sent: t2}`) and replaces a report still waiting to be retried with the
 * newer one, so the `Processed` step often arrives only inside the `Sent` report: each state in the
 * map is applied at the phone's own time for it (clamped to now: a phone clock in the future would
 * make history lie).
 */
function steps(report: StateReport, now: number): { status: PhoneOutcome; at: number }[] {
  const byStatus = new Map<PhoneOutcome, number>();
  const at = (raw: string | undefined) => {
    const t = raw ? Date.parse(raw) : Number.NaN;
    return Number.isFinite(t) ? Math.min(t, now) : now;
  };
  for (const [state, raw] of Object.entries(report.states ?? {})) {
    const status = STATE_MAP[state];
    if (status) byStatus.set(status, at(raw));
  }
  const own = STATE_MAP[report.state];
  if (own && !byStatus.has(own)) byStatus.set(own, now);
  // A failure that happened after the radio took the SMS ends it; before, there is nothing else.
  return ORDER.filter((s) => byStatus.has(s)).map((status) => ({
    status,
    at: byStatus.get(status) as number,
  }));
}
