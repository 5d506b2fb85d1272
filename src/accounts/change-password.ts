import type { Ctx } from "../context.js";
import { AppError } from "../core/errors.js";
import { accounts } from "../store/repos/index.js";
import { hashPassword, verifyPassword } from "./password.js";
import { reserveAttempt } from "./throttle.js";
import { checkPassword } from "./validate.js";

/**
 * Change a password after checking the current one; ends the user's other sessions. The check of
 * the current password is throttled like sign-in (same counters), so a borrowed session cannot be
 * used to guess it.
 */
export async function changePassword({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: {
    userId: string;
    currentPassword: string;
    newPassword: string;
    keepSessionHash?: string;
    ip?: string;
    knownDevice?: boolean;
  };
}): Promise<void> {
  const user = await accounts.users.byId(ctx.db, input.userId);
  if (!user) throw new AppError("user_not_found", "No such user");
  checkPassword(input.newPassword, "new_password");
  const attempt = await reserveAttempt(ctx, {
    email: user.email,
    ip: input.ip,
    knownDevice: input.knownDevice,
  });
  if (!(await verifyPassword(user.password_hash, input.currentPassword))) {
    throw new AppError("invalid_credentials", "current_password: incorrect", {
      details: { field: "current_password" },
    });
  }
  await attempt.succeeded();
  const hash = await hashPassword(input.newPassword);
  await ctx.store.transaction(async (tx) => {
    await accounts.users.setPasswordHash(tx, user.id, hash, ctx.clock.now());
    await accounts.sessions.removeForUser(tx, user.id, input.keepSessionHash);
  }, ctx.db);
}
