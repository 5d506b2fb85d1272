import type { Ctx } from "../context.js";
import { iso } from "../core/clock.js";
import { AppError } from "../core/errors.js";
import { accounts } from "../store/repos/index.js";
import type { Role } from "./members.js";

export interface MemberView {
  id: string;
  email: string;
  name: string;
  role: Role;
  added_at: string;
}

/**
 * The members of a location with their roles, oldest first. Any member may look; someone who is not a
 * member gets the same 404 as for a location that does not exist.
 */
export async function listMembers({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { actorUserId: string; locationId: string };
}): Promise<MemberView[]> {
  const m = await accounts.memberships.get(ctx.db, input.actorUserId, input.locationId);
  if (!m)
    throw new AppError("location_not_found", "The location does not exist or you don't have access to it");
  const rows = await accounts.memberships.listMembers(ctx.db, input.locationId);
  return rows.map((r) => ({
    id: r.id,
    email: r.email,
    name: r.name,
    role: r.role as Role,
    added_at: iso(r.created_at),
  }));
}
