import type { Ctx } from "../context.js";
import { sha256Hex } from "../core/crypto.js";
import { AppError } from "../core/errors.js";
import type { InboundPart } from "../messages/index.js";
import type { DeviceRow } from "../store/repos/devices.js";
import { recordInbound } from "./messages-port.js";

/** Standard or URL-safe base64, padded or not, line breaks allowed (the app sends NO_WRAP standard). */
const BASE64 = /^[A-Za-z0-9+/_\s-]*={0,2}\s*$/;

/**
 * SMSGate's `mms:downloaded` (app v1.68+; Gson leaves out nulls): `{messageId, sender, recipient?,
 * simNumber?, phoneNumber, body?, subject?, attachments: [{partId, contentType, name?, size?, data?}],
 * receivedAt}`, `data` in base64. Decodes the parts and records the message with them in the caller's
 * transaction (the ingest event's savepoint), so the phone's 2xx means the parts are stored too.
 * A part the phone sent without data, or with data that is not base64, is recorded without content:
 * an inbound message is never refused for its attachments. Returns the message id.
 */
export async function ingestMms({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { device: DeviceRow; payload: Record<string, unknown> };
}): Promise<string> {
  const p = input.payload;
  const phone = str(p.sender) ?? str(p.phoneNumber);
  if (!phone) throw new AppError("invalid_request", "payload.sender: required");
  // PostgreSQL refuses NUL in text; dropping it beats losing the message to endless retries.
  const body = (str(p.body) ?? str(p.subject) ?? "").replaceAll("\u0000", "");
  const receivedAt = time(p.receivedAt) ?? ctx.clock.now();
  const sim =
    typeof p.simNumber === "number" && Number.isInteger(p.simNumber) && p.simNumber >= 1 && p.simNumber <= 8
      ? p.simNumber
      : undefined;
  const phoneMessageId = str(p.messageId) ?? (typeof p.messageId === "number" ? String(p.messageId) : "");
  // Retries carry the same envelope id (de-duplicated before this); an inbox export re-posts the
  // same MMS under a new one. Both must land once: key on what the MMS itself is — sender, time,
  // the phone's MMS row id, text and SIM — like the SMS key.
  const dedupeKey = `mms:${sha256Hex(
    [input.device.location_id, phone, receivedAt, phoneMessageId, body, sim ?? ""].join("\n"),
  )}`;
  const r = await recordInbound({
    ctx,
    input: {
      locationId: input.device.location_id,
      phone,
      body,
      parts: (Array.isArray(p.attachments) ? p.attachments : []).map(decodePart),
      receivedAt,
      dedupeKey,
      deviceId: input.device.id,
      simNumber: sim,
    },
  });
  return r.message.id;
}

function decodePart(raw: unknown): InboundPart {
  const a = raw && typeof raw === "object" ? (raw as Record<string, unknown>) : {};
  const partId = typeof a.partId === "number" || typeof a.partId === "string" ? String(a.partId) : undefined;
  const part: InboundPart = {
    ...(partId ? { partId } : {}),
    contentType: str(a.contentType) ?? "application/octet-stream",
    ...(str(a.name) ? { name: str(a.name) } : {}),
    ...(typeof a.size === "number" ? { reportedSize: a.size } : {}),
  };
  const data = str(a.data);
  if (!data) return { ...part, missing: "not_sent" };
  if (!BASE64.test(data)) return { ...part, missing: "invalid" };
  return { ...part, data: Buffer.from(data, "base64") };
}

function str(v: unknown): string | undefined {
  return typeof v === "string" && v.length > 0 ? v : undefined;
}

function time(v: unknown): number | undefined {
  const t = typeof v === "string" ? Date.parse(v) : Number.NaN;
  return Number.isFinite(t) ? t : undefined;
}
