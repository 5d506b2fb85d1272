import { iso } from "../core/clock.js";
import type { LocationRow, LocationWithRole, UserRow } from "../store/repos/accounts.js";

export interface UserView {
  id: string;
  email: string;
  name: string;
  is_admin: boolean;
  /** An administrator disabled the account: no sign-in, no API access. */
  disabled: boolean;
  created_at: string;
}

export interface LocationView {
  id: string;
  name: string;
  time_zone: string;
  created_at: string;
  role?: string;
}

export function presentUser(u: UserRow): UserView {
  return {
    id: u.id,
    email: u.email,
    name: u.name,
    is_admin: u.is_admin === 1,
    disabled: u.disabled_at !== null && u.disabled_at !== undefined,
    created_at: iso(u.created_at),
  };
}

export function presentLocation(l: LocationRow | LocationWithRole): LocationView {
  const view: LocationView = {
    id: l.id,
    name: l.name,
    time_zone: l.time_zone,
    created_at: iso(l.created_at),
  };
  if ("role" in l) view.role = l.role;
  return view;
}
