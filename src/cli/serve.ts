import { resolve } from "node:path";
import type { Config } from "../config/index.js";
import { systemClock } from "../core/clock.js";
import type { RunningServer } from "../main.js";
import type { CommandSpec } from "./commands.js";
import { describePostgres } from "./explain-failure.js";
import { type DataDirLock, lockDataDir } from "./lock-data-dir.js";
import { prepareDataDir } from "./prepare-data-dir.js";

export const serve: CommandSpec = {
  path: ["serve"],
  summary: "Run the gateway: HTTP and background work, or one of them with --role",
  usage: "mycrmsim serve [--role all|api|worker] [--port N] [--host H]",
  options: { role: { type: "string" }, port: { type: "string" }, host: { type: "string" } },
  async run({ config }) {
    let lock: DataDirLock | undefined;
    if (!config.databaseUrl) {
      const dir = prepareDataDir(config.dataDir);
      if (!config.allowSharedDataDir) lock = lockDataDir(dir);
    }
    let server: RunningServer;
    try {
      // Loaded here, not at the top: the HTTP app is most of the code, and one-shot commands and
      // --help need none of it.
      const { startServer } = await import("../main.js");
      server = await startServer(config);
    } catch (e) {
      lock?.release();
      throw e;
    }
    lock?.describe({ url: server.url, role: config.role });
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      config.logLevel !== "silent" && process.stderr.write(`received ${signal}, shutting down\n`);
      const timer = setTimeout(() => {
        process.stderr.write("shutdown timed out; exiting\n");
        process.exit(1);
      }, config.shutdownTimeoutMs);
      timer.unref();
      server.close().then(
        () => {
          lock?.release();
          process.exit(0);
        },
        (e) => {
          process.stderr.write(`shutdown failed: ${(e as Error).message}\n`);
          process.exit(1);
        },
      );
    };
    process.on("SIGTERM", () => stop("SIGTERM"));
    process.on("SIGINT", () => stop("SIGINT"));
    if (config.logLevel !== "silent") process.stderr.write(await startupLines(config, server));
    return { keepAlive: true };
  },
};

/**
 * What a person starting the server needs to read (F21), next to the JSON logs on stdout (which stay
 * machine-readable): where it is, what it stores into, whether it is still empty, and each switch
 * that is on which should be off in production. On stderr, so log shippers reading stdout see JSON only.
 */
async function startupLines(config: Config, server: RunningServer): Promise<string> {
  const [{ default: pino }, { needsSetup }, { isLoopbackUrl }] = await Promise.all([
    import("pino"),
    import("../accounts/index.js"),
    import("../devices/reachability.js"),
  ]);
  const database = config.databaseUrl
    ? `PostgreSQL ${describePostgres(config.databaseUrl)}`
    : `SQLite ${resolve(config.dataDir, "mycrmsim.db")}`;
  const lines: string[] = [];
  // PORT=0 (tests, some supervisors) leaves ":0" in a derived PUBLIC_URL: name the real port.
  const publicUrl = server.url && new URL(config.publicUrl).port === "0" ? server.url : config.publicUrl;
  if (server.url) {
    lines.push(`myCRMSIM is running at ${publicUrl} (listening on ${server.url}, role ${config.role})`);
  } else {
    lines.push(`myCRMSIM worker is running (role worker: background jobs only, no HTTP)`);
  }
  lines.push(`  database: ${database}`);
  const ctx = {
    store: server.deps.store,
    db: server.deps.store.db,
    clock: systemClock,
    log: pino({ level: "silent" }),
  };
  if (await needsSetup({ ctx }).catch(() => false)) {
    lines.push(
      server.url
        ? `  first run: open ${publicUrl}/setup to create the administrator`
        : "  first run: open the API server's /setup page to create the administrator",
    );
  }
  const dispatchUrl = config.dispatchUrl === config.publicUrl ? publicUrl : config.dispatchUrl;
  if (dispatchUrl !== publicUrl) lines.push(`  phones and sends: ${dispatchUrl}`);
  if (server.url && isLoopbackUrl(dispatchUrl)) {
    lines.push(
      `  note: ${dispatchUrl} is this computer only; phones need PUBLIC_URL (or DISPATCH_URL) and HOST they can reach (docs/phone-setup.md)`,
    );
  }
  for (const warning of switchWarnings(config, isLoopbackUrl)) lines.push(`  warning: ${warning}`);
  return `${lines.join("\n")}\n`;
}

/** Settings that are fine while developing and wrong in production. */
function switchWarnings(config: Config, isLoopbackUrl: (url: string) => boolean): string[] {
  const out: string[] = [];
  if (config.allowPrivateUrls) {
    out.push("ALLOW_PRIVATE_URLS is on: webhooks may target http and private addresses (development only)");
  }
  if (config.allowSharedDataDir && !config.databaseUrl) {
    out.push("ALLOW_SHARED_DATA_DIR is on: other servers may use this SQLite DATA_DIR at the same time");
  }
  if (config.trustProxyWarning) out.push(config.trustProxyWarning);
  if (config.publicUrl.startsWith("http:") && !isLoopbackUrl(config.publicUrl)) {
    out.push(
      `PUBLIC_URL is plain http: passwords and tokens cross the network unencrypted; put an https proxy in front (docs/deploy.md)`,
    );
  }
  if (config.logLevel === "debug" || config.logLevel === "trace") {
    out.push(`LOG_LEVEL=${config.logLevel}: logs are verbose`);
  }
  return out;
}
