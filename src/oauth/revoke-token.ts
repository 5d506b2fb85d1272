import type { Ctx } from "../context.js";
import { oauth } from "../store/repos/index.js";
import { forgetAccessTokens } from "./token-cache.js";
import { ACCESS_PREFIX, hashToken, REFRESH_PREFIX } from "./tokens.js";

/**
 * Revoke the grant behind an access or refresh token: every token of it stops working. Limited to a
 * grant of `clientId` (RFC 7009) or to the caller's own `grantId` (Bearer form). Unknown tokens and
 * tokens of someone else are ignored silently: the endpoint answers 200 either way (RFC 7009 §2.2).
 */
export async function revokeToken({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { token: string; clientId?: string; grantId?: string };
}): Promise<boolean> {
  const t = input.token;
  if (!(t.startsWith(ACCESS_PREFIX) || t.startsWith(REFRESH_PREFIX)) || t.length > 100) return false;
  const row = await oauth.tokens.byHash(ctx.db, hashToken(t));
  const grant = row ? await oauth.grants.byId(ctx.db, row.grant_id) : undefined;
  if (!grant) return false;
  if (input.clientId !== undefined && grant.client_id !== input.clientId) return false;
  if (input.grantId !== undefined && grant.id !== input.grantId) return false;
  await oauth.grants.revoke(ctx.db, grant.id, ctx.clock.now(), "revoked");
  await forgetAccessTokens({ ctx });
  return true;
}
