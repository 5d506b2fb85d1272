import { inTransaction, type Ctx } from "../context.js";
import { AppError } from "../core/errors.js";
import { accounts } from "../store/repos/index.js";
import { type LocationView, presentLocation } from "./presenters.js";
import { normalizeEmail } from "./validate.js";

export type Role = "owner" | "member";

/** The locations a user can reach, with their role in each. */
export async function listUserLocations({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { userId: string };
}): Promise<LocationView[]> {
  const rows = await accounts.locations.listForUser(ctx.db, input.userId);
  return rows.map(presentLocation);
}

/** The role of a user in a location, or undefined when the user is not a member. */
export async function roleIn({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { userId: string; locationId: string };
}): Promise<Role | undefined> {
  const m = await accounts.memberships.get(ctx.db, input.userId, input.locationId);
  return m ? (m.role as Role) : undefined;
}

/** Add an existing user (by email) to a location. Only an owner of the location may do it. */
export async function addMember({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { actorUserId: string; locationId: string; email: string; role: Role };
}): Promise<void> {
  await inTransaction(ctx, async (tx) => {
    await requireOwner(tx, input.actorUserId, input.locationId);
    const user = await accounts.users.byEmail(tx.db, normalizeEmail(input.email));
    if (!user)
      throw new AppError("user_not_found", "email: no user with this email; create the account first");
    const existing = await accounts.memberships.get(tx.db, user.id, input.locationId);
    if (existing) {
      await accounts.memberships.setRole(tx.db, user.id, input.locationId, input.role);
      return;
    }
    await accounts.memberships.insert(tx.db, {
      user_id: user.id,
      location_id: input.locationId,
      role: input.role,
      created_at: tx.clock.now(),
    });
  });
}

/** Remove a member. The last owner cannot be removed (a location always has someone in charge). */
export async function removeMember({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { actorUserId: string; locationId: string; userId: string };
}): Promise<void> {
  await inTransaction(ctx, async (tx) => {
    await requireOwner(tx, input.actorUserId, input.locationId);
    const members = await accounts.memberships.listMembers(tx.db, input.locationId);
    const owners = members.filter((m) => m.role === "owner");
    if (owners.length === 1 && owners[0]?.id === input.userId) {
      throw new AppError("conflict", "A location needs at least one owner");
    }
    await accounts.memberships.remove(tx.db, input.userId, input.locationId);
  });
  // API nodes cache verified tokens for a few seconds (oauth ACCESS_CHANGED_CHANNEL): tell them now.
  await ctx.store.notify("access_changed", "").catch((e: unknown) => {
    ctx.log.warn({ err: e }, "could not tell API nodes about the removed member");
  });
}

/** Rename a location (owners only). */
export async function renameLocation({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { actorUserId: string; locationId: string; name: string };
}): Promise<LocationView> {
  return inTransaction(ctx, async (tx) => {
    await requireOwner(tx, input.actorUserId, input.locationId);
    const name = input.name.trim();
    if (!name || name.length > 120)
      throw new AppError("validation_failed", "name: must be 1 to 120 characters");
    await accounts.locations.rename(tx.db, input.locationId, name, tx.clock.now());
    const row = await accounts.locations.byId(tx.db, input.locationId);
    if (!row) throw new AppError("location_not_found", "No such location");
    return presentLocation(row);
  });
}

async function requireOwner(ctx: Ctx, userId: string, locationId: string): Promise<void> {
  const m = await accounts.memberships.get(ctx.db, userId, locationId);
  if (!m)
    throw new AppError("location_not_found", "The location does not exist or you don't have access to it");
  if (m.role !== "owner") throw new AppError("forbidden", "Only an owner of the location may do this");
}
