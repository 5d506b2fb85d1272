import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { loadConfig } from "../../src/config/index.js";
import type { Clock } from "../../src/core/clock.js";
import { type RunningServer, startServer } from "../../src/main.js";
import type { Dialect } from "../../src/store/types.js";
import { makeTestStore, type TestStore } from "./store.js";

export interface TestServer {
  url: string;
  server: RunningServer;
  db: TestStore;
  close(): Promise<void>;
}

/** A real server on a random loopback port, in this process, on a fresh database of `dialect`. */
export async function startTestServer(
  dialect: Dialect,
  env: Record<string, string> = {},
  opts: { clock?: Clock } = {},
): Promise<TestServer> {
  const db = await makeTestStore(dialect);
  const config = loadConfig({
    PORT: "0",
    LOG_LEVEL: "silent",
    ALLOW_PRIVATE_URLS: "true",
    ...db.env,
    ...env,
  });
  const server = await startServer(config, { logger: false, store: db.store, clock: opts.clock });
  const url = server.url ?? "";
  // PUBLIC_URL defaults to the configured port (0); point links at the real one.
  server.deps.config.publicUrl = env.PUBLIC_URL ?? url;
  if (!env.DISPATCH_URL) server.deps.config.dispatchUrl = server.deps.config.publicUrl;
  return {
    url,
    server,
    db,
    async close() {
      await server.close();
      await db.cleanup();
    },
  };
}

/**
 * Another in-process server on the database of `db` (which must outlive it), e.g. the same server
 * started again on the same port after `close()`, as a restart after an outage.
 */
export async function startServerOn(
  db: TestStore,
  env: Record<string, string> = {},
  opts: { clock?: Clock } = {},
): Promise<{ url: string; server: RunningServer; close(): Promise<void> }> {
  const config = loadConfig({
    PORT: "0",
    LOG_LEVEL: "silent",
    ALLOW_PRIVATE_URLS: "true",
    ...db.env,
    ...env,
  });
  const server = await startServer(config, { logger: false, clock: opts.clock });
  const url = server.url ?? "";
  server.deps.config.publicUrl = env.PUBLIC_URL ?? url;
  if (!env.DISPATCH_URL) server.deps.config.dispatchUrl = server.deps.config.publicUrl;
  return { url, server, close: () => server.close() };
}

export interface ChildServer {
  url: string;
  proc: ChildProcess;
  /** Every stdout line so far (JSON logs). */
  lines: string[];
  exited: Promise<number | null>;
  stderr(): string;
}

const children = new Set<ChildProcess>();
// A failed test must not leave a server behind (it would keep the test runner waiting on its pipes).
process.on("exit", () => {
  for (const c of children) c.kill("SIGKILL");
});

/** `mycrmsim serve` as a separate process (for signal and crash tests). Resolves once it listens. */
export async function spawnServer(env: Record<string, string>, args: string[] = []): Promise<ChildServer> {
  const proc = spawn(process.execPath, ["--import", "tsx", "src/cli.ts", "serve", ...args], {
    // LOG_LEVEL stays info: the "myCRMSIM started" line is how we learn the port.
    // ALLOW_SHARED_DATA_DIR: several suites run two servers on one SQLite file on purpose.
    env: {
      ...process.env,
      PORT: "0",
      ALLOW_PRIVATE_URLS: "true",
      ALLOW_SHARED_DATA_DIR: "true",
      ...env,
      LOG_LEVEL: "info",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.add(proc);
  proc.on("exit", () => children.delete(proc));
  const lines: string[] = [];
  const exited = new Promise<number | null>((resolve) => proc.on("exit", (code) => resolve(code)));
  let stderr = "";
  proc.stderr?.on("data", (d) => {
    stderr += d.toString();
  });
  const url = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: proc.stdout as NodeJS.ReadableStream });
    // A safety net, not a speed check: the child compiles every source file through tsx before it
    // listens, which on a busy 2-core machine (CI runs two files at a time) took over 20 s.
    const timer = setTimeout(() => {
      proc.kill("SIGKILL");
      reject(new Error(`server did not start within 90 s:\n${stderr}`));
    }, 90_000);
    rl.on("line", (line) => {
      lines.push(line);
      try {
        const j = JSON.parse(line) as { msg?: string; url?: string };
        if (j.msg === "myCRMSIM started") {
          clearTimeout(timer);
          resolve(j.url ?? "");
        }
      } catch {
        // not JSON
      }
    });
    proc.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${stderr}`));
    });
  });
  return { url, proc, lines, exited, stderr: () => stderr };
}
