import type { Ctx } from "../context.js";
import { AppError } from "../core/errors.js";
import { accounts } from "../store/repos/index.js";
import { hashPassword } from "./password.js";
import { presentUser, type UserView } from "./presenters.js";
import { checkPassword, normalizeEmail } from "./validate.js";

/**
 * Set a user's password without knowing the old one: an administrator's reset (dashboard) or the
 * operator's way back in (`mycrmsim users set-password`). The policy is the one of every other form;
 * every session of the user ends, so whoever knew the old password is signed out. OAuth connections
 * stay: they never saw the password.
 *
 * Positional `(ctx, input)` rather than `({ ctx, input })`: the CLI was written against this shape.
 */
export async function setUserPassword(
  ctx: Ctx,
  input: { email: string; password: string },
): Promise<{ user: UserView }> {
  const email = normalizeEmail(input.email);
  checkPassword(input.password);
  const user = await accounts.users.byEmail(ctx.db, email);
  if (!user) throw new AppError("user_not_found", `No user with email ${email}`);
  const hash = await hashPassword(input.password);
  const now = ctx.clock.now();
  await ctx.store.transaction(async (tx) => {
    await accounts.users.setPasswordHash(tx, user.id, hash, now);
    await accounts.sessions.removeForUser(tx, user.id);
  }, ctx.db);
  return { user: presentUser({ ...user, updated_at: now }) };
}
