import { closeSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SQLite } from "../store/sqlite-driver.js";
import { AppError } from "../core/errors.js";

export interface DataDirLock {
  /** Say where this server can be reached, for the message a second one prints. */
  describe(info: { url: string | undefined; role: string }): void;
  release(): void;
}

/**
 * One `serve` per SQLite DATA_DIR (F16): a second server on the same files (a forgotten terminal, a
 * bare `mycrmsim` of an older version) would run every background job twice and race the first for
 * the write lock. The lock is an exclusive SQLite lock on DATA_DIR/serve.lock, held for the process's
 * life. Not a pid file: the kernel drops the lock when the process dies however it dies (SIGKILL,
 * power loss in a container), so there is no stale lock to detect, and a recycled pid (pid 1 in every
 * container) can never look like a live holder. The holder's pid and URL go to serve.json beside it,
 * only to name it in the refusal. One-shot commands (`migrate`, `users create`) take no lock: they
 * are meant to run next to the server.
 */
export function lockDataDir(dir: string): DataDirLock {
  const lockFile = join(dir, "serve.lock");
  const infoFile = join(dir, "serve.json");
  closeSync(openSync(lockFile, "a", 0o600));
  const db = new SQLite(lockFile, { timeout: 0 });
  try {
    db.pragma("journal_mode = MEMORY");
    db.pragma("locking_mode = EXCLUSIVE");
    // The first write takes the exclusive lock; in EXCLUSIVE locking mode it is kept until close.
    db.exec("create table if not exists holder (pid integer); delete from holder;");
    db.prepare("insert into holder (pid) values (?)").run(process.pid);
  } catch (e) {
    db.close();
    if ((e as { code?: string }).code?.startsWith("SQLITE_BUSY")) throw refusal(dir, infoFile);
    throw e;
  }
  let released = false;
  const write = (info: Record<string, unknown>) =>
    writeFileSync(infoFile, `${JSON.stringify({ pid: process.pid, ...info })}\n`, { mode: 0o600 });
  write({ startedAt: new Date().toISOString() });
  return {
    describe({ url, role }) {
      if (!released) write({ url, role, startedAt: new Date().toISOString() });
    },
    release() {
      if (released) return;
      released = true;
      rmSync(infoFile, { force: true });
      db.close();
    },
  };
}

function refusal(dir: string, infoFile: string): AppError {
  let holder = "another process";
  try {
    const info = JSON.parse(readFileSync(infoFile, "utf8")) as { pid?: number; url?: string; role?: string };
    holder = `pid ${info.pid}${info.url ? `, ${info.url}` : ""}${info.role && info.role !== "all" ? `, role ${info.role}` : ""}`;
  } catch {
    // written moments after the lock is taken: a server that is just starting has none yet
  }
  return new AppError(
    "conflict",
    `another myCRMSIM server (${holder}) is already running on DATA_DIR ${dir}; stop it first, or give this one its own DATA_DIR (several servers on one database need PostgreSQL)`,
  );
}
