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

export function checkTimeZone(tz: string): string {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return tz;
  } catch {
    throw new AppError("validation_failed", "time_zone: not a known IANA time zone", {
      details: { field: "time_zone" },
    });
  }
}
