import type { Ctx } from "../context.js";
import { AppError } from "../core/errors.js";
import { accounts } from "../store/repos/index.js";
import { dummyHash, verifyPassword } from "./password.js";
import { presentUser, type UserView } from "./presenters.js";
import { reserveAttempt } from "./throttle.js";

/**
 * Check an email and password. Unknown email and wrong password give the same error after the same
 * work (a hash is verified either way), so the answer does not reveal which accounts exist. Each
 * attempt is counted before the hash is checked (see `reserveAttempt`: per account and address, per
 * address, and per account unless `knownDevice`); past a few failures each further attempt must wait
 * exponentially longer (429 with Retry-After, a generic message).
 */
export async function authenticate({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { email: string; password: string; ip?: string; knownDevice?: boolean };
}): Promise<UserView> {
  const email = input.email.trim().toLowerCase();
  const attempt = await reserveAttempt(ctx, { email, ip: input.ip, knownDevice: input.knownDevice });
  const user = email ? await accounts.users.byEmail(ctx.db, email) : undefined;
  const ok = await verifyPassword(user?.password_hash ?? (await dummyHash()), input.password);
  if (!user || !ok) throw new AppError("invalid_credentials", "Incorrect email or password");
  // Said only to someone who knows the password: it tells them whom to ask, and an attacker nothing new.
  if (user.disabled_at !== null)
    throw new AppError("account_disabled", "This account is disabled. Ask an administrator to enable it.");
  await attempt.succeeded();
  return presentUser(user);
}
