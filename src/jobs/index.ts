import type { Logger } from "../core/logger.js";
import { maintainQueue } from "../devices/index.js";
import { createEgress } from "../egress/index.js";
import type { AppDeps } from "../http/deps.js";
import { accounts } from "../store/repos/index.js";
import { createDeliveryWorker, webhookOptions } from "../webhooks/index.js";
import { type BackgroundJob, intervalJob } from "./runner.js";

export type { BackgroundJob } from "./runner.js";
export { intervalJob } from "./runner.js";

/**
 * The background jobs of roles `all` and `worker`. Each domain that needs a loop adds it here.
 * Returns the jobs and a `wake(name)` that nudges one (after a commit that made work for it).
 */
export function buildJobs(
  deps: AppDeps,
  log: Logger,
): { jobs: BackgroundJob[]; wake: (name: string) => void } {
  const sessionCleanup = intervalJob(
    "session-cleanup",
    3600_000,
    async () => {
      await accounts.sessions.removeExpired(deps.store.db, deps.clock.now());
      return false;
    },
    log,
  );
  // Phones: expire overdue queued messages, return lapsed leases to the queue (and wake phones).
  const deviceQueue = intervalJob(
    "device-queue",
    5_000,
    async () => {
      const ctx = { store: deps.store, db: deps.store.db, clock: deps.clock, log };
      const r = await maintainQueue({ ctx, input: { ttlMs: deps.config.messageTtlSeconds * 1000 } });
      return r.more;
    },
    log,
  );
  // Webhooks: claim due deliveries (woken by the outbox commit, freed slots and a fallback poll) and
  // POST them through the SSRF-safe egress, which is closed once the worker has stopped.
  const egress = createEgress({ allowPrivate: deps.config.allowPrivateUrls });
  const worker = createDeliveryWorker({
    store: deps.store,
    clock: deps.clock,
    log,
    egress,
    options: webhookOptions(deps.config),
    metrics: deps.metrics,
    graceMs: Math.min(5000, Math.floor(deps.config.shutdownTimeoutMs / 2)),
  });
  const webhookDelivery: BackgroundJob & { wake(): void } = {
    name: worker.name,
    start: () => worker.start(),
    wake: () => worker.wake(),
    async stop() {
      await worker.stop();
      // Deliveries still running after the grace period were handed back; don't wait for them here.
      if (worker.inFlight > 0) void egress.close().catch(() => undefined);
      else await egress.close();
    },
  };
  const jobs = [sessionCleanup, deviceQueue, webhookDelivery];
  const byName = new Map<string, { wake(): void }>(jobs.map((j) => [j.name, j]));
  return { jobs, wake: (name) => byName.get(name)?.wake() };
}
