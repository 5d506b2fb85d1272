import type { QueuedRow } from "../store/repos/devices.js";

/**
 * A queued message as SMSGate's `MobileMessage`. The stock app sends SMS only, so attachment URLs are
 * appended to the text (one per line) rather than dropped. The deadline goes as `validUntil` (SMSGate
 * treats `ttl` and `validUntil` as alternatives), so the phone itself refuses to send late.
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
  const validUntil = m.expires_at ?? m.created_at + ttlMs;
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
