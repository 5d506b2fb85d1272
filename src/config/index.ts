import { readFileSync } from "node:fs";
import { isIP } from "node:net";
import { closest } from "./suggest.js";

/**
 * Configuration is parsed once at start-up, from the environment and optionally a JSON file
 * (`CONFIG_FILE`, keys named like the variables). Every problem is reported at once; nothing else in
 * the program reads `process.env`. Each variable is documented here and in the README.
 */
export interface Config {
  /** Main listener port. */
  port: number;
  /** Main listener address. */
  host: string;
  /** Where the SQLite file and other local state live. */
  dataDir: string;
  /** `postgres://…` switches storage to PostgreSQL; unset means embedded SQLite. */
  databaseUrl: string | undefined;
  /** How the main host is reached from outside (OAuth issuer, links). No trailing slash. */
  publicUrl: string;
  /** How the SMS dispatch host is reached from outside (phone ingest URLs, send endpoint). */
  dispatchUrl: string;
  /** A second listener that serves only the dispatch routes. */
  dispatchPort: number | undefined;
  /** Development only: webhooks may target http and loopback/private addresses. */
  allowPrivateUrls: boolean;
  /**
   * Several `serve` processes on one SQLite DATA_DIR (same machine; each must set it). Off: a second
   * server there refuses to start, since it is nearly always a mistake (see src/cli/lock-data-dir.ts).
   */
  allowSharedDataDir: boolean;
  logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
  /** ACCESS_LOG: an `info` line per answer (`all`), only for status 400 and above (`errors`), or none. */
  accessLog: "all" | "errors" | "off";
  /** What this process runs: HTTP, background workers, or both. */
  role: "all" | "api" | "worker";
  /** Secret for CSRF tokens and cookie signing. Unset: generated once and kept in the database. */
  secretKey: string | undefined;
  /**
   * Reverse proxies trusted to report the client in X-Forwarded-* (client IP for per-IP limits, https
   * for Secure cookies): `false` (none), a number of hops (each proxy appends one address; the client
   * is the entry that many hops from the end), or addresses/CIDRs of the proxies (only those are
   * believed). `TRUST_PROXY=true` is read as 1 hop (see `trustProxyWarning`).
   */
  trustProxy: false | number | string[];
  /** Set when TRUST_PROXY used a deprecated form; logged once at start-up. */
  trustProxyWarning: string | undefined;
  /** PostgreSQL connection pool size per process. */
  pgPoolSize: number;
  /** How long graceful shutdown waits for in-flight work before giving up. */
  shutdownTimeoutMs: number;
  /**
   * When set, /metrics requires `Authorization: Bearer <token>`. Unset: /metrics answers only on a
   * loopback HOST and only requests that did not come through a proxy (no X-Forwarded-For); else 404.
   */
  metricsToken: string | undefined;
  /**
   * How long a client may take to send a whole request (headers and body); then 408 and the socket is
   * closed. 60 s by default, so a phone on a slow link can still post a full-size MMS.
   */
  requestTimeoutMs: number;
  /** API requests per minute per connection (one user's grant to an OAuth client). */
  rateLimitPerMinute: number;
  /**
   * API requests per minute per OAuth client, all its connections together: a ceiling above the
   * per-connection budget (default 10 × RATE_LIMIT_PER_MINUTE), so one tenant of a shared
   * integration (one Make app serves every Make customer) cannot use up the others' budget.
   */
  rateLimitPerClientPerMinute: number;
  /** API requests per minute per OAuth client and location. */
  rateLimitPerLocationPerMinute: number;
  /**
   * How long an API node reuses a verified access token (0–5000 ms; 0 = check the database every
   * time). A revocation ends it at once on the node that revoked it, on PostgreSQL on every node.
   */
  authCacheMs: number;
  /** Phones: how long a fetched, unacknowledged message stays with that phone before another may take it. */
  deviceLeaseSeconds: number;
  /** Phones: a phone holding an event stream or seen within this many seconds counts as online. */
  deviceOnlineSeconds: number;
  /** Outbound messages still queued this long after acceptance become `expired`. */
  messageTtlSeconds: number;
  /** Phones: how long a pairing token / code stays valid. */
  pairingTtlSeconds: number;
  /** Phones: failed POST /device attempts (token or code) per minute per client address (IPv6: its /64). */
  pairingFailuresPerAddressPerMinute: number;
  /** Phones: failed `Code` pairing attempts per minute across the instance; then every code gets 429. */
  pairingCodeFailuresPerMinute: number;
  /** Phones: signed webhooks from phones whose X-Timestamp is further off than this are refused. */
  ingestMaxSkewSeconds: number;
  /** Webhooks: timeout of one delivery POST (connect, headers and body), in milliseconds. */
  webhookTimeoutMs: number;
  /** Webhooks: waits before each retry, in milliseconds (WEBHOOK_RETRY_SCHEDULE, e.g. `5s,5m,30m,2h`). */
  webhookRetryScheduleMs: number[];
  /** Webhooks: each retry wait is scaled by a random factor within ±this fraction. */
  webhookRetryJitter: number;
  /** Webhooks: a receiver's Retry-After is honoured up to this many seconds. */
  webhookRetryAfterMaxSeconds: number;
  /** Webhooks: an endpoint failing every attempt for this long is disabled (replay re-enables it). */
  webhookDisableAfterSeconds: number;
  /** Webhooks: deliveries in flight per subscription, across all workers and nodes. */
  webhookEndpointConcurrency: number;
  /** Webhooks: deliveries in flight per worker process. */
  webhookConcurrency: number;
  /** Webhooks: fallback poll interval of the delivery worker (wake-ups normally follow the commit). */
  webhookPollMs: number;
  /** Webhooks: finished deliveries and their attempt logs are kept this many days (log and replay). */
  webhookRetentionDays: number;
  /**
   * Inbound MMS: the most attachment bytes (decoded) stored per message. Parts past it are dropped and
   * the message is annotated; the message itself is always stored.
   */
  mmsMaxBytes: number;
  /** Inbound MMS: attachment contents are deleted this many days after the message arrived. */
  mmsRetentionDays: number;
  /** Inbound MMS: how long a signed attachment URL (webhooks, API, dashboard) stays valid. */
  mmsUrlTtlSeconds: number;
}

type Source = Record<string, string | undefined>;

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
const ROLES = ["all", "api", "worker"] as const;

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join("\n  - ")}`);
    this.name = "ConfigError";
    this.problems = problems;
  }
}

/** Parse config from `env` (and the file it names). Throws ConfigError listing every problem. */
export function loadConfig(env: Source, overrides: Partial<Source> = {}): Config {
  const problems: string[] = [];
  let file: Source = {};
  if (env.CONFIG_FILE) {
    try {
      const parsed: unknown = JSON.parse(readFileSync(env.CONFIG_FILE, "utf8"));
      if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
        problems.push(`CONFIG_FILE ${env.CONFIG_FILE}: must hold a JSON object`);
      } else {
        file = Object.fromEntries(
          Object.entries(parsed).map(([k, v]) => [k, v === null ? undefined : String(v)]),
        );
      }
    } catch (e) {
      problems.push(`CONFIG_FILE ${env.CONFIG_FILE}: ${(e as Error).message}`);
    }
  }
  // Every name the parser below reads is recorded, so a CONFIG_FILE key it never read is a typo or a
  // setting this version does not have (F13): reported, not silently ignored. Recording the reads
  // (instead of keeping a second list of names) cannot drift from the variables actually parsed.
  const read = new Set<string>(["CONFIG_FILE"]);
  const src: Source = new Proxy<Source>(
    { ...file, ...stripEmpty(env), ...stripEmpty(overrides) },
    {
      get(target, name) {
        if (typeof name === "string") read.add(name);
        return Reflect.get(target, name);
      },
    },
  );

  const int = (name: string, def: number | undefined, min: number, max: number): number | undefined => {
    const raw = src[name];
    if (raw === undefined) return def;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      problems.push(`${name}=${JSON.stringify(raw)}: must be a whole number from ${min} to ${max}`);
      return def;
    }
    return n;
  };
  const bool = (name: string, def: boolean): boolean => {
    const raw = src[name];
    if (raw === undefined) return def;
    if (/^(1|true|yes|on)$/i.test(raw)) return true;
    if (/^(0|false|no|off)$/i.test(raw)) return false;
    problems.push(`${name}=${JSON.stringify(raw)}: must be true or false`);
    return def;
  };
  const oneOf = <T extends string>(name: string, values: readonly T[], def: T): T => {
    const raw = src[name];
    if (raw === undefined) return def;
    if ((values as readonly string[]).includes(raw)) return raw as T;
    problems.push(`${name}=${JSON.stringify(raw)}: must be one of ${values.join(", ")}`);
    return def;
  };
  const url = (name: string, def: string, protocols: string[]): string => {
    const raw = src[name];
    if (raw === undefined) return def;
    try {
      const u = new URL(raw);
      if (!protocols.includes(u.protocol)) {
        problems.push(`${name}=${JSON.stringify(raw)}: must be a ${protocols.join(" or ")} URL`);
        return def;
      }
      return raw.replace(/\/+$/, "");
    } catch {
      problems.push(`${name}=${JSON.stringify(raw)}: not a valid URL`);
      return def;
    }
  };

  const port = int("PORT", 3000, 0, 65535) ?? 3000;
  const host = src.HOST ?? "127.0.0.1";
  const hostForUrl =
    host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host;
  const defaultUrl = `http://${hostForUrl}:${port}`;
  const databaseUrl = src.DATABASE_URL ? url("DATABASE_URL", "", ["postgres:", "postgresql:"]) : undefined;
  const publicUrl = url("PUBLIC_URL", defaultUrl, ["http:", "https:"]);
  const dispatchPort = int("DISPATCH_PORT", undefined, 1, 65535);
  const schedule = parseDurations(src.WEBHOOK_RETRY_SCHEDULE ?? DEFAULT_WEBHOOK_SCHEDULE);
  if (!schedule) {
    problems.push(
      `WEBHOOK_RETRY_SCHEDULE=${JSON.stringify(src.WEBHOOK_RETRY_SCHEDULE)}: must be a comma-separated list of durations like 5s,5m,2h`,
    );
  }
  const jitter = Number(src.WEBHOOK_RETRY_JITTER ?? "0.2");
  if (!(jitter >= 0 && jitter < 1)) {
    problems.push(`WEBHOOK_RETRY_JITTER=${JSON.stringify(src.WEBHOOK_RETRY_JITTER)}: must be from 0 to 0.99`);
  }
  const secretKey = src.SECRET_KEY;
  if (secretKey !== undefined && secretKey.length < 32) {
    problems.push("SECRET_KEY: must be at least 32 characters (use `openssl rand -hex 32`)");
  }

  const rateLimitPerMinute = int("RATE_LIMIT_PER_MINUTE", 600, 1, 10_000_000) ?? 600;

  const config: Config = {
    port,
    host,
    dataDir: src.DATA_DIR ?? "./data",
    databaseUrl: databaseUrl || undefined,
    publicUrl,
    dispatchUrl: url("DISPATCH_URL", publicUrl, ["http:", "https:"]),
    dispatchPort,
    allowPrivateUrls: bool("ALLOW_PRIVATE_URLS", false),
    allowSharedDataDir: bool("ALLOW_SHARED_DATA_DIR", false),
    logLevel: oneOf("LOG_LEVEL", LOG_LEVELS, "info"),
    accessLog: oneOf("ACCESS_LOG", ["all", "errors", "off"] as const, "all"),
    role: oneOf("ROLE", ROLES, "all"),
    secretKey,
    ...trustProxy(src.TRUST_PROXY, problems),
    pgPoolSize: int("PG_POOL_SIZE", 10, 1, 500) ?? 10,
    shutdownTimeoutMs: int("SHUTDOWN_TIMEOUT_MS", 10_000, 0, 600_000) ?? 10_000,
    metricsToken: src.METRICS_TOKEN,
    requestTimeoutMs: int("REQUEST_TIMEOUT_MS", 60_000, 100, 3_600_000) ?? 60_000,
    rateLimitPerMinute,
    rateLimitPerClientPerMinute:
      int("RATE_LIMIT_PER_CLIENT_PER_MINUTE", rateLimitPerMinute * 10, 1, 100_000_000) ??
      rateLimitPerMinute * 10,
    rateLimitPerLocationPerMinute: int("RATE_LIMIT_PER_LOCATION_PER_MINUTE", 300, 1, 10_000_000) ?? 300,
    authCacheMs: int("AUTH_CACHE_MS", 5000, 0, 5000) ?? 5000,
    deviceLeaseSeconds: int("DEVICE_LEASE_SECONDS", 60, 1, 86_400) ?? 60,
    deviceOnlineSeconds: int("DEVICE_ONLINE_SECONDS", 90, 3, 86_400) ?? 90,
    messageTtlSeconds: int("MESSAGE_TTL_SECONDS", 86_400, 60, 30 * 86_400) ?? 86_400,
    pairingTtlSeconds: int("PAIRING_TTL_SECONDS", 900, 60, 7 * 86_400) ?? 900,
    pairingFailuresPerAddressPerMinute: int("PAIRING_FAILURES_PER_ADDRESS_PER_MINUTE", 10, 1, 10_000) ?? 10,
    pairingCodeFailuresPerMinute: int("PAIRING_CODE_FAILURES_PER_MINUTE", 60, 1, 10_000) ?? 60,
    ingestMaxSkewSeconds: int("INGEST_MAX_SKEW_SECONDS", 300, 10, 3600) ?? 300,
    webhookTimeoutMs: int("WEBHOOK_TIMEOUT_MS", 15_000, 100, 120_000) ?? 15_000,
    webhookRetryScheduleMs: schedule ?? parseDurations(DEFAULT_WEBHOOK_SCHEDULE) ?? [],
    webhookRetryJitter: jitter >= 0 && jitter < 1 ? jitter : 0.2,
    webhookRetryAfterMaxSeconds: int("WEBHOOK_RETRY_AFTER_MAX_SECONDS", 86_400, 0, 7 * 86_400) ?? 86_400,
    webhookDisableAfterSeconds: int("WEBHOOK_DISABLE_AFTER_SECONDS", 259_200, 1, 365 * 86_400) ?? 259_200,
    webhookEndpointConcurrency: int("WEBHOOK_ENDPOINT_CONCURRENCY", 4, 1, 100) ?? 4,
    webhookConcurrency: int("WEBHOOK_CONCURRENCY", 64, 1, 10_000) ?? 64,
    webhookPollMs: int("WEBHOOK_POLL_MS", 1000, 10, 60_000) ?? 1000,
    webhookRetentionDays: int("WEBHOOK_RETENTION_DAYS", 30, 1, 3650) ?? 30,
    mmsMaxBytes: int("MMS_MAX_BYTES", 5 * 1024 * 1024, 0, 100 * 1024 * 1024) ?? 5 * 1024 * 1024,
    mmsRetentionDays: int("MMS_RETENTION_DAYS", 30, 1, 3650) ?? 30,
    mmsUrlTtlSeconds: int("MMS_URL_TTL_SECONDS", 7 * 86_400, 1, 365 * 86_400) ?? 7 * 86_400,
  };
  for (const key of Object.keys(file)) {
    if (read.has(key)) continue;
    const hint = closest(key, [...read]);
    problems.push(
      `CONFIG_FILE ${env.CONFIG_FILE}: unknown key ${JSON.stringify(key)}${hint ? ` (did you mean ${hint}?)` : ""}`,
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/**
 * TRUST_PROXY: `false`/`0`/unset (no proxy), a hop count (`1` for one nginx or Caddy in front), or a
 * comma-separated list of proxy addresses or CIDRs (`127.0.0.1,10.0.0.0/8`; also proxy-addr's names
 * `loopback`, `linklocal`, `uniquelocal`). `true` once meant "trust every hop", which lets a client
 * pick its own address with X-Forwarded-For; it is now read as 1 hop, with a warning.
 */
function trustProxy(
  raw: string | undefined,
  problems: string[],
): { trustProxy: Config["trustProxy"]; trustProxyWarning: string | undefined } {
  const none = { trustProxy: false as const, trustProxyWarning: undefined };
  if (raw === undefined) return none;
  const v = raw.trim();
  if (/^(0|false|no|off)$/i.test(v)) return none;
  if (/^(true|yes|on)$/i.test(v)) {
    return {
      trustProxy: 1,
      trustProxyWarning: `TRUST_PROXY=${v} is read as TRUST_PROXY=1 (one proxy in front): set the number of proxies, or their addresses, instead`,
    };
  }
  if (/^\d+$/.test(v)) {
    const n = Number(v);
    if (n >= 1 && n <= 10) return { trustProxy: n, trustProxyWarning: undefined };
  }
  const list = v.split(",").map((x) => x.trim());
  const bad = list.filter((x) => !isProxyAddress(x));
  if (list.length === 0 || bad.length > 0 || /^\d+$/.test(v)) {
    problems.push(
      `TRUST_PROXY=${JSON.stringify(raw)}: must be false, a number of proxies from 1 to 10, or a comma-separated list of proxy addresses or CIDRs (e.g. 127.0.0.1,10.0.0.0/8)`,
    );
    return none;
  }
  return { trustProxy: list, trustProxyWarning: undefined };
}

/**
 * TRUST_PROXY as Fastify's `trustProxy` option. A hop count becomes a function: Fastify 5.12 reads a
 * bare number as "trust nothing" (it cannot check the peer), while we mean "the last N hops are ours".
 */
export function fastifyTrustProxy(
  value: Config["trustProxy"],
): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (typeof value === "number") return (_address, hop) => hop < value;
  return value;
}

function isProxyAddress(x: string): boolean {
  if (["loopback", "linklocal", "uniquelocal"].includes(x)) return true;
  const [addr = "", prefix, extra] = x.split("/");
  const family = isIP(addr);
  if (family === 0 || extra !== undefined) return false;
  if (prefix === undefined) return true;
  if (!/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (family === 4 ? 32 : 128);
}

/** The Standard Webhooks example retry schedule: about 3.1 days over 10 attempts. */
const DEFAULT_WEBHOOK_SCHEDULE = "5s,5m,30m,2h,5h,10h,14h,20h,24h";

/** Parse "5s,5m,30m,2h" (units ms, s, m, h, d; a bare number is seconds) to milliseconds. */
function parseDurations(raw: string): number[] | undefined {
  const out: number[] = [];
  for (const part of raw.split(",").map((p) => p.trim())) {
    const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(part);
    if (!m) return undefined;
    const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] ?? "s"] ?? 1000;
    out.push(Math.round(Number(m[1]) * unit));
  }
  return out.length > 0 ? out : undefined;
}

function stripEmpty(s: Partial<Source>): Source {
  return Object.fromEntries(Object.entries(s).filter(([, v]) => v !== undefined && v !== ""));
}
