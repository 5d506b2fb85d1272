import type { Logger } from "../core/logger.js";
import { maintainQueue } from "../devices/index.js";
import type { AppDeps } from "../http/deps.js";
import { accounts } from "../store/repos/index.js";
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
  const jobs = [sessionCleanup, deviceQueue];
  const byName = new Map<string, { wake(): void }>(jobs.map((j) => [j.name, j]));
  return { jobs, wake: (name) => byName.get(name)?.wake() };
}
