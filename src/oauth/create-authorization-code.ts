import type { Ctx } from "../context.js";
import { randomToken, sha256Hex } from "../core/crypto.js";
import { AppError } from "../core/errors.js";
import { accounts, oauth } from "../store/repos/index.js";
import { formatScopes, type Scope } from "./scopes.js";
import { CODE_PREFIX } from "./tokens.js";

/** Codes live 60 s (RFC 6749 allows up to 10 minutes; a redirect takes a second). */
export const CODE_TTL_MS = 60_000;

/**
 * The user allowed the client: mint a single-use code (256 random bits, stored hashed) bound to the
 * client, redirect URI, user, scopes, chosen locations and PKCE challenge.
 */
export async function createAuthorizationCode({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: {
    clientId: string;
    userId: string;
    redirectUri: string;
    scopes: Scope[];
    locationIds: string[];
    codeChallenge: string | null;
  };
}): Promise<string> {
  const mine = new Set((await accounts.locations.listForUser(ctx.db, input.userId)).map((l) => l.id));
  const chosen = [...new Set(input.locationIds)];
  if (chosen.length === 0)
    throw new AppError("validation_failed", "Choose at least one location this app may use.");
  if (chosen.some((id) => !mine.has(id)))
    throw new AppError("location_not_found", "One of the chosen locations is not yours.");
  const code = randomToken(32, CODE_PREFIX);
  const now = ctx.clock.now();
  await oauth.codes.insert(ctx.db, {
    code_hash: sha256Hex(code),
    client_id: input.clientId,
    user_id: input.userId,
    redirect_uri: input.redirectUri,
    scopes: formatScopes(input.scopes),
    location_ids: JSON.stringify(chosen),
    code_challenge: input.codeChallenge,
    created_at: now,
    expires_at: now + CODE_TTL_MS,
    consumed_at: null,
    grant_id: null,
  });
  return code;
}
