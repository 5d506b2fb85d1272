import { randomBytes } from "node:crypto";
import {
  chmodSync,
  closeSync,
  existsSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { dirname } from "node:path";

/** Told when an existing file or directory was readable by others and has been tightened. */
export type Warn = (message: string, detail: Record<string, unknown>) => void;

export const defaultWarn: Warn = (message, detail) =>
  process.emitWarning(`${message} (${JSON.stringify(detail)})`);

// POSIX modes mean nothing on Windows (chmod there only toggles read-only).
const POSIX = process.platform !== "win32";

/** Give `path` no more than `mode`; an existing looser one is tightened and reported. */
function tighten(path: string, mode: number, warn: Warn): void {
  if (!POSIX) return;
  const st = statSync(path);
  const loose = st.mode & 0o777 & ~mode;
  if (loose === 0) return;
  const detail = { path, was: (st.mode & 0o777).toString(8), now: mode.toString(8) };
  try {
    chmodSync(path, mode);
    warn("was readable by other local users; permissions tightened", detail);
  } catch (err) {
    warn(`is readable by other local users and could not be tightened: ${(err as Error).message}`, detail);
  }
}

/**
 * DATA_DIR holds the database and the instance key: 0700 (finding L12). Made so when created; an
 * existing looser directory is tightened with a warning.
 */
export function ensurePrivateDir(dir: string, warn: Warn = defaultWarn): void {
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true, mode: 0o700 });
  tighten(dir, 0o700, warn);
}

/**
 * A file only the service's user may read (0600): created empty when missing (SQLite accepts an empty
 * file as a new database, and gives its -wal and -shm files the database file's mode), else tightened.
 */
export function ensurePrivateFile(file: string, warn: Warn = defaultWarn, create = true): void {
  if (!existsSync(file)) {
    if (create) closeSync(openSync(file, "a", 0o600));
    return;
  }
  tighten(file, 0o600, warn);
}

/**
 * The generated instance secret of a SQLite installation, beside the database and not in it (finding
 * L12): a copy of the database alone then derives no phone's re-registration token. Made once, 0600.
 * Processes sharing DATA_DIR agree: the key is written under a temporary name and linked into place,
 * which fails for all but the first.
 */
export function readOrCreateKeyFile(file: string, warn: Warn = defaultWarn): string {
  ensurePrivateDir(dirname(file), warn);
  if (!existsSync(file)) {
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
    writeFileSync(tmp, `${randomBytes(32).toString("base64url")}\n`, { mode: 0o600, flag: "wx" });
    try {
      linkSync(tmp, file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    } finally {
      unlinkSync(tmp);
    }
  }
  ensurePrivateFile(file, warn, false);
  const key = readFileSync(file, "utf8").trim();
  if (key.length < 32) throw new Error(`${file}: the instance key is shorter than 32 characters`);
  return key;
}
