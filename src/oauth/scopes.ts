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

export function formatScopes(scopes: readonly Scope[]): string {
  return SCOPES.filter((s) => scopes.includes(s)).join(" ");
}

/** What each scope allows, in plain words (consent page, metadata, docs). */
export const SCOPE_TEXT: Record<Scope, string> = {
  "locations:read": "See the names of the locations you choose below",
  "messages:send": "Send SMS and MMS from those locations' phones",
  "messages:read": "Read the messages sent and received at those locations",
  "webhooks:write": "Get notified of new messages and delivery updates (webhooks)",
};
