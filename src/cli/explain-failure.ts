import { join, resolve } from "node:path";
import type { Config } from "../config/index.js";
import { AppError, isAppError } from "../core/errors.js";

/**
 * What went wrong, as one line a person can act on (F8): the cause and the setting that fixes it.
 * Node's and the drivers' errors name a syscall or a SQLSTATE and come with a stack; here they become
 * AppErrors with a sentence. Undefined when the error is not one we know (a bug: the caller shows it
 * as it is, with the stack at LOG_LEVEL=debug).
 */
export function explainFailure(e: unknown, config?: Config): AppError | undefined {
  if (isAppError(e)) return e;
  const err = e as NodeJS.ErrnoException & { address?: string; port?: number; severity?: string };
  const code = errorCode(e);
  if (err?.syscall === "listen") return listenFailure(err, code, config);
  if (
    config?.databaseUrl &&
    (err?.severity || isNetworkCode(code) || /^Connection terminated/.test(err?.message ?? ""))
  ) {
    return postgresFailure(err, code, config.databaseUrl);
  }
  if (code?.startsWith("SQLITE_") && config) return sqliteFailure(code, err.message, config);
  if (code && err?.path && ["EACCES", "EPERM", "EROFS", "ENOSPC", "ENOTDIR", "EEXIST"].includes(code)) {
    return new AppError("storage_unavailable", `cannot write ${err.path}: ${reason(code)} (DATA_DIR)`);
  }
  return undefined;
}

/** The errno-style code of `e` or of what caused it (fetch and pg wrap theirs; an AggregateError holds several). */
export function errorCode(e: unknown): string | undefined {
  for (let cur = e, depth = 0; cur && depth < 4; depth++) {
    const c = (cur as { code?: unknown }).code;
    if (typeof c === "string") return c;
    const inner = (cur as { errors?: unknown[] }).errors;
    cur = Array.isArray(inner) && inner.length > 0 ? inner[0] : (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

function listenFailure(err: { address?: string; port?: number }, code: string | undefined, config?: Config) {
  const port = err.port ?? config?.port;
  const host = err.address ?? config?.host ?? "";
  const variable =
    config?.dispatchPort !== undefined && port === config.dispatchPort ? "DISPATCH_PORT" : "PORT";
  switch (code) {
    case "EADDRINUSE":
      return new AppError(
        "conflict",
        `port ${port} on ${host} is in use (another myCRMSIM or another program); stop the other process or set ${variable}`,
      );
    case "EACCES":
      return new AppError(
        "forbidden",
        `port ${port} on ${host} needs privileges this user does not have; set ${variable} above 1023 and put a reverse proxy in front (docs/deploy.md)`,
      );
    case "EADDRNOTAVAIL":
      return new AppError(
        "invalid_request",
        `HOST ${host} is not an address of this machine; set HOST to one of its addresses (0.0.0.0 for all)`,
      );
    default:
      return new AppError("internal_error", `cannot listen on ${host}:${port}: ${code ?? "unknown error"}`);
  }
}

/** Where the database is, as it may be printed: host, port, database and user, never the password. */
export function describePostgres(url: string): string {
  try {
    const u = new URL(url);
    const db = decodeURIComponent(u.pathname.replace(/^\//, "")) || "(default database)";
    const user = u.username ? ` as ${decodeURIComponent(u.username)}` : "";
    return `${u.hostname || "localhost"}:${u.port || "5432"}/${db}${user}`;
  } catch {
    return "DATABASE_URL";
  }
}

function postgresFailure(err: Error, code: string | undefined, url: string): AppError {
  const where = `PostgreSQL at ${describePostgres(url)}`;
  const fail = (why: string) => new AppError("storage_unavailable", `cannot use ${where}: ${why}`);
  switch (code) {
    case "ECONNREFUSED":
      return fail("connection refused; is PostgreSQL running there? Check DATABASE_URL's host and port");
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return fail("host not found; check DATABASE_URL's host name");
    case "ETIMEDOUT":
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return fail("no answer (timed out or unreachable); check DATABASE_URL's host, port and any firewall");
    case "ECONNRESET":
      return fail(
        "the connection was closed by the server; check its pg_hba.conf and SSL settings (sslmode in DATABASE_URL)",
      );
    case "28P01":
      return fail("password authentication failed; check the user and password in DATABASE_URL");
    case "28000":
      return fail(`${err.message}; check the user in DATABASE_URL and the server's pg_hba.conf`);
    case "3D000":
      return fail(`${err.message}; create it (createdb) or fix the database name in DATABASE_URL`);
    case "42501":
      return fail(`${err.message}; the user needs CREATE on the database (GRANT CREATE ON DATABASE …)`);
    case "53300":
      return fail("too many connections; lower PG_POOL_SIZE or raise the server's max_connections");
    default:
      return fail(err.message.split("\n")[0] ?? "unknown error");
  }
}

function sqliteFailure(code: string, message: string, config: Config): AppError {
  const file = resolve(join(config.dataDir, "mycrmsim.db"));
  if (code === "SQLITE_CANTOPEN") {
    return new AppError(
      "storage_unavailable",
      `cannot open the database ${file}: ${message}; check DATA_DIR and its permissions`,
    );
  }
  if (code === "SQLITE_READONLY") {
    return new AppError(
      "storage_unavailable",
      `the database ${file} is read-only for this user; check DATA_DIR's owner and permissions`,
    );
  }
  if (code === "SQLITE_NOTADB" || code === "SQLITE_CORRUPT") {
    return new AppError(
      "storage_unavailable",
      `${file} is not a usable SQLite database (${message}); restore it from a backup or point DATA_DIR elsewhere`,
    );
  }
  if (code === "SQLITE_FULL") return new AppError("storage_unavailable", `the disk holding ${file} is full`);
  if (code.startsWith("SQLITE_BUSY")) {
    return new AppError(
      "storage_unavailable",
      `the database ${file} stayed locked by another process; try again`,
    );
  }
  return new AppError("storage_unavailable", `the database ${file}: ${message}`);
}

/** A file-system errno in words. */
export function reason(code: string): string {
  return (
    {
      EACCES: "permission denied",
      EPERM: "operation not permitted",
      EROFS: "read-only file system",
      ENOSPC: "no space left on the device",
      ENOTDIR: "a part of the path is a file, not a directory",
      EEXIST: "a file is in the way",
      ENOENT: "no such file or directory",
      ELOOP: "too many symbolic links",
    }[code] ?? code
  );
}

function isNetworkCode(code: string | undefined): boolean {
  return (
    code !== undefined &&
    [
      "ECONNREFUSED",
      "ENOTFOUND",
      "EAI_AGAIN",
      "ETIMEDOUT",
      "EHOSTUNREACH",
      "ENETUNREACH",
      "ECONNRESET",
    ].includes(code)
  );
}
