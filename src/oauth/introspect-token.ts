import type { Ctx } from "../context.js";
import { oauth } from "../store/repos/index.js";
import { formatScopes, isScope, tokenScopes } from "./scopes.js";
import { ACCESS_PREFIX, hashToken, REFRESH_PREFIX } from "./tokens.js";

export type Introspection =
  | { active: false }
  | {
      active: true;
      scope: string;
      client_id: string;
      sub: string;
      token_type: "Bearer" | "refresh_token";
      exp: number;
      iat: number;
      location_ids: string[];
    };

/**
 * RFC 7662 for an authenticated client, about its own tokens only: anything unknown, expired, consumed,
 * revoked or belonging to another client is `{active: false}`.
 */
export async function introspectToken({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { token: string; clientId: string };
}): Promise<Introspection> {
  const t = input.token;
  const inactive = { active: false } as const;
  if (!(t.startsWith(ACCESS_PREFIX) || t.startsWith(REFRESH_PREFIX)) || t.length > 100) return inactive;
  const row = await oauth.tokens.byHash(ctx.db, hashToken(t));
  const grant = row ? await oauth.grants.byId(ctx.db, row.grant_id) : undefined;
  const now = ctx.clock.now();
  if (!row || !grant || grant.client_id !== input.clientId || grant.revoked_at !== null) return inactive;
  if (row.expires_at <= now || row.consumed_at !== null) return inactive;
  return {
    active: true,
    scope:
      row.kind === "access"
        ? formatScopes(tokenScopes(t, grant.scopes.split(" ").filter(isScope)))
        : grant.scopes,
    client_id: grant.client_id,
    sub: grant.user_id,
    token_type: row.kind === "access" ? "Bearer" : "refresh_token",
    exp: Math.floor(row.expires_at / 1000),
    iat: Math.floor(row.created_at / 1000),
    location_ids: JSON.parse(grant.location_ids) as string[],
  };
}
