/**
 * A phone's health, from the SMSGate app's `system:ping` webhook (`{health: {version, status,
 * checks: {"battery:level": {status, observedValue, …}, …}}}`), reduced to what the dashboard and the
 * `device_status` event show. Unknown or missing checks are null: older apps send fewer of them.
 */
export interface PhoneHealth {
  /** The app's own verdict over all its checks. */
  status: "pass" | "warn" | "fail";
  /** Battery level in percent. */
  batteryLevel: number | null;
  charging: boolean | null;
  /** The phone has internet (the app's `connection:status`). */
  internet: boolean | null;
  /** Active transports: `cellular`, `wifi`, `ethernet`, `unknown`. */
  transport: string[];
  /** SMS the phone failed to send in the last hour (`messages:failed`). */
  failedLastHour: number | null;
  /** App version reported in the ping (`health.version`). */
  version: string | null;
}

/** Below this battery level a phone is reported as `battery_low` (the app itself warns below 25 %). */
export const BATTERY_LOW_PERCENT = 20;

const TRANSPORTS: [number, string][] = [
  [1, "unknown"],
  [2, "cellular"],
  [4, "wifi"],
  [8, "ethernet"],
];

function check(checks: Record<string, unknown>, name: string): { status?: unknown; value?: number } {
  const c = checks[name];
  if (!c || typeof c !== "object") return {};
  const v = (c as { observedValue?: unknown }).observedValue;
  return {
    status: (c as { status?: unknown }).status,
    value: typeof v === "number" && Number.isFinite(v) ? v : undefined,
  };
}

/** Parse a `system:ping` payload; undefined when it carries no health object at all. */
export function parseHealth(payload: Record<string, unknown>): PhoneHealth | undefined {
  const h = payload.health;
  if (!h || typeof h !== "object") return undefined;
  const health = h as Record<string, unknown>;
  const checks =
    health.checks && typeof health.checks === "object" ? (health.checks as Record<string, unknown>) : {};
  const status = health.status === "fail" || health.status === "warn" ? health.status : "pass";
  const level = check(checks, "battery:level").value;
  const charging = check(checks, "battery:charging").value;
  const internet = check(checks, "connection:status").value;
  const transport = check(checks, "connection:transport").value;
  const failed = check(checks, "messages:failed").value;
  return {
    status,
    batteryLevel: level === undefined ? null : Math.max(0, Math.min(100, Math.round(level))),
    // Flags: bit 0 = charging, 2 = AC, 4 = USB.
    charging: charging === undefined ? null : (charging & 1) === 1,
    internet: internet === undefined ? null : internet === 1,
    transport:
      transport === undefined ? [] : TRANSPORTS.filter(([bit]) => (transport & bit) !== 0).map(([, n]) => n),
    failedLastHour: failed === undefined ? null : Math.max(0, Math.trunc(failed)),
    version: typeof health.version === "string" ? health.version.slice(0, 32) : null,
  };
}

export function readHealth(raw: string | null): PhoneHealth | null {
  if (!raw) return null;
  try {
    return JSON.parse(raw) as PhoneHealth;
  } catch {
    return null;
  }
}

export function isBatteryLow(h: PhoneHealth | null): boolean {
  return (
    h?.batteryLevel !== null &&
    h?.batteryLevel !== undefined &&
    h.batteryLevel < BATTERY_LOW_PERCENT &&
    h.charging !== true
  );
}

/** `me.capcom.smsgateway/1.68.0` → `1.68.0`. */
export function appVersionFrom(userAgent: string | undefined): string | undefined {
  const m = /me\.capcom\.smsgateway\/([0-9A-Za-z.+_-]{1,32})/.exec(userAgent ?? "");
  return m?.[1];
}

/** The first app version with the SSE-only notification channel (what myCRMSIM needs). */
export const MIN_APP_VERSION = "1.53.0";

/** True when `version` is older than MIN_APP_VERSION (unknown versions are not flagged). */
export function isOutdatedApp(version: string | null | undefined): boolean {
  if (!version) return false;
  const a = version.split(/[.+-]/).map((p) => Number.parseInt(p, 10));
  if (!Number.isFinite(a[0])) return false;
  const b = MIN_APP_VERSION.split(".").map((p) => Number.parseInt(p, 10));
  for (let i = 0; i < 3; i++) {
    const x = Number.isFinite(a[i]) ? (a[i] as number) : 0;
    const y = b[i] as number;
    if (x !== y) return x < y;
  }
  return false;
}
