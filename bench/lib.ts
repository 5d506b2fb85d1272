/** Shared plumbing for the bench: child processes, a fresh PostgreSQL schema, seeding, the load generator. */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import pg from "pg";
import { systemClock } from "../src/core/clock.js";
import { silentLogger } from "../src/core/logger.js";
import { openStore } from "../src/store/index.js";
import { migrate } from "../src/store/index.js";
import { makeLocation, makeUser } from "../test/helpers/factories.js";
import { makeApiToken } from "../test/helpers/oauth.js";
import type { LoadResult, LoadSpec } from "./load.js";

const children = new Set<ChildProcess>();
process.on("exit", () => {
  for (const c of children) c.kill("SIGKILL");
});

export interface Child {
  url: string;
  proc: ChildProcess;
  stop(): Promise<void>;
}

/** Start `node --import tsx <args>` and wait for its ready line (ours or the app's start log). */
export async function startChild(args: string[], env: Record<string, string> = {}): Promise<Child> {
  const proc = spawn(process.execPath, ["--import", "tsx", ...args], {
    env: { ...process.env, PORT: "0", LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.add(proc);
  let stderr = "";
  proc.stderr?.on("data", (d) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${args.join(" ")} did not start:\n${stderr}`)), 30_000);
    createInterface({ input: proc.stdout as NodeJS.ReadableStream }).on("line", (line) => {
      try {
        const j = JSON.parse(line) as { listening?: string; msg?: string; url?: string };
        const u = j.listening ?? (j.msg === "myCRMSIM started" ? j.url : undefined);
        if (u) {
          clearTimeout(timer);
          resolve(u);
        }
      } catch {
        // not a JSON line
      }
    });
    proc.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${args.join(" ")} exited with ${code}:\n${stderr}`));
    });
  });
  proc.stdout?.resume();
  return {
    url,
    proc,
    async stop() {
      if (proc.exitCode !== null) return;
      const exited = new Promise((r) => proc.once("exit", r));
      proc.kill("SIGTERM");
      const t = setTimeout(() => proc.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(t);
      children.delete(proc);
    },
  };
}

/** Run the load generator in its own process (bench/load.ts: undici Pool loops). */
export async function load(spec: LoadSpec): Promise<LoadResult> {
  const proc = spawn(process.execPath, ["--import", "tsx", "bench/load.ts", JSON.stringify(spec)], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  proc.stdout.on("data", (d) => {
    out += d.toString();
  });
  const code = await new Promise<number | null>((r) => proc.on("exit", r));
  if (code !== 0) throw new Error(`load generator failed (${code})`);
  return JSON.parse(out) as LoadResult;
}

export const PG_BASE = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

/** A fresh schema in the bench database; returns a URL whose connections use it, and a dropper. */
export async function freshPgSchema(tag: string): Promise<{ url: string; drop(): Promise<void> }> {
  const schema = `bench_${tag}_${process.pid}`;
  const run = async (q: string) => {
    const c = new pg.Client({ connectionString: PG_BASE });
    await c.connect();
    await c.query(q);
    await c.end();
  };
  await run(`drop schema if exists "${schema}" cascade; create schema "${schema}"`);
  const u = new URL(PG_BASE);
  u.searchParams.set("options", `-c search_path=${schema}`);
  return { url: u.toString(), drop: () => run(`drop schema if exists "${schema}" cascade`) };
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "mycrmsim-bench-"));
}

/** Migrate the database `env` points at and create a user, a location and an all-scopes token. */
export async function seed(env: Record<string, string>): Promise<{ token: string; locationId: string }> {
  const store = await openStore({
    databaseUrl: env.DATABASE_URL,
    dataDir: env.DATA_DIR ?? ".",
    pgPoolSize: 2,
  });
  await migrate(store);
  const ctx = { store, db: store.db, clock: systemClock, log: silentLogger };
  const user = await makeUser(ctx);
  const loc = await makeLocation(ctx, user.id);
  const t = await makeApiToken(ctx, { userId: user.id, locationIds: [loc.id] });
  await store.close();
  return { token: t.accessToken, locationId: loc.id };
}

/**
 * CPU time (user + system, ms) a process has used so far, from /proc; 0 where there is no /proc.
 * On a shared machine this is steadier than throughput: it does not count time spent waiting for a core.
 */
export function cpuMs(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // clock ticks (USER_HZ = 100)
  } catch {
    return 0;
  }
}

/** Resident memory of a process in MiB (from /proc). */
export function rssMiB(pid: number | undefined): number {
  if (!pid) return 0;
  const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Math.round(Number(m[1]) / 1024) : 0;
}
