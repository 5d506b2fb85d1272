import type { Ctx } from "../context.js";
import { oauth } from "../store/repos/index.js";
import { ACCESS_TTL_MS, newAccessToken, newRefreshToken, REFRESH_TTL_MS } from "./tokens.js";

export interface IssuedTokens {
  access_token: string;
  refresh_token: string;
  token_type: "Bearer";
  expires_in: number;
  refresh_expires_in: number;
  scope: string;
}

/** Mint a new access + refresh token pair for a grant (inside the caller's transaction). */
export async function issueTokens({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { grantId: string; scope: string };
}): Promise<IssuedTokens & { refreshHash: string }> {
  const now = ctx.clock.now();
  const access = newAccessToken();
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
    scope: input.scope,
    refreshHash: refresh.hash,
  };
}
