import type { Ctx } from "../context.js";
import { iso, isoOrNull } from "../core/clock.js";
import { AppError } from "../core/errors.js";
import { oauth } from "../store/repos/index.js";
import { forgetAccessTokens } from "./token-cache.js";

/** A "connected app" as its user sees it. */
export interface GrantView {
  id: string;
  client_id: string;
  client_name: string;
  scopes: string[];
  location_ids: string[];
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

/** The apps a user has connected (live first is up to the caller; newest first). */
export async function listGrantsForUser({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { userId: string; includeRevoked?: boolean };
}): Promise<GrantView[]> {
  const rows = await oauth.grants.listForUser(ctx.db, input.userId);
  return rows
    .filter((g) => input.includeRevoked || g.revoked_at === null)
    .map((g) => ({
      id: g.id,
      client_id: g.client_id,
      client_name: g.client_name,
      scopes: g.scopes.split(" ").filter(Boolean),
      location_ids: JSON.parse(g.location_ids) as string[],
      created_at: iso(g.created_at),
      last_used_at: isoOrNull(g.last_used_at),
      revoked_at: isoOrNull(g.revoked_at),
    }));
}

/** Disconnect an app: the user's own grant only (another user's id answers not found). */
export async function revokeGrant({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { userId: string; grantId: string };
}): Promise<void> {
  const g = await oauth.grants.byId(ctx.db, input.grantId);
  if (!g || g.user_id !== input.userId) throw new AppError("not_found", "No such connected app");
  await oauth.grants.revoke(ctx.db, g.id, ctx.clock.now(), "user_disconnected");
  await forgetAccessTokens({ ctx });
}

/**
 * The locations a user chose the last time they allowed this client (their newest consent: a grant,
 * live or not, or a code not yet exchanged), so the consent page can tick them again. Empty when they
 * never allowed it.
 */
export async function lastLocationChoice({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { userId: string; clientId: string };
}): Promise<string[]> {
  const [grants, code] = await Promise.all([
    oauth.grants.listForUser(ctx.db, input.userId),
    oauth.codes.latestFor(ctx.db, input.userId, input.clientId),
  ]);
  const grant = grants.find((g) => g.client_id === input.clientId);
  const last = code && (!grant || Number(code.created_at) >= Number(grant.created_at)) ? code : grant;
  return last ? (JSON.parse(last.location_ids) as string[]) : [];
}
