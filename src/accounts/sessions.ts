import type { Ctx } from "../context.js";
import { randomToken, sha256Hex } from "../core/crypto.js";
import { accounts } from "../store/repos/index.js";
import { presentUser, type UserView } from "./presenters.js";

/** Sliding session lifetime; a session unused this long is gone. */
export const SESSION_TTL_MS = 14 * 24 * 3600 * 1000;
const TOUCH_EVERY_MS = 60_000;

/** Start a dashboard session. Returns the cookie value; only its hash is stored. */
export async function startSession({ ctx, input }: { ctx: Ctx; input: { userId: string } }): Promise<string> {
  const token = randomToken(32, "ses_");
  const now = ctx.clock.now();
  await accounts.sessions.insert(ctx.db, {
    id_hash: sha256Hex(token),
    user_id: input.userId,
    created_at: now,
    expires_at: now + SESSION_TTL_MS,
    last_seen_at: now,
  });
  return token;
}

export interface ResolvedSession {
  user: UserView;
  /** Hash of the session token, for "sign out everywhere else". */
  idHash: string;
}

/** The signed-in user for a session cookie, or undefined when it is unknown or expired. */
export async function resolveSession({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { token: string };
}): Promise<ResolvedSession | undefined> {
  if (!input.token.startsWith("ses_") || input.token.length > 100) return undefined;
  const idHash = sha256Hex(input.token);
  const s = await accounts.sessions.byHash(ctx.db, idHash);
  const now = ctx.clock.now();
  if (!s || s.expires_at <= now) return undefined;
  const user = await accounts.users.byId(ctx.db, s.user_id);
  // Disabling deletes the sessions; this also covers one started in a race with it.
  if (!user || user.disabled_at !== null) return undefined;
  if (now - s.last_seen_at > TOUCH_EVERY_MS) {
    await accounts.sessions.touch(ctx.db, idHash, now, now + SESSION_TTL_MS);
  }
  return { user: presentUser(user), idHash };
}

export async function endSession({ ctx, input }: { ctx: Ctx; input: { token: string } }): Promise<void> {
  await accounts.sessions.remove(ctx.db, sha256Hex(input.token));
}
