import type { QueuedRow } from "../store/repos/devices.js";

/**
 * A queued message as SMSGate's `MobileMessage`. The stock app sends SMS only, so attachment URLs are
 * appended to the text (one per line) rather than dropped. `validUntil` is the end of this phone's
 * hold on the message (or the message's own deadline, if sooner): past it the app refuses to send
 * ("TTL expired"), so a phone that lost a message to another phone never sends it late.
 */
export function presentMobileMessage(m: QueuedRow, ttlMs: number) {
  let urls: string[] = [];
  try {
    const v = JSON.parse(m.attachments) as unknown;
    if (Array.isArray(v)) urls = v.filter((u): u is string => typeof u === "string");
  } catch {
    urls = [];
  }
  const text = [m.body ?? "", ...urls].filter((s) => s.length > 0).join("\n");
  const deadline = m.expires_at ?? m.created_at + ttlMs;
  const validUntil = m.lease_until !== null ? Math.min(deadline, m.lease_until) : deadline;
  return {
    id: m.id,
    message: text,
    textMessage: { text },
    phoneNumbers: [m.phone],
    ...(m.sim_number !== null ? { simNumber: m.sim_number } : {}),
    withDeliveryReport: true,
    isEncrypted: false,
    priority: 0,
    validUntil: new Date(validUntil).toISOString(),
    state: "Pending",
    createdAt: new Date(m.created_at).toISOString(),
  };
}
