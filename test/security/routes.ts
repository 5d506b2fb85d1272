/**
 * The authenticated JSON routes of the API (/api/v1, OAuth access token) and of the phones
 * (/api/mobile/v1, device token), with a request that would fail validation: what findings L2 and the
 * fuzz test drive. `:id` is filled in by the test (a real id or a junk one).
 */
export interface RouteCase {
  method: "GET" | "POST" | "PATCH" | "DELETE";
  path: string;
  /** A query that fails validation (sent on routes without a body). */
  badQuery?: string;
  /** Whether the route takes a JSON body. */
  body: boolean;
}

export const API_ROUTES: RouteCase[] = [
  { method: "POST", path: "/api/v1/messages", body: true },
  { method: "GET", path: "/api/v1/messages", badQuery: "?direction=sideways&limit=0&foo=1", body: false },
  { method: "GET", path: `/api/v1/messages/${"x".repeat(70)}`, body: false },
  { method: "GET", path: "/api/v1/me", body: false },
  { method: "GET", path: "/api/v1/locations", body: false },
  { method: "POST", path: "/api/v1/webhooks/subscribe", body: true },
  { method: "POST", path: "/api/v1/webhooks/unsubscribe", body: true },
  { method: "GET", path: "/api/v1/webhooks", badQuery: `?locationId=${"l".repeat(70)}`, body: false },
  { method: "GET", path: `/api/v1/webhooks/${"w".repeat(70)}`, body: false },
  { method: "DELETE", path: `/api/v1/webhooks/${"w".repeat(70)}`, body: true },
  { method: "GET", path: "/api/v1/webhooks/wh_x/deliveries", badQuery: "?limit=0", body: false },
  { method: "POST", path: `/api/v1/webhooks/${"w".repeat(70)}/replay`, body: true },
];

export const MOBILE_ROUTES: RouteCase[] = [
  { method: "POST", path: "/api/mobile/v1/device", body: true },
  { method: "PATCH", path: "/api/mobile/v1/device", body: true },
  { method: "GET", path: "/api/mobile/v1/message", badQuery: "?order=random", body: false },
  { method: "GET", path: "/api/mobile/v1/messages", badQuery: "?order=random", body: false },
  { method: "PATCH", path: "/api/mobile/v1/message", body: true },
  { method: "PATCH", path: "/api/mobile/v1/messages", body: true },
  { method: "GET", path: "/api/mobile/v1/webhooks", body: false },
  { method: "GET", path: "/api/mobile/v1/settings", body: false },
  { method: "GET", path: "/api/mobile/v1/events", body: false },
];

/** Bodies that would be refused by parsing or validation: each must still get 401 without a token. */
export const BAD_BODIES: { name: string; contentType: string; body: string }[] = [
  { name: "{}", contentType: "application/json", body: "{}" },
  { name: "[{}]", contentType: "application/json", body: "[{}]" },
  { name: "not json", contentType: "application/json", body: "not json" },
  { name: "empty body", contentType: "application/json", body: "" },
  { name: "text/plain", contentType: "text/plain", body: "hello" },
];
