import { inTransaction, type Ctx } from "../context.js";
import { AppError } from "../core/errors.js";
import { newId } from "../core/ids.js";
import { accounts } from "../store/repos/index.js";
import { type LocationView, presentLocation } from "./presenters.js";
import { checkName, checkTimeZone } from "./validate.js";

export interface CreateLocationInput {
  /** The user who owns the new location. */
  ownerUserId: string;
  name: string;
  timeZone?: string;
}

/** Create a location and make `ownerUserId` its owner, in one transaction. */
export async function createLocation({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: CreateLocationInput;
}): Promise<LocationView> {
  const name = checkName(input.name);
  const timeZone = checkTimeZone(input.timeZone ?? "UTC");
  return inTransaction(ctx, async (tx) => {
    const owner = await accounts.users.byId(tx.db, input.ownerUserId);
    if (!owner) throw new AppError("user_not_found", "owner: no such user");
    const now = tx.clock.now();
    const row = { id: newId("location", now), name, time_zone: timeZone, created_at: now, updated_at: now };
    await accounts.locations.insert(tx.db, row);
    await accounts.memberships.insert(tx.db, {
      user_id: owner.id,
      location_id: row.id,
      role: "owner",
      created_at: now,
    });
    return presentLocation({ ...row, role: "owner" });
  });
}
