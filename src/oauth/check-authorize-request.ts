import type { Ctx } from "../context.js";
import { AppError } from "../core/errors.js";
import { oauth } from "../store/repos/index.js";
import type { ClientRow } from "../store/repos/oauth.js";
import { isScope, type Scope } from "./scopes.js";

export type Params = Record<string, string | string[] | undefined>;

export interface AuthorizeRequest {
  client: ClientRow;
  redirectUri: string;
  state: string | undefined;
  scopes: Scope[];
  codeChallenge: string | null;
}

/** An error to send back to the client's redirect URI (RFC 6749 §4.1.2.1). */
export interface AuthorizeRedirectError {
  redirectUri: string;
  state: string | undefined;
  error: string;
  description: string;
}

export type AuthorizeCheck = ({ ok: true } & AuthorizeRequest) | ({ ok: false } & AuthorizeRedirectError);

const CHALLENGE = /^[A-Za-z0-9\-._~]{43,128}$/;

/**
 * Validate an authorization request. client_id and redirect_uri come first: when either is wrong the
 * user must see an error page and never be redirected (AppError thrown). Everything found after that
 * is returned as an error to redirect with, carrying `state` verbatim.
 */
export async function checkAuthorizeRequest({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { params: Params };
}): Promise<AuthorizeCheck> {
  const p = input.params;
  const clientId = p.client_id;
  if (typeof clientId !== "string" || clientId === "")
    throw new AppError("invalid_request", "The request has no client_id (or more than one).");
  const client = clientId.length <= 100 ? await oauth.clients.byId(ctx.db, clientId) : undefined;
  if (!client) throw new AppError("client_not_found", "This application is not registered here.");
  if (client.disabled_at !== null)
    throw new AppError("forbidden", "This application has been disabled by the administrator.");
  const redirectUri = p.redirect_uri;
  if (typeof redirectUri !== "string" || redirectUri === "")
    throw new AppError("invalid_request", "The request has no redirect_uri (or more than one).");
  const registered = JSON.parse(client.redirect_uris) as string[];
  if (!registered.includes(redirectUri))
    throw new AppError("invalid_request", "The redirect_uri is not registered for this application.");

  const state = typeof p.state === "string" ? p.state : undefined;
  const fail = (error: string, description: string): AuthorizeCheck => ({
    ok: false,
    redirectUri,
    state,
    error,
    description,
  });
  const repeated = Object.entries(p).find(([, v]) => Array.isArray(v));
  if (repeated) return fail("invalid_request", `${repeated[0]}: repeated parameter`);
  if (p.response_type !== "code")
    return fail("unsupported_response_type", "response_type: only `code` is supported");

  const allowed = client.allowed_scopes.split(" ").filter(isScope);
  const asked = (p.scope ?? "").toString().split(" ").filter(Boolean);
  const unknown = asked.filter((s) => !isScope(s) || !allowed.includes(s));
  if (unknown.length > 0) return fail("invalid_scope", `scope: not allowed: ${unknown.join(" ")}`);
  const scopes = asked.length > 0 ? ([...new Set(asked)] as Scope[]) : allowed;

  // No arrays past the repeated-parameter check above.
  const challenge = p.code_challenge as string | undefined;
  const method = p.code_challenge_method as string | undefined;
  if (challenge === undefined && method !== undefined)
    return fail("invalid_request", "code_challenge_method without code_challenge");
  if (challenge !== undefined) {
    if (method !== "S256") return fail("invalid_request", "code_challenge_method: only S256 is supported");
    if (!CHALLENGE.test(challenge)) return fail("invalid_request", "code_challenge: malformed");
  } else if (client.require_pkce === 1) {
    return fail("invalid_request", "code_challenge: this client requires PKCE (S256)");
  }
  return { ok: true, client, redirectUri, state, scopes, codeChallenge: challenge ?? null };
}
