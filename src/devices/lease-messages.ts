import { inTransaction, type Ctx } from "../context.js";
import type { DeviceRow, QueuedRow } from "../store/repos/devices.js";
import { devices as repo } from "../store/repos/index.js";
import { remainingBySim } from "./pacing.js";
import { isOnline, simNumbers } from "./presenters.js";

/** SMSGate returns at most 100 messages per fetch. */
const MAX_BATCH = 100;

/**
 * How long a phone holds what it fetched before the message may go to another phone: the lease, but
 * never less than the time it takes to call a phone offline. The phone gets the end of this window
 * as `validUntil` and refuses to send later ("TTL expired"), so by the time a message can fail over
 * its first holder can no longer send it.
 */
export function holdMs(leaseMs: number, onlineMs: number): number {
  return Math.max(leaseMs, onlineMs);
}

/**
 * GET /message: route queued messages of the phone's location to this phone and hold them for it.
 * Status stays `queued` until the phone reports the radio took the message (`Processed`).
 * - A message another phone fetched is never offered here while that phone is alive (see
 *   queue.releaseLapsed): the stock app reports nothing until it has sent, so "no report yet" says
 *   nothing about whether it will.
 * - Messages this phone already holds come back again (the app de-duplicates by id and re-reports).
 * - A contact's thread stays on the phone and SIM it last used while that phone is online.
 * - Each SIM takes no more than its pacing allows, and the phone is not given more than it can send
 *   inside its hold window at its send interval (the rest wait for its next fetch or another phone).
 */
export async function leaseMessages({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { device: DeviceRow; lifo: boolean; leaseMs: number; onlineMs: number; ttlMs: number };
}): Promise<QueuedRow[]> {
  const { device } = input;
  return inTransaction(ctx, async (tx) => {
    const now = tx.clock.now();
    const candidates = await repo.queue.candidates(tx.db, {
      locationId: device.location_id,
      deviceId: device.id,
      now,
      ttlMs: input.ttlMs,
      limit: MAX_BATCH * 2,
      lifo: input.lifo,
    });
    if (candidates.length === 0) return [];
    const sims = simNumbers(device);
    const [taken, leased, peers, threads] = await Promise.all([
      repo.sends.counts(tx.db, device.id, now),
      repo.queue.leasedBySim(tx.db, device.id),
      repo.devices.listByLocations(tx.db, [device.location_id]),
      repo.threads.forPhones(tx.db, device.location_id, [...new Set(candidates.map((c) => c.phone))]),
    ]);
    const left = remainingBySim(device, sims, taken, leased);
    const onlinePeers = new Set(
      peers.filter((p) => p.id !== device.id && isOnline(p, now, input.onlineMs)).map((p) => p.id),
    );
    const threadOf = new Map(threads.map((t) => [t.phone, t]));
    const hold = holdMs(input.leaseMs, input.onlineMs);
    const again = candidates.filter((m) => m.device_id === device.id);
    // What the phone can send before its validUntil, at the slowest of its send interval.
    const interval = (device.send_interval_max ?? device.send_interval_min ?? 0) * 1000;
    const capacity = interval > 0 ? Math.max(1, Math.floor(hold / interval)) : MAX_BATCH;
    let room = Math.min(MAX_BATCH - again.length, capacity - again.length);
    const bySim = new Map<number, QueuedRow[]>();
    for (const m of candidates) {
      if (room <= 0) break;
      if (m.device_id !== null) continue;
      const thread = threadOf.get(m.phone);
      // Stickiness yields once the message was handed out and came back (its phone went away).
      const sticky = m.dispatch_attempts === 0;
      if (sticky && thread && thread.device_id !== device.id && onlinePeers.has(thread.device_id)) continue;
      const preferred = thread?.device_id === device.id ? thread.sim_number : undefined;
      const sim =
        preferred !== undefined && (left.get(preferred) ?? 0) > 0
          ? preferred
          : [...left.entries()].sort((a, b) => b[1] - a[1]).find(([, n]) => n > 0)?.[0];
      if (sim === undefined) continue;
      left.set(sim, (left.get(sim) ?? 0) - 1);
      bySim.set(sim, [...(bySim.get(sim) ?? []), m]);
      room--;
    }
    const leaseUntil = now + hold;
    const out = [...again];
    for (const [sim, rows] of bySim) {
      const simForPhone = sims.length > 1 ? sim : null;
      const got = new Set(
        await repo.queue.lease(
          tx.db,
          rows.map((r) => r.id),
          { deviceId: device.id, sim: simForPhone, leaseUntil, now },
        ),
      );
      for (const r of rows) {
        if (!got.has(r.id)) continue;
        out.push({ ...r, device_id: device.id, sim_number: simForPhone, lease_until: leaseUntil });
        await repo.threads.set(tx.db, r.location_id, r.phone, device.id, sim, now);
      }
    }
    return out.sort((a, b) => (a.id < b.id ? (input.lifo ? 1 : -1) : input.lifo ? -1 : 1));
  });
}
