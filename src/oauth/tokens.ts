import { randomToken, sha256Hex } from "../core/crypto.js";

/** Opaque tokens with a prefix that says what they are (and lets secret scanners find leaks). */
export const ACCESS_PREFIX = "mcs_at_";
export const REFRESH_PREFIX = "mcs_rt_";
export const CODE_PREFIX = "mcs_ac_";

/** Access tokens live one hour (the contract's `expires_in: 3600`). */
export const ACCESS_TTL_MS = 3600_000;
/** Refresh tokens expire after 90 days unused (each rotation starts a new 90 days). */
export const REFRESH_TTL_MS = 90 * 24 * 3600_000;

/** `suffix`: the narrowed scopes of a token with fewer scopes than its grant (see `scopeSuffix`). */
export function newAccessToken(suffix = ""): { token: string; hash: string } {
  const token = randomToken(32, ACCESS_PREFIX) + suffix;
  return { token, hash: sha256Hex(token) };
}

export function newRefreshToken(): { token: string; hash: string } {
  const token = randomToken(32, REFRESH_PREFIX);
  return { token, hash: sha256Hex(token) };
}

export const hashToken = sha256Hex;
