/** OAuth 2.0: registered clients, grants (one per user consent), and tokens stored as hashes. */
export interface OAuthClientsTable {
  id: string;
  name: string;
  /** SHA-256 of the current secret; the secret itself is shown once at creation. */
  secret_hash: string;
  /** SHA-256 of the previous secret while a rotation is under way (both work), else null. */
  previous_secret_hash: string | null;
  /** JSON array of exact redirect URIs. */
  redirect_uris: string;
  /** Space-separated scopes this client may ask for. */
  allowed_scopes: string;
  require_pkce: number;
  created_by: string | null;
  created_at: number;
  updated_at: number;
  disabled_at: number | null;
}

/** One user's consent to one client, narrowed to some locations. Revoking it ends every token of it. */
export interface OAuthGrantsTable {
  id: string;
  client_id: string;
  user_id: string;
  /** Space-separated scopes granted. */
  scopes: string;
  /** JSON array of location ids the grant may reach. */
  location_ids: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
  revoked_reason: string | null;
}

/** Access and refresh tokens, by SHA-256 of the token. */
export interface OAuthTokensTable {
  token_hash: string;
  grant_id: string;
  /** `access` or `refresh`. */
  kind: string;
  created_at: number;
  expires_at: number;
  /** Refresh tokens: when it was exchanged (rotation); a second use revokes the grant. */
  consumed_at: number | null;
  /** Refresh tokens: hash of the refresh token that replaced this one (retry grace). */
  successor_hash: string | null;
  /** Refresh tokens: the successor pair, sealed with the instance secret (retry grace only). */
  successor_sealed: string | null;
}

/** Authorization codes (single use, 60 s), by SHA-256 of the code. */
export interface OAuthCodesTable {
  code_hash: string;
  client_id: string;
  user_id: string;
  redirect_uri: string;
  scopes: string;
  location_ids: string;
  /** PKCE S256 challenge, or null when the client sent none. */
  code_challenge: string | null;
  created_at: number;
  expires_at: number;
  consumed_at: number | null;
  /** The grant the code produced (a replay revokes it). */
  grant_id: string | null;
}

/** GCRA buckets shared by every process: theoretical arrival time, and whether the last hit passed. */
export interface RateBucketsTable {
  key: string;
  tat: number;
  ok: number;
}

/** Failed sign-ins per account (`acct:<email>`) and per IP (`ip:<addr>`). */
export interface SigninAttemptsTable {
  key: string;
  failures: number;
  blocked_until: number;
  updated_at: number;
}

export interface OAuthTables {
  oauth_clients: OAuthClientsTable;
  oauth_grants: OAuthGrantsTable;
  oauth_tokens: OAuthTokensTable;
  oauth_codes: OAuthCodesTable;
  rate_buckets: RateBucketsTable;
  signin_attempts: SigninAttemptsTable;
}
