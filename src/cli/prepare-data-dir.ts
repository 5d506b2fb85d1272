import { accessSync, constants, existsSync, mkdirSync, statSync } from "node:fs";
import { userInfo } from "node:os";
import { dirname, join, resolve } from "node:path";
import { AppError } from "../core/errors.js";
import { errorCode, reason } from "./explain-failure.js";

/**
 * DATA_DIR made and checked before SQLite opens it, so that a wrong setting is one sentence naming
 * the path (F8) instead of `EEXIST: mkdir` or SQLite's pathless "unable to open database file".
 * Missing directories are created one level at a time: Node 20's recursive mkdir spins forever on
 * some paths (inside procfs), a plain mkdir fails at once.
 */
export function prepareDataDir(dataDir: string): string {
  const dir = resolve(dataDir);
  const fail = (why: string) => new AppError("storage_unavailable", `DATA_DIR ${dir} ${why}`);
  const st = statOrUndefined(dir);
  if (st && !st.isDirectory()) {
    throw fail("is a file, not a directory; set DATA_DIR to a directory (it is created when missing)");
  }
  if (!st) {
    const missing: string[] = [];
    let cur = dir;
    while (!existsSync(cur) && dirname(cur) !== cur) {
      missing.unshift(cur);
      cur = dirname(cur);
    }
    if (!statSync(cur).isDirectory()) {
      throw fail(`cannot be created: ${cur} is a file, not a directory; set DATA_DIR to another path`);
    }
    for (const d of missing) {
      try {
        mkdirSync(d, { mode: 0o700 });
      } catch (e) {
        const code = errorCode(e) ?? "unknown error";
        throw fail(
          `cannot be created: ${reason(code)} in ${dirname(d)} (for ${whoAmI()}); create it, or set DATA_DIR to a writable path`,
        );
      }
    }
  }
  if (!canWrite(dir)) {
    throw fail(
      `is not writable by ${whoAmI()}; chown the directory to that user, or set DATA_DIR to a writable path`,
    );
  }
  const db = join(dir, "mycrmsim.db");
  if (existsSync(db) && !canWrite(db)) {
    throw new AppError(
      "storage_unavailable",
      `the database ${db} is not writable by ${whoAmI()}; chown it to that user (DATA_DIR)`,
    );
  }
  return dir;
}

function statOrUndefined(path: string) {
  try {
    return statSync(path);
  } catch (e) {
    const code = errorCode(e);
    if (code === "ENOENT") return undefined;
    // ENOTDIR: a parent is a file; reported by the walk up above with the offending path.
    if (code === "ENOTDIR") return undefined;
    throw new AppError("storage_unavailable", `DATA_DIR ${path}: ${reason(code ?? "unknown error")}`);
  }
}

function canWrite(path: string): boolean {
  try {
    accessSync(path, constants.W_OK | constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

function whoAmI(): string {
  try {
    const u = userInfo();
    return `user ${u.username} (uid ${u.uid})`;
  } catch {
    return "this user";
  }
}
