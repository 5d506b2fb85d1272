import { type Ctx, inTransaction } from "../context.js";
import { AppError } from "../core/errors.js";
import { accounts, oauth } from "../store/repos/index.js";
import { presentUser, type UserView } from "./presenters.js";
import { normalizeEmail } from "./validate.js";

/** Name of the access-change channel the OAuth token caches listen on (see oauth/token-cache.ts). */
const ACCESS_CHANGED = "access_changed";

/**
 * Disable or enable an account. Disabling ends at once everything the account could still do: its
 * dashboard sessions are deleted, and its OAuth connections are revoked (tokens answer 401, its apps'
 * webhooks pause); the user cannot sign in until enabled. Enabling gives back sign-in only: apps
 * must be connected again, so a leaked token from before is never revived.
 *
 * Refused: disabling yourself (`actorUserId`, the dashboard's admin), and disabling the last enabled
 * administrator (`last_admin`), whoever asks, the CLI included.
 */
export async function setUserDisabled(
  ctx: Ctx,
  input: { email: string; disabled: boolean; actorUserId?: string },
): Promise<{ user: UserView }> {
  const email = normalizeEmail(input.email);
  const view = await inTransaction(ctx, async (tx) => {
    const now = tx.clock.now();
    await accounts.users.lockAdminRoster(tx.db, now);
    const user = await accounts.users.byEmail(tx.db, email);
    if (!user) throw new AppError("user_not_found", `No user with email ${email}`);
    if (!input.disabled) {
      if (user.disabled_at !== null) await accounts.users.setDisabled(tx.db, user.id, null, now);
      return presentUser({ ...user, disabled_at: null, updated_at: now });
    }
    if (input.actorUserId === user.id) throw new AppError("conflict", "You cannot disable your own account");
    if (user.is_admin === 1 && (await accounts.users.countOtherEnabledAdmins(tx.db, user.id)) === 0)
      throw new AppError(
        "last_admin",
        `${email} is the last enabled administrator: make someone else an administrator first`,
      );
    const at = user.disabled_at ?? now;
    await accounts.users.setDisabled(tx.db, user.id, at, now);
    await accounts.sessions.removeForUser(tx.db, user.id);
    await oauth.grants.revokeForUser(tx.db, user.id, now, "user_disabled");
    return presentUser({ ...user, disabled_at: at, updated_at: now });
  });
  if (input.disabled) {
    // API nodes cache verified tokens for a few seconds: drop them now, here and on every node.
    await ctx.store.notify(ACCESS_CHANGED, "").catch((e: unknown) => {
      ctx.log.warn({ err: e }, "could not tell API nodes about the disabled account");
    });
  }
  return { user: view };
}
