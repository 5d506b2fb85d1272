/**
 * The settings the SMSGate app keeps and how it imports GET /settings (SettingsService + each
 * module's `import()` in the app): known sections only; a key present with null resets that setting
 * to its default; a known section that is not an object, or a bad enum or number, fails the whole
 * import. Some settings take effect only after the app restarts (ping, private token, channel).
 */
export interface AppSettings {
  sendIntervalMin: number | null;
  sendIntervalMax: number | null;
  limitPeriod: "Disabled" | "PerMinute" | "Per30Minutes" | "PerHour" | "PerDay";
  limitValue: number;
  processingOrder: "LIFO" | "FIFO";
  /** Webhook attempts per event (the app's default is 15). */
  retryCount: number;
  /** Without an imported key the app signs with a random 8-character key of its own. */
  signingKey: string;
  privateToken: string | null;
  notificationChannel: "AUTO" | "SSE_ONLY";
  /** null: the ping service is off. */
  pingIntervalSeconds: number | null;
}

export function defaultSettings(channel: "AUTO" | "SSE_ONLY", privateToken: string | null): AppSettings {
  return {
    sendIntervalMin: null,
    sendIntervalMax: null,
    limitPeriod: "Disabled",
    limitValue: 0,
    processingOrder: "LIFO",
    retryCount: 15,
    signingKey: Math.random().toString(36).slice(2, 10).padEnd(8, "x"),
    privateToken,
    notificationChannel: channel,
    pingIntervalSeconds: null,
  };
}

export const LIMIT_PERIOD_MS: Record<AppSettings["limitPeriod"], number> = {
  Disabled: 0,
  PerMinute: 60_000,
  Per30Minutes: 30 * 60_000,
  PerHour: 3_600_000,
  PerDay: 86_400_000,
};

type Section = Record<string, unknown>;

function section(body: Record<string, unknown>, name: string): Section | undefined {
  if (!(name in body)) return undefined;
  const v = body[name];
  if (v === null || typeof v !== "object" || Array.isArray(v)) throw new Error(`${name}: not an object`);
  return v as Section;
}

function num(s: Section, key: string, min: number): number | null | undefined {
  if (!(key in s)) return undefined;
  const v = s[key];
  if (v === null) return null;
  if (typeof v !== "number" || !Number.isInteger(v) || v < min) throw new Error(`${key}: invalid number`);
  return v;
}

function oneOf<T extends string>(s: Section, key: string, values: readonly T[]): T | null | undefined {
  if (!(key in s)) return undefined;
  const v = s[key];
  if (v === null) return null;
  if (typeof v !== "string" || !values.includes(v as T)) throw new Error(`${key}: invalid value`);
  return v as T;
}

/**
 * Import a GET /settings body into `current`; returns the new settings (throws on what the app
 * refuses, leaving `current` untouched, as the app retries the whole import later).
 */
export function importSettings(current: AppSettings, body: unknown, defaults: AppSettings): AppSettings {
  if (body === null || typeof body !== "object" || Array.isArray(body))
    throw new Error("settings: not an object");
  const b = body as Record<string, unknown>;
  const next = { ...current };
  const m = section(b, "messages");
  if (m) {
    const min = num(m, "send_interval_min", 0);
    if (min !== undefined) next.sendIntervalMin = min;
    const max = num(m, "send_interval_max", 0);
    if (max !== undefined) next.sendIntervalMax = max;
    const period = oneOf(m, "limit_period", [
      "Disabled",
      "PerMinute",
      "Per30Minutes",
      "PerHour",
      "PerDay",
    ] as const);
    if (period !== undefined) next.limitPeriod = period ?? defaults.limitPeriod;
    const value = num(m, "limit_value", 0);
    if (value !== undefined) next.limitValue = value ?? defaults.limitValue;
    const order = oneOf(m, "processing_order", ["LIFO", "FIFO"] as const);
    if (order !== undefined) next.processingOrder = order ?? defaults.processingOrder;
  }
  const w = section(b, "webhooks");
  if (w) {
    const retry = num(w, "retry_count", 1);
    if (retry !== undefined) next.retryCount = retry ?? defaults.retryCount;
    if ("signing_key" in w) {
      const k = w.signing_key;
      if (k !== null && typeof k !== "string") throw new Error("signing_key: invalid");
      next.signingKey = k ?? defaults.signingKey;
    }
  }
  const g = section(b, "gateway");
  if (g) {
    if ("cloud_url" in g) throw new Error("gateway.cloud_url: the phone would leave this server");
    if ("private_token" in g) {
      const t = g.private_token;
      if (t !== null && typeof t !== "string") throw new Error("private_token: invalid");
      next.privateToken = t;
    }
    const ch = oneOf(g, "notification_channel", ["AUTO", "SSE_ONLY"] as const);
    if (ch !== undefined) next.notificationChannel = ch ?? "AUTO";
  }
  const p = section(b, "ping");
  if (p) {
    const i = num(p, "interval_seconds", 1);
    if (i !== undefined) next.pingIntervalSeconds = i;
  }
  section(b, "logs");
  section(b, "encryption");
  return next;
}
