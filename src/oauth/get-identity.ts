import type { Ctx } from "../context.js";
import { AppError } from "../core/errors.js";
import { accounts } from "../store/repos/index.js";
import type { LocationRow } from "../store/repos/accounts.js";
import type { Principal } from "./verify-access-token.js";

/** The user behind a token and the locations this grant reaches (rows; the API presents them). */
export async function getIdentity({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { principal: Principal };
}): Promise<{ user: { id: string; email: string; name: string }; locations: LocationRow[] }> {
  const user = await accounts.users.byId(ctx.db, input.principal.userId);
  if (!user) throw new AppError("unauthorized", "Invalid or expired access token");
  const allowed = new Set(input.principal.locationIds);
  const locations = (await accounts.locations.listForUser(ctx.db, user.id)).filter((l) => allowed.has(l.id));
  return { user: { id: user.id, email: user.email, name: user.name }, locations };
}
