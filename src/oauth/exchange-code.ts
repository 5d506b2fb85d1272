import { createHash } from "node:crypto";
import { type Ctx, inTransaction } from "../context.js";
import { safeEqual, sha256Hex } from "../core/crypto.js";
import { AppError } from "../core/errors.js";
import { newId } from "../core/ids.js";
import { accounts, oauth } from "../store/repos/index.js";
import { createGrant } from "./create-grant.js";
import type { IssuedTokens } from "./issue-tokens.js";
import { isScope } from "./scopes.js";
import { forgetAccessTokens } from "./token-cache.js";
import { CODE_PREFIX } from "./tokens.js";

const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;

/**
 * grant_type=authorization_code. The code must belong to the authenticated client, be fresh and
 * unused, and come with the same redirect_uri; PKCE is checked both ways (a verifier without a
 * challenge is a downgrade attempt). A replayed code revokes the grant it produced (RFC 6749 §4.1.2).
 */
export async function exchangeCode({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: {
    clientId: string;
    code: string;
    redirectUri: string | undefined;
    codeVerifier: string | undefined;
  };
}): Promise<IssuedTokens> {
  const bad = (why: string) => new AppError("invalid_grant", why);
  if (!input.code.startsWith(CODE_PREFIX) || input.code.length > 100) throw bad("code: unknown or expired");
  const hash = sha256Hex(input.code);
  const row = await oauth.codes.byHash(ctx.db, hash);
  const now = ctx.clock.now();
  if (!row || row.client_id !== input.clientId) throw bad("code: unknown or expired");
  if (row.consumed_at !== null) {
    if (row.grant_id) await oauth.grants.revoke(ctx.db, row.grant_id, now, "code_replay");
    await forgetAccessTokens({ ctx });
    throw bad("code: already used; the tokens issued from it are revoked");
  }
  if (row.expires_at <= now) throw bad("code: unknown or expired");
  // Disabled between consent and exchange (a code lives 60 s): no new grant for that account.
  const user = await accounts.users.byId(ctx.db, row.user_id);
  if (!user || user.disabled_at !== null) throw bad("code: unknown or expired");
  if (input.redirectUri !== row.redirect_uri)
    throw bad("redirect_uri: must be identical to the one in the authorization request");
  if (row.code_challenge === null && input.codeVerifier !== undefined)
    throw bad("code_verifier: no code_challenge was sent with the authorization request");
  if (row.code_challenge !== null) {
    if (!input.codeVerifier || !VERIFIER.test(input.codeVerifier))
      throw bad("code_verifier: missing or malformed");
    const computed = createHash("sha256").update(input.codeVerifier).digest("base64url");
    if (!safeEqual(computed, row.code_challenge)) throw bad("code_verifier: does not match the challenge");
  }
  const grantId = newId("grant", now);
  const issued = await inTransaction(ctx, async (tx) => {
    // Consume first: of two racing exchanges only one gets here with true.
    if (!(await oauth.codes.consume(tx.db, hash, now, grantId))) return undefined;
    const { tokens } = await createGrant({
      ctx: tx,
      input: {
        grantId,
        clientId: row.client_id,
        userId: row.user_id,
        scopes: row.scopes.split(" ").filter(isScope),
        locationIds: JSON.parse(row.location_ids) as string[],
      },
    });
    return tokens;
  });
  if (!issued) {
    const again = await oauth.codes.byHash(ctx.db, hash);
    if (again?.grant_id) await oauth.grants.revoke(ctx.db, again.grant_id, now, "code_replay");
    await forgetAccessTokens({ ctx });
    throw bad("code: already used; the tokens issued from it are revoked");
  }
  return issued;
}
