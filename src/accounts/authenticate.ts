import type { Ctx } from "../context.js";
import { AppError } from "../core/errors.js";
import { accounts, oauth } from "../store/repos/index.js";
import { dummyHash, verifyPassword } from "./password.js";
import { presentUser, type UserView } from "./presenters.js";

/** Failures allowed before backoff starts: per account, and per IP (shared offices, NAT). */
const FREE_PER_ACCOUNT = 5;
const FREE_PER_IP = 20;
/** The longest wait; with it, 100 failures take hours (NIST SP 800-63B's cap on attempts). */
const MAX_BLOCK_MS = 15 * 60_000;

function backoff(free: number) {
  return (failures: number) => (failures < free ? 0 : Math.min(MAX_BLOCK_MS, 1000 * 2 ** (failures - free)));
}

/**
 * Check an email and password. Unknown email and wrong password give the same error after the same
 * work (a hash is verified either way), so the answer does not reveal which accounts exist. Failures
 * are counted in the database per account and per IP (shared by every process); past a few of them
 * each further attempt must wait exponentially longer (429 with Retry-After, a generic message).
 */
export async function authenticate({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { email: string; password: string; ip?: string };
}): Promise<UserView> {
  const email = input.email.trim().toLowerCase();
  const acctKey = `acct:${email.slice(0, 320)}`;
  const ipKey = input.ip ? `ip:${input.ip}` : undefined;
  const now = ctx.clock.now();
  const keys = ipKey ? [acctKey, ipKey] : [acctKey];
  const blockedUntil = Math.max(
    0,
    ...(await oauth.signinAttempts.get(ctx.db, keys)).map((r) => r.blocked_until),
  );
  if (blockedUntil > now) {
    throw new AppError("too_many_attempts", "Too many sign-in attempts. Wait a moment and try again.", {
      retryAfter: Math.ceil((blockedUntil - now) / 1000),
    });
  }
  const user = email ? await accounts.users.byEmail(ctx.db, email) : undefined;
  const ok = await verifyPassword(user?.password_hash ?? (await dummyHash()), input.password);
  if (!user || !ok) {
    await oauth.signinAttempts.fail(ctx.db, acctKey, now, backoff(FREE_PER_ACCOUNT));
    if (ipKey) await oauth.signinAttempts.fail(ctx.db, ipKey, now, backoff(FREE_PER_IP));
    throw new AppError("invalid_credentials", "Incorrect email or password");
  }
  await oauth.signinAttempts.clear(ctx.db, acctKey);
  return presentUser(user);
}
