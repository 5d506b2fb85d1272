import { inTransaction, type Ctx } from "../context.js";
import { iso } from "../core/clock.js";
import { AppError } from "../core/errors.js";
import { accounts } from "../store/repos/index.js";
import { requireOwner } from "./members.js";

/** An invitation as its invitee sees it. */
export interface InvitationView {
  id: string;
  location_id: string;
  location_name: string;
  role: string;
  invited_by: string | null;
  created_at: string;
}

/** An open invitation as the location's owners see it. */
export interface PendingInvitationView {
  id: string;
  email: string;
  role: string;
  created_at: string;
  expires_at: string;
}

const NOT_FOUND = "This invitation does not exist any more (declined, withdrawn or expired)";

/** The open invitations addressed to a user's email. */
export async function listMyInvitations({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { userId: string };
}): Promise<InvitationView[]> {
  const user = await accounts.users.byId(ctx.db, input.userId);
  if (!user) return [];
  const rows = await accounts.invitations.listForEmail(ctx.db, user.email, ctx.clock.now());
  return rows.map((r) => ({
    id: r.id,
    location_id: r.location_id,
    location_name: r.location_name,
    role: r.role,
    invited_by: r.invited_by_name,
    created_at: iso(r.created_at),
  }));
}

/** The open invitations of a location (owners only). */
export async function listLocationInvitations({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { actorUserId: string; locationId: string };
}): Promise<PendingInvitationView[]> {
  await requireOwner(ctx, input.actorUserId, input.locationId);
  const rows = await accounts.invitations.listForLocation(ctx.db, input.locationId, ctx.clock.now());
  return rows.map((r) => ({
    id: r.id,
    email: r.email,
    role: r.role,
    created_at: iso(r.created_at),
    expires_at: iso(r.expires_at),
  }));
}

/**
 * Accept or decline an invitation addressed to the user's email. Accepting makes the user a member
 * with the invited role (an existing membership keeps its role); either way the invitation is gone.
 */
export async function answerInvitation({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { userId: string; invitationId: string; accept: boolean };
}): Promise<{ locationId: string }> {
  return inTransaction(ctx, async (tx) => {
    const now = tx.clock.now();
    const user = await accounts.users.byId(tx.db, input.userId);
    const inv = await accounts.invitations.byId(tx.db, input.invitationId);
    if (!user || !inv || inv.email !== user.email || inv.expires_at <= now) {
      throw new AppError("not_found", NOT_FOUND);
    }
    await accounts.invitations.remove(tx.db, inv.id);
    if (input.accept && !(await accounts.memberships.get(tx.db, user.id, inv.location_id))) {
      await accounts.memberships.insert(tx.db, {
        user_id: user.id,
        location_id: inv.location_id,
        role: inv.role,
        created_at: now,
      });
    }
    return { locationId: inv.location_id };
  });
}

/** Withdraw an open invitation (owners of its location). */
export async function cancelInvitation({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { actorUserId: string; locationId: string; invitationId: string };
}): Promise<void> {
  await inTransaction(ctx, async (tx) => {
    await requireOwner(tx, input.actorUserId, input.locationId);
    const inv = await accounts.invitations.byId(tx.db, input.invitationId);
    if (!inv || inv.location_id !== input.locationId) throw new AppError("not_found", NOT_FOUND);
    await accounts.invitations.remove(tx.db, inv.id);
  });
}
