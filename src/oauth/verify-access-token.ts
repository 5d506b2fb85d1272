import type { Ctx } from "../context.js";
import { oauth } from "../store/repos/index.js";
import { noteGrantUse } from "./note-grant-use.js";
import { isScope, type Scope, tokenScopes } from "./scopes.js";
import { cacheEpoch, cachedPrincipal, rememberPrincipal } from "./token-cache.js";
import { ACCESS_PREFIX, hashToken } from "./tokens.js";

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
 * are looked up by SHA-256 (never stored in plaintext), together with the user's memberships in one
 * query; a location the user has since left is dropped.
 *
 * With `cacheMs` > 0 (the API's bearer check, AUTH_CACHE_MS) a positive answer is reused for that
 * long at most (≤ 5 s, never past the token's expiry). Revocations on this node take effect at once,
 * on other nodes as soon as the access-change notification arrives, and at the latest after `cacheMs`
 * (see token-cache.ts). Unknown tokens are never cached: a new token works at once.
 */
export async function verifyAccessToken({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { token: string; cacheMs?: number };
}): Promise<Principal | undefined> {
  if (!input.token.startsWith(ACCESS_PREFIX) || input.token.length > 100) return undefined;
  const hash = hashToken(input.token);
  const cacheMs = input.cacheMs ?? 0;
  if (cacheMs > 0) {
    const hit = cachedPrincipal(ctx, hash);
    // A copy: the caller may change its principal without touching the cached one.
    if (hit) {
      noteGrantUse(ctx, hit.grantId);
      return { ...hit, scopes: [...hit.scopes], locationIds: [...hit.locationIds] };
    }
  }
  const epoch = cacheMs > 0 ? cacheEpoch(ctx) : 0;
  const rows = await oauth.tokens.liveAccessWithMemberships(ctx.db, hash, ctx.clock.now());
  const row = rows[0];
  if (!row) return undefined;
  const member = new Set(rows.map((r) => r.member_location_id));
  const granted = JSON.parse(row.location_ids) as string[];
  const principal: Principal = {
    clientId: row.client_id,
    userId: row.user_id,
    grantId: row.grant_id,
    scopes: tokenScopes(input.token, row.scopes.split(" ").filter(isScope)),
    locationIds: granted.filter((id) => member.has(id)),
  };
  noteGrantUse(ctx, principal.grantId);
  if (cacheMs > 0) {
    rememberPrincipal(ctx, {
      hash,
      principal: { ...principal, scopes: [...principal.scopes], locationIds: [...principal.locationIds] },
      tokenExpiresAt: row.expires_at,
      epoch,
      ttlMs: cacheMs,
    });
  }
  return principal;
}
