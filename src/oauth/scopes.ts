import { AppError } from "../core/errors.js";

/** The closed list of scopes. Asking for none means all of them. */
export const SCOPES = ["locations:read", "messages:send", "messages:read", "webhooks:write"] as const;
export type Scope = (typeof SCOPES)[number];

export function isScope(s: string): s is Scope {
  return (SCOPES as readonly string[]).includes(s);
}

/** Parse a space-separated scope string; empty means every scope. Unknown scopes throw. */
export function parseScopes(raw: string | undefined | null): Scope[] {
  const parts = (raw ?? "").split(" ").filter(Boolean);
  if (parts.length === 0) return [...SCOPES];
  const bad = parts.filter((p) => !isScope(p));
  if (bad.length > 0) throw new AppError("invalid_request", `scope: unknown scope ${bad.join(", ")}`);
  return [...new Set(parts)] as Scope[];
}

/**
 * The `scope` of a token request (RFC 6749 §3.3, §6): undefined when absent or empty (keep the grant's),
 * else its scopes. An unknown scope is `invalid_scope` (§5.2), not a malformed request.
 */
export function requestedScopes(raw: string | undefined): Scope[] | undefined {
  const parts = (raw ?? "").split(" ").filter(Boolean);
  if (parts.length === 0) return undefined;
  const bad = parts.filter((p) => !isScope(p));
  if (bad.length > 0) throw new AppError("invalid_scope", `scope: unknown scope ${bad.join(", ")}`);
  return [...new Set(parts)] as Scope[];
}

/**
 * An access token issued with fewer scopes than its grant (a narrower `scope` on refresh) carries them
 * as a suffix `.<hex bit mask over SCOPES>`. Tokens are looked up by the hash of the whole string, so
 * the suffix cannot be changed without making the token unknown; no column is needed to store it.
 */
export function scopeSuffix(scopes: readonly Scope[]): string {
  const mask = SCOPES.reduce((m, s, i) => (scopes.includes(s) ? m | (1 << i) : m), 0);
  return `.${mask.toString(16)}`;
}

/** The scopes an access token really has: its grant's, limited by the token's suffix if it has one. */
export function tokenScopes(token: string, granted: readonly Scope[]): Scope[] {
  const m = /\.([0-9a-f]{1,2})$/.exec(token);
  if (!m?.[1]) return [...granted];
  const mask = Number.parseInt(m[1], 16);
  return granted.filter((s) => (mask & (1 << SCOPES.indexOf(s))) !== 0);
}

export function formatScopes(scopes: readonly Scope[]): string {
  return SCOPES.filter((s) => scopes.includes(s)).join(" ");
}

/**
 * What each scope allows, in plain words (consent page, Integrations, Admin → OAuth apps). Worded to
 * read on any of them ("those locations": the ones the user chose), and without the scope's code,
 * which the pages show next to it where it helps.
 */
export const SCOPE_TEXT: Record<Scope, string> = {
  "locations:read": "See the names of the chosen locations and whether their phones are online",
  "messages:send": "Send SMS and MMS from those locations' phones",
  "messages:read": "Read the messages sent and received at those locations",
  // new_message webhooks carry message text, so they also need messages:read (finding I1).
  "webhooks:write":
    "Get notified of delivery and phone status updates, and of new messages if it may read them",
};
