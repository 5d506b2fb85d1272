import { inTransaction, type Ctx } from "../context.js";
import { newId } from "../core/ids.js";
import { oauth } from "../store/repos/index.js";
import { type IssuedTokens, issueTokens } from "./issue-tokens.js";
import { formatScopes, type Scope } from "./scopes.js";

export interface CreateGrantInput {
  clientId: string;
  userId: string;
  scopes: Scope[];
  locationIds: string[];
  /** Chosen by the caller when something (an authorization code) must point at it first. */
  grantId?: string;
}

/**
 * Record a user's consent to a client for some locations and mint its first token pair. Called by the
 * authorization-code exchange; tests call it directly to get a token without a browser.
 */
export async function createGrant({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: CreateGrantInput;
}): Promise<{ grantId: string; tokens: IssuedTokens }> {
  return inTransaction(ctx, async (tx) => {
    const now = tx.clock.now();
    const grantId = input.grantId ?? newId("grant", now);
    const scope = formatScopes(input.scopes);
    await oauth.grants.insert(tx.db, {
      id: grantId,
      client_id: input.clientId,
      user_id: input.userId,
      scopes: scope,
      location_ids: JSON.stringify([...new Set(input.locationIds)]),
      created_at: now,
      last_used_at: null,
      revoked_at: null,
      revoked_reason: null,
    });
    const { refreshHash: _ignored, ...tokens } = await issueTokens({ ctx: tx, input: { grantId, scope } });
    return { grantId, tokens };
  });
}
