import { inTransaction, type Ctx } from "../context.js";
import { AppError } from "../core/errors.js";
import { newId } from "../core/ids.js";
import { accounts } from "../store/repos/index.js";
import { type LocationView, presentLocation } from "./presenters.js";
import { checkTimeZone, normalizeEmail } from "./validate.js";

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

/** How long an invitation stays open. */
export const INVITATION_TTL_MS = 14 * 86_400_000;

/** What `addMember` did; an invitation is answered the same whether the email has an account. */
export type AddMemberOutcome = "role_changed" | "added" | "invited";

/**
 * Give someone access to a location (owners only):
 * - an email that is already a member: their role changes (the last owner cannot step down);
 * - an administrator naming an existing account: added at once (administrators manage accounts);
 * - otherwise: an invitation to the email address, which its owner accepts or declines on their
 *   account page. Nobody lands in a location they did not choose, and the answer does not say
 *   whether the address has an account.
 */
export async function addMember({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { actorUserId: string; locationId: string; email: string; role: Role };
}): Promise<AddMemberOutcome> {
  return inTransaction(ctx, async (tx) => {
    await requireOwner(tx, input.actorUserId, input.locationId);
    const email = normalizeEmail(input.email);
    const now = tx.clock.now();
    const user = await accounts.users.byEmail(tx.db, email);
    const existing = user ? await accounts.memberships.get(tx.db, user.id, input.locationId) : undefined;
    if (user && existing) {
      if (existing.role === "owner" && input.role !== "owner")
        await requireAnotherOwner(tx, input.locationId);
      await accounts.memberships.setRole(tx.db, user.id, input.locationId, input.role);
      return "role_changed";
    }
    const actor = await accounts.users.byId(tx.db, input.actorUserId);
    if (user && actor?.is_admin === 1) {
      await accounts.memberships.insert(tx.db, {
        user_id: user.id,
        location_id: input.locationId,
        role: input.role,
        created_at: now,
      });
      return "added";
    }
    await accounts.invitations.upsert(tx.db, {
      id: newId("invitation", now),
      location_id: input.locationId,
      email,
      role: input.role,
      invited_by: input.actorUserId,
      created_at: now,
      expires_at: now + INVITATION_TTL_MS,
    });
    return "invited";
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
    const m = await accounts.memberships.get(tx.db, input.userId, input.locationId);
    if (m?.role === "owner") await requireAnotherOwner(tx, input.locationId);
    await accounts.memberships.remove(tx.db, input.userId, input.locationId);
  });
  // API nodes cache verified tokens for a few seconds (oauth ACCESS_CHANGED_CHANNEL): tell them now.
  await ctx.store.notify("access_changed", "").catch((e: unknown) => {
    ctx.log.warn({ err: e }, "could not tell API nodes about the removed member");
  });
}

/** Rename a location, and change its time zone when `timeZone` is given (owners only). */
export async function renameLocation({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { actorUserId: string; locationId: string; name: string; timeZone?: string };
}): Promise<LocationView> {
  return inTransaction(ctx, async (tx) => {
    await requireOwner(tx, input.actorUserId, input.locationId);
    const name = input.name.trim();
    if (!name || name.length > 120)
      throw new AppError("validation_failed", "name: must be 1 to 120 characters");
    const timeZone = input.timeZone === undefined ? undefined : checkTimeZone(input.timeZone);
    await accounts.locations.rename(tx.db, input.locationId, name, tx.clock.now());
    if (timeZone) await accounts.locations.setTimeZone(tx.db, input.locationId, timeZone, tx.clock.now());
    const row = await accounts.locations.byId(tx.db, input.locationId);
    if (!row) throw new AppError("location_not_found", "No such location");
    return presentLocation(row);
  });
}

/** A location always keeps an owner: refuse to remove or demote the last one. */
async function requireAnotherOwner(ctx: Ctx, locationId: string): Promise<void> {
  const members = await accounts.memberships.listMembers(ctx.db, locationId);
  if (members.filter((m) => m.role === "owner").length <= 1) {
    throw new AppError("conflict", "A location needs at least one owner: make someone else an owner first");
  }
}

export async function requireOwner(ctx: Ctx, userId: string, locationId: string): Promise<void> {
  const m = await accounts.memberships.get(ctx.db, userId, locationId);
  if (!m)
    throw new AppError("location_not_found", "The location does not exist or you don't have access to it");
  if (m.role !== "owner") throw new AppError("forbidden", "Only an owner of the location may do this");
}
