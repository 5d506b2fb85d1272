import type { Ctx } from "../context.js";
import { randomToken, sha256Hex } from "../core/crypto.js";
import { AppError } from "../core/errors.js";
import { newId } from "../core/ids.js";
import { oauth } from "../store/repos/index.js";
import { formatScopes, parseScopes } from "./scopes.js";

export interface CreateClientInput {
  name: string;
  redirectUris: string[];
  /** Space-separated; empty means every scope. */
  scopes?: string;
  requirePkce?: boolean;
  createdBy?: string;
}

export interface CreatedClient {
  client_id: string;
  /** Shown once; only its hash is stored. Unreserved URL characters only, so Basic auth is unambiguous. */
  client_secret: string;
  name: string;
  redirect_uris: string[];
  scopes: string;
}

/** Register a confidential OAuth client with exact redirect URIs (https, or http on loopback). */
export async function createClient({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: CreateClientInput;
}): Promise<CreatedClient> {
  const name = input.name.trim();
  if (!name || name.length > 100)
    throw new AppError("validation_failed", "name: must be 1 to 100 characters");
  if (input.redirectUris.length === 0)
    throw new AppError("validation_failed", "redirect_uri: at least one is required");
  const redirectUris = [...new Set(input.redirectUris.map(checkRedirectUri))];
  const scopes = formatScopes(parseScopes(input.scopes));
  const now = ctx.clock.now();
  const id = newId("client", now);
  const secret = randomToken(32, "mcs_cs_");
  await oauth.clients.insert(ctx.db, {
    id,
    name,
    secret_hash: sha256Hex(secret),
    previous_secret_hash: null,
    redirect_uris: JSON.stringify(redirectUris),
    allowed_scopes: scopes,
    require_pkce: input.requirePkce ? 1 : 0,
    created_by: input.createdBy ?? null,
    created_at: now,
    updated_at: now,
    disabled_at: null,
  });
  return { client_id: id, client_secret: secret, name, redirect_uris: redirectUris, scopes };
}

/** Redirect URIs: absolute, no fragment, https, or http only on a loopback host (development clients). */
export function checkRedirectUri(raw: string): string {
  // The dashboard's presets for Zapier and n8n carry a part to fill in: `App<ID>CLIAPI`, `<your-n8n>`.
  if (/[<>]/.test(raw))
    throw new AppError("validation_failed", `redirect_uri: replace the <…> part with your own value: ${raw}`);
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new AppError("validation_failed", `redirect_uri: not an absolute URL: ${raw}`);
  }
  if (u.hash) throw new AppError("validation_failed", "redirect_uri: must not contain a fragment");
  const loopback = ["localhost", "127.0.0.1", "[::1]"].includes(u.hostname);
  if (u.protocol !== "https:" && !(u.protocol === "http:" && loopback)) {
    throw new AppError("validation_failed", "redirect_uri: must be https (http only on localhost)");
  }
  return raw;
}
