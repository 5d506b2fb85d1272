import type { Logger } from "../core/logger.js";
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
  const jobs = [sessionCleanup];
  const byName = new Map<string, { wake(): void }>(jobs.map((j) => [j.name, j]));
  return { jobs, wake: (name) => byName.get(name)?.wake() };
}
