import { randomInt } from "node:crypto";
import type { Ctx } from "../context.js";
import { randomToken, sha256Hex } from "../core/crypto.js";
import { AppError } from "../core/errors.js";
import { newId } from "../core/ids.js";
import { accounts, devices as repo } from "../store/repos/index.js";

export interface Pairing {
  pairingId: string;
  locationId: string;
  /** Enter as the private token in the SMSGate app (or scan the QR code). Shown once. */
  token: string;
  /** The same pairing as a short code (`Authorization: Code …`). Shown once. */
  code: string;
  expiresAt: string;
}

/** A one-time pairing for a location. Both token and code are stored only as hashes. */
export async function createPairing({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { locationId: string; createdBy?: string; ttlMs: number };
}): Promise<Pairing> {
  const location = await accounts.locations.byId(ctx.db, input.locationId);
  if (!location) throw new AppError("location_not_found", `No location ${input.locationId}`);
  const now = ctx.clock.now();
  const token = randomToken(24, "pt_");
  // Eight digits: short enough to type, single use and short-lived, so guessing one is impractical.
  const code = String(randomInt(0, 100_000_000)).padStart(8, "0");
  const id = newId("pairing", now);
  await repo.pairings.insert(ctx.db, {
    id,
    location_id: input.locationId,
    token_hash: sha256Hex(token),
    code_hash: sha256Hex(`code:${code}`),
    created_by: input.createdBy ?? null,
    created_at: now,
    expires_at: now + input.ttlMs,
    used_at: null,
    device_id: null,
  });
  return {
    pairingId: id,
    locationId: input.locationId,
    token,
    code,
    expiresAt: new Date(now + input.ttlMs).toISOString(),
  };
}
