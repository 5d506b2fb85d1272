import { inTransaction, type Ctx } from "../context.js";
import type { DeviceRow, QueuedRow } from "../store/repos/devices.js";
import { devices as repo } from "../store/repos/index.js";
import { remainingBySim } from "./pacing.js";
import { isOnline, simNumbers } from "./presenters.js";

/** SMSGate returns at most 100 messages per fetch. */
const MAX_BATCH = 100;

/**
 * GET /message: route queued messages of the phone's location to this phone and lease them. Status
 * stays `queued` until the phone acknowledges; a lease that runs out returns the message to the queue.
 * - A contact's thread stays on the phone and SIM it last used while that phone is online.
 * - Each SIM takes no more than its pacing allows.
 * - Messages already leased to this phone come back again (the app de-duplicates by id).
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
      repo.queue.leasedBySim(tx.db, device.id, now),
      repo.devices.listByLocations(tx.db, [device.location_id]),
      repo.threads.forPhones(tx.db, device.location_id, [...new Set(candidates.map((c) => c.phone))]),
    ]);
    const left = remainingBySim(device, sims, taken, leased);
    const onlinePeers = new Set(
      peers.filter((p) => p.id !== device.id && isOnline(p, now, input.onlineMs)).map((p) => p.id),
    );
    const threadOf = new Map(threads.map((t) => [t.phone, t]));
    const again: QueuedRow[] = [];
    const bySim = new Map<number, QueuedRow[]>();
    let count = 0;
    for (const m of candidates) {
      if (count >= MAX_BATCH) break;
      if (m.device_id === device.id && m.lease_until !== null && m.lease_until > now) {
        again.push(m);
        count++;
        continue;
      }
      const thread = threadOf.get(m.phone);
      // Stickiness yields once the message was handed out and not taken (a lapsed lease): failover.
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
      count++;
    }
    const leaseUntil = now + input.leaseMs;
    const out = [...again];
    // Re-fetching renews the lease on what the phone already holds (it is fetching, so it is alive).
    for (const sim of new Set(again.map((m) => m.sim_number))) {
      const ids = again.filter((m) => m.sim_number === sim).map((m) => m.id);
      await repo.queue.lease(tx.db, ids, { deviceId: device.id, sim, leaseUntil, now });
    }
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
