import type { FastifyInstance } from "fastify";
import pino from "pino";
import { recordPhoneEndpoint, secretKey } from "./accounts/index.js";
import { buildApp } from "./app.js";
import type { Config } from "./config/index.js";
import type { Ctx } from "./context.js";
import { type Clock, systemClock } from "./core/clock.js";
import type { Logger } from "./core/logger.js";
import { lanAddresses, phoneApiUrl } from "./devices/reachability.js";
import type { AppDeps } from "./http/deps.js";
import { type BackgroundJob, buildJobs } from "./jobs/index.js";
import { createLogger } from "./observability/log.js";
import { createMetrics } from "./observability/metrics.js";
import { retireStoredSecret } from "./devices/tokens.js";
import {
  migrate,
  openStore,
  readOrCreateKeyFile,
  type Store,
  secretKeyFile,
  type Warn,
} from "./store/index.js";

export interface RunningServer {
  app: FastifyInstance | undefined;
  dispatch: FastifyInstance | undefined;
  deps: AppDeps;
  jobs: BackgroundJob[];
  /** The main listener's URL (with the real port when PORT=0). */
  url: string | undefined;
  /** Graceful stop: refuse new connections, finish in-flight requests, stop jobs, flush and close storage. */
  close(): Promise<void>;
}

export interface StartOptions {
  clock?: Clock;
  /** Pino logging to stdout; false in in-process tests. */
  logger?: boolean;
  /** An already open (and migrated) store, for in-process tests; closed by `close()` all the same. */
  store?: Store;
}

/** Open storage, migrate, build the HTTP app(s) and jobs for the configured role, and listen. */
export async function startServer(config: Config, opts: StartOptions = {}): Promise<RunningServer> {
  const log: Logger = opts.logger === false ? pino({ level: "silent" }) : createLogger(config.logLevel);
  const warn = (msg: string, detail: Record<string, unknown>) => log.warn(detail, msg);
  const store: Store =
    opts.store ?? (await openStore(config, (e) => log.error({ err: e }, "database connection error"), warn));
  await migrate(store);
  const clock = opts.clock ?? systemClock;
  const ctxForSecret = { store, db: store.db, clock, log };
  const secret = await loadSecret(config, ctxForSecret, warn);
  const wakeHooks: ((name: string) => void)[] = [];
  const deps: AppDeps = {
    config,
    store,
    clock,
    metrics: createMetrics(),
    secret,
    wake: (name) => {
      for (const h of wakeHooks) h(name);
    },
  };

  let app: FastifyInstance | undefined;
  let dispatch: FastifyInstance | undefined;
  let url: string | undefined;
  if (config.role !== "worker") {
    try {
      app = await buildApp(deps, { logger: opts.logger !== false });
      url = await app.listen({ port: config.port, host: config.host });
      if (config.dispatchPort) {
        dispatch = await buildApp(deps, { surface: "dispatch", logger: opts.logger !== false });
        await dispatch.listen({ port: config.dispatchPort, host: config.host });
      }
    } catch (err) {
      // Port in use and the like: let go of the database and any listener already open, so the
      // caller can report the cause and the process can end (an open pool would keep it alive).
      await Promise.allSettled([app?.close(), dispatch?.close()]);
      await store.close().catch(() => undefined);
      throw err;
    }
    await recordEndpoint(config, ctxForSecret, url);
  }
  const { jobs, wake } = config.role === "api" ? { jobs: [], wake: () => undefined } : buildJobs(deps, log);
  wakeHooks.push(wake);
  for (const j of jobs) j.start();
  log.info({ url, role: config.role, database: store.dialect }, "myCRMSIM started");

  let closing: Promise<void> | undefined;
  return {
    app,
    dispatch,
    deps,
    jobs,
    url,
    close() {
      closing ??= (async () => {
        // close() stops accepting and lets in-flight requests finish; a keep-alive connection that
        // becomes idle after that would hold shutdown until its timeout, so sweep idle ones as we go.
        const sweep = setInterval(() => {
          app?.server.closeIdleConnections();
          dispatch?.server.closeIdleConnections();
        }, 50);
        try {
          await Promise.all([app?.close(), dispatch?.close()]);
        } finally {
          clearInterval(sweep);
        }
        await Promise.all(jobs.map((j) => j.stop()));
        await store.close();
      })();
      return closing;
    },
  };
}

/**
 * The instance secret from outside the database where possible (finding L12): SECRET_KEY, else on
 * SQLite DATA_DIR/secret.key. A secret an older version kept in the database is then retired, its
 * phones' re-registration tokens kept as hashes. PostgreSQL without SECRET_KEY keeps it in the
 * database (every node must share it) and says so.
 */
async function loadSecret(config: Config, ctx: Ctx, warn: Warn): Promise<string> {
  const keyFile =
    !config.secretKey && ctx.store.dialect === "sqlite"
      ? readOrCreateKeyFile(secretKeyFile(config), warn)
      : undefined;
  const secret = await secretKey({ ctx, input: { configured: config.secretKey, keyFile } });
  if (await retireStoredSecret({ ctx, input: { secret } })) {
    ctx.log.warn("the instance secret stored in the database was retired; phones keep re-registering");
  }
  if (!config.secretKey && ctx.store.dialect === "postgres") {
    ctx.log.warn(
      "SECRET_KEY is not set: the instance secret is kept in the database, so a copy of the database " +
        "can re-register phones; set SECRET_KEY (the same on every node)",
    );
  }
  return secret;
}

/**
 * Keep the URL phones are given where `devices pair` (another process, another environment) can read
 * it. Advisory: a failure is logged, never fatal.
 */
async function recordEndpoint(config: Config, ctx: Ctx, listening: string): Promise<void> {
  try {
    const port = Number(new URL(listening).port) || config.port;
    // PORT=0 (tests, some supervisors) leaves ":0" in a derived URL: name the real port.
    const dispatch = new URL(config.dispatchUrl);
    dispatch.port = String(port);
    const base = new URL(config.dispatchUrl).port === "0" ? dispatch.toString() : config.dispatchUrl;
    await recordPhoneEndpoint({
      ctx,
      input: {
        phoneUrl: phoneApiUrl(base),
        variable: config.dispatchUrl === config.publicUrl ? "PUBLIC_URL" : "DISPATCH_URL",
        host: config.host,
        port,
        lan: lanAddresses(),
      },
    });
  } catch (err) {
    ctx.log.warn({ err }, "could not record the phones' URL for `devices pair`");
  }
}
