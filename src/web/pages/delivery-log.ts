import { STATUS_CODES } from "node:http";
import type { DeliveryView } from "../../webhooks/index.js";
import { html, type SafeHtml } from "../html.js";

/**
 * The words of a webhook delivery log row. Two things are called "delivered" in this product, the SMS
 * and the webhook, so the webhook's outcome says "succeeded", and each row says which message and
 * which SMS status it carried.
 */

const OUTCOME: Record<string, { text: string; badge: string }> = {
  delivered: { text: "succeeded", badge: "ok" },
  failed: { text: "failed", badge: "bad" },
  pending: { text: "retrying", badge: "warn" },
};

export function deliveryOutcome(d: DeliveryView): SafeHtml {
  const o =
    d.status === "pending" && d.attempts === 0
      ? { text: "sending", badge: "warn" }
      : (OUTCOME[d.status] ?? { text: d.status, badge: "" });
  return html`<span class="badge ${o.badge}">${o.text}</span>`;
}

/** An HTTP status with its reason: "200 OK", "503 Service Unavailable"; 0 or none is "no answer". */
export function httpAnswer(code: number | null | undefined): string {
  if (!code) return "no answer";
  const reason = STATUS_CODES[code];
  return reason ? `${code} ${reason}` : String(code);
}

/** What the delivery carried, for `message_status`, `new_message` and `device_status` payloads. */
export function deliverySubject(d: DeliveryView, locationId: string): SafeHtml {
  const p = (d.payload ?? {}) as Record<string, unknown>;
  const str = (k: string) => (typeof p[k] === "string" ? (p[k] as string) : "");
  const msg = (id: string) =>
    /^msg_[0-9a-z]{10,40}$/.test(id)
      ? html`<a class="mono" href="/locations/${locationId}/messages/${id}">${id}</a>`
      : html`<span class="mono">${id}</span>`;
  if (d.event === "message_status") {
    return html`<span class="mono">message_status</span><div>SMS to <span class="mono">${str("phone")}</span> is
<strong>${str("status")}</strong></div><div class="muted">${msg(str("id"))}</div>`;
  }
  if (d.event === "new_message") {
    return html`<span class="mono">new_message</span><div>SMS from <span class="mono">${str("phone_number")}</span></div>
<div class="muted">${msg(str("id"))}</div>`;
  }
  if (d.event === "device_status") {
    return html`<span class="mono">device_status</span><div>Phone ${str("name") || str("deviceId")} is <strong>${str("status")}</strong></div>`;
  }
  return html`<span class="mono">${d.event}</span>`;
}

/** Network failures in plain words, most specific first; the raw text stays available beside them. */
const PLAIN: { test: RegExp; text: string }[] = [
  { test: /ECONNREFUSED/, text: "connection refused: nothing accepts connections at that address and port" },
  { test: /ENOTFOUND|EAI_AGAIN|EAI_NONAME|getaddrinfo/, text: "DNS: the host name could not be resolved" },
  {
    test: /CERT|certificate|SSL|TLS|self[- ]signed|UNABLE_TO_VERIFY|ERR_TLS/i,
    text: "TLS: the receiver's certificate was refused (expired, self-signed or for another name)",
  },
  {
    test: /timeout|timed out|ETIMEDOUT|UND_ERR_.*TIMEOUT/i,
    text: "timed out: the receiver did not answer in time",
  },
  {
    test: /ECONNRESET|socket hang up|UND_ERR_SOCKET|other side closed/i,
    text: "connection reset by the receiver",
  },
  { test: /EHOSTUNREACH|ENETUNREACH/, text: "host unreachable: no network route to the receiver" },
  { test: /410 Gone/, text: "the receiver answered 410 Gone: the subscription was removed" },
];

export function plainError(raw: string): string {
  const gaveUp = raw.startsWith("gave up: ");
  const hit = PLAIN.find((p) => p.test.test(raw));
  if (!hit) return raw;
  return gaveUp ? `gave up: ${hit.text}` : hit.text;
}

/** Plain words, with the technical text after them for whoever has to fix it. */
export function errorText(raw: string | null | undefined): SafeHtml {
  if (!raw) return html``;
  const plain = plainError(raw);
  return plain === raw
    ? html`<div class="muted">${raw}</div>`
    : html`<div>${plain}</div><div class="muted mono">${raw}</div>`;
}
