/** The OAuth 2.0 authorization server's domain: clients, grants, tokens, scopes. */
export {
  checkRedirectUri,
  type CreatedClient,
  createClient,
  type CreateClientInput,
} from "./create-client.js";
export { createGrant, type CreateGrantInput } from "./create-grant.js";
export type { IssuedTokens } from "./issue-tokens.js";
export { formatScopes, isScope, parseScopes, SCOPES, type Scope } from "./scopes.js";
export { type Principal, verifyAccessToken } from "./verify-access-token.js";
