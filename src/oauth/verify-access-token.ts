import type { Ctx } from "../context.js";
import { accounts, oauth } from "../store/repos/index.js";
import { ACCESS_PREFIX, hashToken } from "./tokens.js";
import { isScope, type Scope } from "./scopes.js";

/** Who is calling the API: a client acting for a user, limited to scopes and locations. */
export interface Principal {
  clientId: string;
  userId: string;
  grantId: string;
  scopes: Scope[];
  /** Locations the grant names that the user still belongs to. */
  locationIds: string[];
}

/**
 * The principal behind an access token, or undefined for an unknown, expired or revoked one. Tokens
 * are looked up by SHA-256 (never stored in plaintext). A location the user has since left is dropped.
 */
export async function verifyAccessToken({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { token: string };
}): Promise<Principal | undefined> {
  if (!input.token.startsWith(ACCESS_PREFIX) || input.token.length > 100) return undefined;
  const row = await oauth.tokens.liveAccess(ctx.db, hashToken(input.token), ctx.clock.now());
  if (!row) return undefined;
  const granted = JSON.parse(row.location_ids) as string[];
  const member = new Set((await accounts.locations.listForUser(ctx.db, row.user_id)).map((l) => l.id));
  return {
    clientId: row.client_id,
    userId: row.user_id,
    grantId: row.grant_id,
    scopes: row.scopes.split(" ").filter(isScope),
    locationIds: granted.filter((id) => member.has(id)),
  };
}
