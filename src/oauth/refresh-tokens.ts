import { type Ctx, inTransaction } from "../context.js";
import { AppError } from "../core/errors.js";
import { oauth } from "../store/repos/index.js";
import type { TokenRow } from "../store/repos/oauth.js";
import { type IssuedTokens, issueTokens } from "./issue-tokens.js";
import { isScope, requestedScopes } from "./scopes.js";
import { seal, unseal } from "./seal.js";
import { forgetAccessTokens } from "./token-cache.js";
import { hashToken, REFRESH_PREFIX } from "./tokens.js";

/** A retry of the immediately previous refresh token within this long gets the same successor pair. */
export const REFRESH_GRACE_MS = 60_000;

/**
 * grant_type=refresh_token with rotation. The old token is consumed by one conditional UPDATE, so two
 * racing requests cannot both rotate it. Presenting a consumed token revokes the whole grant, except a
 * retry of the immediately previous token within the grace period (a lost response), which gets the
 * very same successor pair back (kept sealed under the instance secret for that minute only).
 */
export async function refreshTokens({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { clientId: string; refreshToken: string; scope?: string; secret: string };
}): Promise<IssuedTokens> {
  const bad = (why: string) => new AppError("invalid_grant", why);
  const t = input.refreshToken;
  if (!t.startsWith(REFRESH_PREFIX) || t.length > 100) throw bad("refresh_token: unknown or expired");
  const hash = hashToken(t);
  const row = await oauth.tokens.byHash(ctx.db, hash);
  const grant = row?.kind === "refresh" ? await oauth.grants.byId(ctx.db, row.grant_id) : undefined;
  if (!row || !grant || grant.client_id !== input.clientId) throw bad("refresh_token: unknown or expired");
  if (grant.revoked_at !== null) throw bad("refresh_token: the grant was revoked");
  const now = ctx.clock.now();
  if (row.expires_at <= now) throw bad("refresh_token: unknown or expired");
  // A narrower scope is honoured for the new access token; the refresh token keeps the grant's
  // (RFC 6749 §6), so a later refresh may ask for the rest again. Unknown or wider: invalid_scope.
  const asked = requestedScopes(input.scope);
  const have = grant.scopes.split(" ").filter(isScope);
  if (asked?.some((s) => !have.includes(s)))
    throw new AppError("invalid_scope", "scope: may not grow beyond the original grant");
  if (row.consumed_at !== null) return retryOrRevoke(ctx, row, input.secret, now);

  const issued = await inTransaction(ctx, async (tx) => {
    const { refreshHash, ...pair } = await issueTokens({
      ctx: tx,
      input: { grantId: grant.id, scope: grant.scopes, accessScopes: asked },
    });
    const sealed = seal(input.secret, pair);
    if (!(await oauth.tokens.consumeRefresh(tx.db, hash, now, { hash: refreshHash, sealed })))
      return undefined;
    return pair;
  });
  if (issued) return issued;
  // Lost the race to a concurrent request with the same token: treat ours as its retry.
  const again = await oauth.tokens.byHash(ctx.db, hash);
  if (!again) throw bad("refresh_token: unknown or expired");
  return retryOrRevoke(ctx, again, input.secret, now);
}

async function retryOrRevoke(ctx: Ctx, row: TokenRow, secret: string, now: number): Promise<IssuedTokens> {
  const consumedAt = row.consumed_at ?? now;
  if (now - consumedAt <= REFRESH_GRACE_MS && row.successor_hash && row.successor_sealed) {
    const successor = await oauth.tokens.byHash(ctx.db, row.successor_hash);
    const pair = unseal<IssuedTokens>(secret, row.successor_sealed);
    // Only the immediately previous token: once its successor was used, this one is stale.
    if (successor && successor.consumed_at === null && pair) {
      return {
        ...pair,
        expires_in: Math.max(1, Math.floor((successor.created_at + pair.expires_in * 1000 - now) / 1000)),
      };
    }
  }
  await oauth.grants.revoke(ctx.db, row.grant_id, now, "refresh_reuse");
  await forgetAccessTokens({ ctx });
  throw new AppError("invalid_grant", "refresh_token: already used; the grant is revoked");
}
