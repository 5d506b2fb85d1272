import { inTransaction, type Ctx } from "../context.js";
import { randomToken, sha256Hex } from "../core/crypto.js";
import { AppError } from "../core/errors.js";
import { newId } from "../core/ids.js";
import { devices as repo } from "../store/repos/index.js";
import type { SimCard } from "./presenters.js";
import { announcePushOnly } from "./announce-status.js";
import { verifyReregistration } from "./tokens.js";

export interface Registration {
  id: string;
  token: string;
  login: string;
}

export interface RegisterInput {
  /** `Bearer <pairing token or re-registration token>` or `Code <one-time code>`, as sent. */
  credential: { kind: "bearer" | "code"; value: string };
  name?: string;
  pushToken?: string | null;
  simCards?: SimCard[];
  secret: string;
}

const refused = () =>
  new AppError("unauthorized", "Pairing token or code is invalid, already used or expired");

/**
 * POST /device. A pairing token or code binds a NEW phone to the pairing's location (once). A
 * re-registration token (handed out in GET /settings) gives the same phone a fresh device token.
 * The device token is returned once and stored as its SHA-256.
 */
export async function registerDevice({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: RegisterInput;
}): Promise<Registration> {
  const now = ctx.clock.now();
  const token = randomToken(24, "dt_");
  const sims = JSON.stringify(input.simCards ?? []);
  return inTransaction(ctx, async (tx) => {
    if (input.credential.kind === "bearer" && input.credential.value.startsWith("rr_")) {
      const deviceId = await verifyReregistration({
        ctx: tx,
        input: { secret: input.secret, token: input.credential.value },
      });
      const device = deviceId ? await repo.devices.byId(tx.db, deviceId) : undefined;
      if (!device) throw refused();
      await repo.devices.update(tx.db, device.id, {
        token_hash: sha256Hex(token),
        ...(input.name ? { name: input.name } : {}),
        push_token: input.pushToken ?? null,
        ...(input.simCards ? { sim_cards: sims } : {}),
        updated_at: now,
        last_seen_at: now,
        registered_at: now,
      });
      await announcePushOnly(tx, { ...device, push_token: input.pushToken ?? null }, !!device.push_token);
      return { id: device.id, token, login: device.location_id };
    }
    const pairing = await repo.pairings.consume(
      tx.db,
      input.credential.kind === "bearer"
        ? { tokenHash: sha256Hex(input.credential.value) }
        : { codeHash: sha256Hex(`code:${input.credential.value}`) },
      now,
    );
    if (!pairing) throw refused();
    const id = newId("device", now);
    await repo.devices.insert(tx.db, {
      id,
      location_id: pairing.location_id,
      name: (input.name ?? "").trim().slice(0, 128) || "Android phone",
      token_hash: sha256Hex(token),
      push_token: input.pushToken ?? null,
      sim_cards: sims,
      signing_key: randomToken(32),
      limit_per_minute: null,
      limit_per_hour: null,
      limit_per_day: null,
      send_interval_min: null,
      send_interval_max: null,
      created_at: now,
      updated_at: now,
      last_seen_at: now,
      registered_at: now,
      // Anything the phone received between its own start and this registration: ask for it again
      // once it has its webhooks (see gateway/events-route.ts).
      export_since: now,
    });
    await repo.pairings.setDevice(tx.db, pairing.id, id);
    const created = await repo.devices.byId(tx.db, id);
    if (created) await announcePushOnly(tx, created, false);
    return { id, token, login: pairing.location_id };
  });
}
