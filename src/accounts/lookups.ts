import type { Ctx } from "../context.js";
import { randomToken } from "../core/crypto.js";
import { accounts } from "../store/repos/index.js";
import { presentUser, type UserView } from "./presenters.js";

export async function findUserByEmail({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { email: string };
}): Promise<UserView | undefined> {
  const u = await accounts.users.byEmail(ctx.db, input.email.trim().toLowerCase());
  return u ? presentUser(u) : undefined;
}

export async function listUsers({ ctx }: { ctx: Ctx }): Promise<UserView[]> {
  return (await accounts.users.list(ctx.db)).map(presentUser);
}

/**
 * The instance secret (CSRF tokens, signed cookies): `SECRET_KEY` when configured, otherwise made
 * once and kept in the database so that every node of a cluster shares it.
 */
export async function secretKey({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { configured?: string };
}): Promise<string> {
  if (input.configured) return input.configured;
  return accounts.settings.getOrInit(ctx.db, "secret_key", randomToken(32));
}
