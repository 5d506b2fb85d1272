import { AppError } from "../core/errors.js";
import { PASSWORD_MAX, PASSWORD_MIN } from "./password.js";

export function normalizeEmail(raw: string): string {
  const email = raw.trim().toLowerCase();
  if (email.length > 254 || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) {
    throw new AppError("validation_failed", "email: must be a valid email address", {
      details: { field: "email" },
    });
  }
  return email;
}

export function checkName(raw: string, field = "name"): string {
  const name = raw.trim();
  if (name.length < 1 || name.length > 120) {
    throw new AppError("validation_failed", `${field}: must be 1 to 120 characters`, { details: { field } });
  }
  return name;
}

export function checkPassword(password: string, field = "password"): void {
  if (password.length < PASSWORD_MIN || password.length > PASSWORD_MAX) {
    throw new AppError(
      "validation_failed",
      `${field}: must be ${PASSWORD_MIN} to ${PASSWORD_MAX} characters`,
      {
        details: { field },
      },
    );
  }
}

/**
 * An IANA time zone (`Asia/Karachi`), as written or in other case (`asia/karachi` is accepted as
 * `Asia/Karachi`); aliases Intl accepts (UTC, Etc/GMT+3, Asia/Kolkata) are kept as written. The
 * refusal's wording is the CLI's (`time_zone: not a known IANA time zone`); forms say it in their own
 * words with `suggestTimeZone`.
 */
export function checkTimeZone(raw: string): string {
  const tz = raw.trim();
  const exact = Intl.supportedValuesOf("timeZone").find((z) => z.toLowerCase() === tz.toLowerCase());
  if (exact) return exact;
  if (tz && /^[A-Za-z0-9_+\-/]+$/.test(tz)) {
    try {
      const resolved = new Intl.DateTimeFormat("en-US", { timeZone: tz }).resolvedOptions().timeZone;
      // Kept as written (Asia/Kolkata stays, though ICU calls it Asia/Calcutta); only the case is fixed.
      return resolved.toLowerCase() === tz.toLowerCase() ? resolved : tz;
    } catch {
      // unknown: refused below
    }
  }
  throw new AppError("validation_failed", "time_zone: not a known IANA time zone", {
    details: { field: "time_zone" },
  });
}

/** The one zone whose city is what was typed ("Karachi", "los angeles" → America/Los_Angeles), if any. */
export function suggestTimeZone(raw: string): string | undefined {
  const city = raw.trim().toLowerCase().replace(/\s+/g, "_");
  if (!city || city.includes("/")) return undefined;
  const matches = Intl.supportedValuesOf("timeZone").filter((z) => z.toLowerCase().endsWith(`/${city}`));
  return matches.length === 1 ? matches[0] : undefined;
}
