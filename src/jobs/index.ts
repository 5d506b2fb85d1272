import { removeStaleSigninAttempts } from "../accounts/index.js";
import type { Ctx } from "../context.js";
import type { Logger } from "../core/logger.js";
import { maintainQueue } from "../devices/index.js";
import { createEgress } from "../egress/index.js";
import type { AppDeps } from "../http/deps.js";
import { removeExpiredIdempotencyKeys, removeOldAttachments } from "../messages/index.js";
import { removeExpiredOAuthRecords } from "../oauth/index.js";
import { accounts } from "../store/repos/index.js";
import { createDeliveryWorker, removeOldDeliveries, webhookOptions } from "../webhooks/index.js";
import { type BackgroundJob, intervalJob } from "./runner.js";

export type { BackgroundJob } from "./runner.js";
export { intervalJob } from "./runner.js";

/** The cleanup job runs this often (and at start); each pass deletes up to CLEANUP_BATCH per table. */
const CLEANUP_INTERVAL_MS = 15 * 60_000;
const CLEANUP_BATCH = 1000;

/**
 * The background jobs of roles `all` and `worker`. Each domain that needs a loop adds it here.
 * Returns the jobs and a `wake(name)` that nudges one (after a commit that made work for it).
 */
export function buildJobs(
  deps: AppDeps,
  log: Logger,
): { jobs: BackgroundJob[]; wake: (name: string) => void } {
  const ctx: Ctx = { store: deps.store, db: deps.store.db, clock: deps.clock, log };
  const sessionCleanup = intervalJob(
    "session-cleanup",
    3600_000,
    async () => {
      await accounts.sessions.removeExpired(deps.store.db, deps.clock.now());
      return false;
    },
    log,
  );
  // Phones: expire overdue queued messages, return messages of vanished phones to the queue (and
  // wake the others), announce phones that went offline.
  const deviceQueue = intervalJob(
    "device-queue",
    5_000,
    async () => {
      const r = await maintainQueue({
        ctx,
        input: {
          ttlMs: deps.config.messageTtlSeconds * 1000,
          onlineMs: deps.config.deviceOnlineSeconds * 1000,
        },
      });
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
  // Housekeeping: expired OAuth codes/tokens, drained rate buckets, old sign-in failure counters and
  // expired idempotency records, finished webhook deliveries past WEBHOOK_RETENTION_DAYS and inbound
  // MMS content past MMS_RETENTION_DAYS; batches
  // of CLEANUP_BATCH, again at once while a table has more.
  // (Expired phone pairings go with the device-queue job, expired sessions with session-cleanup.)
  const cleanup = intervalJob(
    "cleanup",
    CLEANUP_INTERVAL_MS,
    async () => {
      const input = { limit: CLEANUP_BATCH };
      const results = [
        await removeExpiredOAuthRecords({ ctx, input }),
        await removeStaleSigninAttempts({ ctx, input }),
        await removeExpiredIdempotencyKeys({ ctx, input }),
        await removeOldDeliveries({
          ctx,
          input: { ...input, retentionMs: deps.config.webhookRetentionDays * 86_400_000 },
        }),
        await removeOldAttachments({
          ctx,
          input: { ...input, retentionMs: deps.config.mmsRetentionDays * 86_400_000 },
        }),
      ];
      const removed = results.reduce((a, r) => a + r.removed, 0);
      if (removed > 0) log.info({ job: "cleanup", removed }, "removed expired records");
      return results.some((r) => r.more);
    },
    log,
  );
  const jobs = [sessionCleanup, deviceQueue, webhookDelivery, cleanup];
  const byName = new Map<string, { wake(): void }>(jobs.map((j) => [j.name, j]));
  return { jobs, wake: (name) => byName.get(name)?.wake() };
}
