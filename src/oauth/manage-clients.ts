import type { Ctx } from "../context.js";
import { inTransaction } from "../context.js";
import { randomToken, sha256Hex } from "../core/crypto.js";
import { AppError } from "../core/errors.js";
import { iso, isoOrNull } from "../core/clock.js";
import { oauth } from "../store/repos/index.js";
import type { ClientRow } from "../store/repos/oauth.js";
import { checkRedirectUri } from "./create-client.js";
import { formatScopes, parseScopes } from "./scopes.js";
import { forgetAccessTokens } from "./token-cache.js";

/** A client as admins see it (never its secret). */
export interface ClientView {
  client_id: string;
  name: string;
  redirect_uris: string[];
  scopes: string;
  require_pkce: boolean;
  created_at: string;
  disabled_at: string | null;
  /** A previous secret still works (rotation under way). */
  rotating: boolean;
}

export function presentClient(c: ClientRow): ClientView {
  return {
    client_id: c.id,
    name: c.name,
    redirect_uris: JSON.parse(c.redirect_uris) as string[],
    scopes: c.allowed_scopes,
    require_pkce: c.require_pkce === 1,
    created_at: iso(c.created_at),
    disabled_at: isoOrNull(c.disabled_at),
    rotating: c.previous_secret_hash !== null,
  };
}

async function mustGet(ctx: Ctx, id: string): Promise<ClientRow> {
  const c = await oauth.clients.byId(ctx.db, id);
  if (!c) throw new AppError("client_not_found", `No OAuth client ${id}`);
  return c;
}

export async function listClients({ ctx }: { ctx: Ctx }): Promise<ClientView[]> {
  return (await oauth.clients.list(ctx.db)).map(presentClient);
}

/**
 * A new secret (shown once). The old one keeps working until the next rotation, so a deployed
 * integration can be switched over without downtime; `finish: true` drops it at once.
 */
export async function rotateClientSecret({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { clientId: string; finish?: boolean };
}): Promise<{ client_id: string; client_secret: string }> {
  const c = await mustGet(ctx, input.clientId);
  const secret = randomToken(32, "mcs_cs_");
  await oauth.clients.update(ctx.db, c.id, {
    secret_hash: sha256Hex(secret),
    previous_secret_hash: input.finish ? null : c.secret_hash,
    updated_at: ctx.clock.now(),
  });
  return { client_id: c.id, client_secret: secret };
}

/**
 * End a rotation: the previous secret stops working now (the dashboard's "Finish rotation", once the
 * integrations use the new secret; the CLI's `rotate-secret --finish` rotates and finishes at once).
 */
export async function finishSecretRotation({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { clientId: string };
}): Promise<ClientView> {
  const c = await mustGet(ctx, input.clientId);
  if (c.previous_secret_hash !== null) {
    await oauth.clients.update(ctx.db, c.id, { previous_secret_hash: null, updated_at: ctx.clock.now() });
  }
  return presentClient({ ...c, previous_secret_hash: null });
}

export async function updateClient({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { clientId: string; name?: string; redirectUris?: string[]; scopes?: string; requirePkce?: boolean };
}): Promise<ClientView> {
  const c = await mustGet(ctx, input.clientId);
  const name = input.name?.trim();
  if (name !== undefined && (!name || name.length > 100))
    throw new AppError("validation_failed", "name: must be 1 to 100 characters");
  if (input.redirectUris && input.redirectUris.length === 0)
    throw new AppError("validation_failed", "redirect_uri: at least one is required");
  await oauth.clients.update(ctx.db, c.id, {
    ...(name !== undefined ? { name } : {}),
    ...(input.redirectUris
      ? { redirect_uris: JSON.stringify([...new Set(input.redirectUris.map(checkRedirectUri))]) }
      : {}),
    ...(input.scopes !== undefined ? { allowed_scopes: formatScopes(parseScopes(input.scopes)) } : {}),
    ...(input.requirePkce !== undefined ? { require_pkce: input.requirePkce ? 1 : 0 } : {}),
    updated_at: ctx.clock.now(),
  });
  return presentClient(await mustGet(ctx, c.id));
}

/** Disable (or re-enable) a client. Disabling also revokes every grant it holds. */
export async function setClientDisabled({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { clientId: string; disabled: boolean };
}): Promise<ClientView> {
  const view = await inTransaction(ctx, async (tx) => {
    const c = await mustGet(tx, input.clientId);
    const now = tx.clock.now();
    await oauth.clients.update(tx.db, c.id, { disabled_at: input.disabled ? now : null, updated_at: now });
    if (input.disabled) await oauth.grants.revokeForClient(tx.db, c.id, now, "client_disabled");
    return presentClient(await mustGet(tx, c.id));
  });
  // After the commit: cached tokens of the revoked grants stop working on every node.
  if (input.disabled) await forgetAccessTokens({ ctx });
  return view;
}
