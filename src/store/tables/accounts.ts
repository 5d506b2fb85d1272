/** Accounts: users, locations (tenants), memberships, dashboard sessions, instance settings. */
export interface UsersTable {
  id: string;
  email: string;
  name: string;
  password_hash: string;
  is_admin: number;
  created_at: number;
  updated_at: number;
  /** Set while an administrator has disabled the account (no sign-in, no API access). */
  disabled_at: number | null;
}

export interface LocationsTable {
  id: string;
  name: string;
  time_zone: string;
  created_at: number;
  updated_at: number;
}

export interface MembershipsTable {
  user_id: string;
  location_id: string;
  /** `owner` or `member`. */
  role: string;
  created_at: number;
}

/** Dashboard (and OAuth sign-in) sessions; the cookie carries the token, the table only its hash. */
export interface SessionsTable {
  id_hash: string;
  user_id: string;
  created_at: number;
  expires_at: number;
  last_seen_at: number;
}

/** Instance-wide key/value settings (e.g. the generated secret key, shared by every node). */
export interface SettingsTable {
  key: string;
  value: string;
}

/** An owner's invitation of an email address to a location, until the invitee accepts or declines. */
export interface LocationInvitationsTable {
  id: string;
  location_id: string;
  /** Normalized (lower case). */
  email: string;
  /** `owner` or `member`. */
  role: string;
  invited_by: string | null;
  created_at: number;
  expires_at: number;
}

export interface AccountTables {
  users: UsersTable;
  locations: LocationsTable;
  memberships: MembershipsTable;
  location_invitations: LocationInvitationsTable;
  sessions: SessionsTable;
  settings: SettingsTable;
}
