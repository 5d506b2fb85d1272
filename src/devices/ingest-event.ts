import { randomBytes } from "node:crypto";
import { type Ctx, withDb } from "../context.js";
import { hmacHex, safeEqual, sha256Hex } from "../core/crypto.js";
import { AppError } from "../core/errors.js";
import type { DeviceRow } from "../store/repos/devices.js";
import { devices as repo } from "../store/repos/index.js";
import { applyPhoneOutcome } from "./apply-outcome.js";
import { isBatteryLow, parseHealth, readHealth } from "./health.js";
import { ingestMms } from "./ingest-mms.js";
import { recordInbound } from "./messages-port.js";
import { noteContact } from "./note-contact.js";
import { announceDeviceStatus } from "./announce-status.js";

export interface IngestInput {
  deviceId: string;
  /** The device row when the transport already read it (the gateway's pre-body gate). */
  device?: DeviceRow;
  /** The request body exactly as received: the signature covers these bytes. */
  rawBody: string;
  signature: string | undefined;
  timestamp: string | undefined;
  maxSkewMs: number;
  onlineMs: number;
}

interface Envelope {
  id?: unknown;
  event?: unknown;
  payload?: Record<string, unknown>;
}

const OUTCOMES: Record<string, "sent" | "delivered" | "failed" | undefined> = {
  "sms:sent": "sent",
  "sms:delivered": "delivered",
  "sms:failed": "failed",
};

const bad = (m: string) => new AppError("unauthorized", m);
const UNKNOWN_DEVICE_KEY = randomBytes(32).toString("hex");

/**
 * A webhook the phone posted (SMSGate envelope `{id, webhookId, event, deviceId, payload}`), signed
 * with the device's key: hex HMAC-SHA256 over raw body + X-Timestamp. Verified, refused outside the
 * replay window, de-duplicated by envelope id, and applied in ONE transaction with the de-dup record,
 * so a 2xx means it is stored and a failure leaves nothing half done for the phone's retry.
 */
export async function ingestEvent({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: IngestInput;
}): Promise<{ event: string; duplicate: boolean; messageId?: string }> {
  // The timestamp checks name no device; after them an unknown device and a bad signature get the same
  // answer (and the same HMAC work), so the endpoint is no oracle for device ids (finding I1). The text is
  // the gateway's pre-body gate's for an unknown device; the log tells the cases apart.
  const now = ctx.clock.now();
  const ts = Number(input.timestamp);
  if (!input.timestamp || !Number.isInteger(ts)) throw bad("X-Timestamp: missing or not Unix seconds");
  if (Math.abs(now - ts * 1000) > input.maxSkewMs) throw bad("X-Timestamp: outside the accepted window");
  const device = input.device ?? (await repo.devices.byId(ctx.db, input.deviceId));
  const expected = hmacHex(device?.signing_key ?? UNKNOWN_DEVICE_KEY, input.rawBody + input.timestamp);
  if (!device || !input.signature || !safeEqual(expected, input.signature.toLowerCase())) {
    ctx.log.debug(
      { deviceId: input.deviceId, known: !!device },
      "ingest refused: unknown device or bad X-Signature",
    );
    throw bad("Unknown device");
  }
  let env: Envelope;
  try {
    env = JSON.parse(input.rawBody) as Envelope;
  } catch {
    throw new AppError("invalid_request", "body: not valid JSON");
  }
  const event = typeof env.event === "string" ? env.event : "";
  const p = env.payload && typeof env.payload === "object" ? env.payload : {};
  if (typeof env.id !== "string" || !env.id || env.id.length > 128 || !event) {
    throw new AppError("invalid_request", "body: id and event are required");
  }
  // Stored as text: PostgreSQL refuses NUL, and a phone must never be stuck re-posting what we refuse.
  const envelopeId = clean(env.id);
  // Group commit: a phone flushing a backlog (or many phones at once) shares one durable commit per
  // event-loop turn instead of paying an fsync per event; each event keeps its own savepoint.
  return ctx.store.batch(async (db) => {
    const tx = withDb(ctx, db);
    await noteContact({ ctx: tx, input: { device, onlineMs: input.onlineMs } });
    if (!(await repo.events.firstSeen(tx.db, device.id, envelopeId, event, now))) {
      return { event, duplicate: true };
    }
    if (event === "system:ping") {
      const health = parseHealth(p);
      if (!health) return { event, duplicate: false };
      const wasLow = isBatteryLow(readHealth(device.health));
      const row = { ...device, health: JSON.stringify(health), health_at: now };
      await repo.devices.update(tx.db, device.id, {
        health: row.health,
        health_at: now,
        ...(health.version ? { app_version: health.version } : {}),
      });
      // Announce a battery running low once, when it crosses the line (not on every ping).
      if (!wasLow && isBatteryLow(health)) {
        await announceDeviceStatus(tx, row, "battery_low");
      }
      return { event, duplicate: false };
    }
    if (event === "mms:downloaded") {
      const messageId = await ingestMms({ ctx: tx, input: { device, payload: p } });
      return { event, duplicate: false, messageId };
    }
    const sim =
      typeof p.simNumber === "number" && Number.isInteger(p.simNumber) && p.simNumber >= 1 && p.simNumber <= 8
        ? p.simNumber
        : undefined;
    if (event === "sms:received") {
      const phone = str(p.sender) ?? str(p.phoneNumber);
      const body = str(p.message) ?? "";
      if (!phone) throw new AppError("invalid_request", "payload.sender: required");
      const receivedAt = time(p.receivedAt) ?? now;
      // The app's messageId is a content hash, not unique; our key: sender, time, text and SIM.
      const dedupeKey = `sms:${sha256Hex([device.location_id, phone, receivedAt, body, sim ?? ""].join("\n"))}`;
      const r = await recordInbound({
        ctx: tx,
        input: {
          locationId: device.location_id,
          phone,
          body,
          receivedAt,
          dedupeKey,
          deviceId: device.id,
          simNumber: sim,
        },
      });
      return { event, duplicate: false, messageId: (r as { message?: { id?: string } }).message?.id };
    }
    const status = OUTCOMES[event];
    const rawId = str(p.messageId);
    const messageId = rawId === undefined ? undefined : clean(rawId);
    if (status && messageId) {
      const at = time(p.sentAt) ?? time(p.deliveredAt) ?? time(p.failedAt) ?? now;
      await applyPhoneOutcome({
        ctx: tx,
        input: {
          device,
          messageId,
          status,
          at,
          error: status === "failed" ? str(p.reason) : undefined,
          simNumber: sim,
        },
      });
    }
    return { event, duplicate: false, messageId };
  });
}

/** NUL cannot be stored in PostgreSQL text; such an id matches nothing of ours anyway. */
function clean(v: string): string {
  return v.replaceAll("\u0000", "\uFFFD");
}

function str(v: unknown): string | undefined {
  return typeof v === "string" && v.length > 0 ? v : undefined;
}

function time(v: unknown): number | undefined {
  const t = typeof v === "string" ? Date.parse(v) : Number.NaN;
  return Number.isFinite(t) ? t : undefined;
}
