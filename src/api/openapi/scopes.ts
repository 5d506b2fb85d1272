import type { Scope } from "../../oauth/index.js";

/** What each scope lets an integration do (the oauth2 security scheme and /docs). */
export const SCOPE_DESCRIPTIONS: Record<Scope, string> = {
  "locations:read": "See the locations you choose, with their phones' presence",
  "messages:send": "Send SMS and MMS from the locations' phones",
  "messages:read": "Read message history, and receive inbound messages by webhook",
  "webhooks:write": "Manage webhook subscriptions and see their delivery logs",
};
