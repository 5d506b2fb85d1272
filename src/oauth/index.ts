/** The OAuth 2.0 authorization server's domain: clients, grants, codes, tokens, scopes, rate limits. */
export { authenticateClient } from "./authenticate-client.js";
export { type ClientUsage, clientUsage } from "./client-usage.js";
export {
  type AuthorizeCheck,
  type AuthorizeRedirectError,
  type AuthorizeRequest,
  checkAuthorizeRequest,
  type Params as AuthorizeParams,
} from "./check-authorize-request.js";
export { EXPIRED_KEEP_MS, removeExpiredOAuthRecords } from "./cleanup.js";
export { CODE_TTL_MS, createAuthorizationCode } from "./create-authorization-code.js";
export {
  checkRedirectUri,
  type CreatedClient,
  createClient,
  type CreateClientInput,
} from "./create-client.js";
export { createGrant, type CreateGrantInput } from "./create-grant.js";
export { exchangeCode } from "./exchange-code.js";
export { getIdentity } from "./get-identity.js";
export { type Introspection, introspectToken } from "./introspect-token.js";
export type { IssuedTokens } from "./issue-tokens.js";
export {
  type ClientView,
  finishSecretRotation,
  listClients,
  presentClient,
  rotateClientSecret,
  setClientDisabled,
  updateClient,
} from "./manage-clients.js";
export { type GrantView, lastLocationChoice, listGrantsForUser, revokeGrant } from "./manage-grants.js";
export { LAST_USED_EVERY_MS } from "./note-grant-use.js";
export { consumeRate, consumeRateLocally, RATE_WINDOW_MS, type RateDecision } from "./rate-limit.js";
export { REFRESH_GRACE_MS, refreshTokens } from "./refresh-tokens.js";
export { revokeToken } from "./revoke-token.js";
export { formatScopes, isScope, parseScopes, SCOPES, type Scope, SCOPE_TEXT } from "./scopes.js";
export { ACCESS_TTL_MS, REFRESH_TTL_MS } from "./tokens.js";
export {
  ACCESS_CHANGED_CHANNEL,
  forgetAccessTokens,
  MAX_TOKEN_CACHE_MS,
} from "./token-cache.js";
export { type Principal, verifyAccessToken } from "./verify-access-token.js";
