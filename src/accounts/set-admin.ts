import { inTransaction, type Ctx } from "../context.js";
import { AppError } from "../core/errors.js";
import { accounts } from "../store/repos/index.js";
import { presentUser, type UserView } from "./presenters.js";

/**
 * Grant or take away administrator rights. Only an administrator may; nobody takes their own away, and
 * the last enabled administrator keeps them (`last_admin`), so an installation always has one who can
 * sign in.
 */
export async function setAdmin({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { actorUserId: string; userId: string; isAdmin: boolean };
}): Promise<UserView> {
  return inTransaction(ctx, async (tx) => {
    await accounts.users.lockAdminRoster(tx.db, tx.clock.now());
    const actor = await accounts.users.byId(tx.db, input.actorUserId);
    if (actor?.is_admin !== 1) throw new AppError("forbidden", "Only administrators can change this");
    const user = await accounts.users.byId(tx.db, input.userId);
    if (!user) throw new AppError("user_not_found", "No such user");
    if (!input.isAdmin && user.id === actor.id)
      throw new AppError("conflict", "You cannot remove your own administrator rights");
    if (!input.isAdmin && (await accounts.users.countOtherEnabledAdmins(tx.db, user.id)) === 0)
      throw new AppError("last_admin", "The installation needs at least one enabled administrator");
    const now = tx.clock.now();
    await accounts.users.setAdmin(tx.db, user.id, input.isAdmin, now);
    return presentUser({ ...user, is_admin: input.isAdmin ? 1 : 0, updated_at: now });
  });
}
