import type { Ctx } from "../context.js";
import { oauth } from "../store/repos/index.js";
import { formatScopes, type Scope, scopeSuffix } from "./scopes.js";
import { ACCESS_TTL_MS, newAccessToken, newRefreshToken, REFRESH_TTL_MS } from "./tokens.js";

export interface IssuedTokens {
  access_token: string;
  refresh_token: string;
  token_type: "Bearer";
  expires_in: number;
  refresh_expires_in: number;
  scope: string;
}

/**
 * Mint a new access + refresh token pair for a grant (inside the caller's transaction). `scope` is the
 * grant's; `accessScopes`, when given, is the narrower set the access token gets (RFC 6749 §6).
 */
export async function issueTokens({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { grantId: string; scope: string; accessScopes?: readonly Scope[] };
}): Promise<IssuedTokens & { refreshHash: string }> {
  const now = ctx.clock.now();
  const narrowed = input.accessScopes ? formatScopes(input.accessScopes) : input.scope;
  const access = newAccessToken(narrowed === input.scope ? "" : scopeSuffix(input.accessScopes ?? []));
  const refresh = newRefreshToken();
  await oauth.tokens.insert(ctx.db, {
    token_hash: access.hash,
    grant_id: input.grantId,
    kind: "access",
    created_at: now,
    expires_at: now + ACCESS_TTL_MS,
    consumed_at: null,
    successor_hash: null,
  });
  await oauth.tokens.insert(ctx.db, {
    token_hash: refresh.hash,
    grant_id: input.grantId,
    kind: "refresh",
    created_at: now,
    expires_at: now + REFRESH_TTL_MS,
    consumed_at: null,
    successor_hash: null,
  });
  return {
    access_token: access.token,
    refresh_token: refresh.token,
    token_type: "Bearer",
    expires_in: ACCESS_TTL_MS / 1000,
    refresh_expires_in: REFRESH_TTL_MS / 1000,
    scope: narrowed,
    refreshHash: refresh.hash,
  };
}
