import { parsePhoneNumberFromString } from "libphonenumber-js/max";
import { AppError } from "../core/errors.js";
import { characterCount } from "./encoding.js";

export const MAX_MESSAGE_CHARS = 1600;
export const MAX_ATTACHMENTS = 10;
const MAX_URL_LENGTH = 2048;

/**
 * A recipient must be written in strict E.164 (`+` then 8 to 15 digits, no spaces) and be a number
 * that can exist (libphonenumber's full metadata), so typos fail here and not on the phone.
 */
export function requireE164(phone: string): string {
  if (!/^\+[1-9]\d{6,14}$/.test(phone)) {
    throw new AppError("invalid_phone", "phone must be an E.164 number such as +14155552671", {
      details: { field: "phone" },
    });
  }
  const parsed = parsePhoneNumberFromString(phone);
  if (!parsed?.isValid()) {
    throw new AppError("invalid_phone", `${phone} is not a valid phone number`, {
      details: { field: "phone" },
    });
  }
  return parsed.number;
}

/** An inbound sender as E.164 when it parses as one; short codes and alphanumeric ids stay as sent. */
export function normaliseSender(phone: string): string {
  const trimmed = phone.trim();
  const parsed = trimmed.startsWith("+") ? parsePhoneNumberFromString(trimmed) : undefined;
  return parsed?.isPossible() ? parsed.number : trimmed;
}

export function requireBody(message: string | undefined, attachments: string[]): string | null {
  if (message === undefined || message === "") {
    if (attachments.length === 0) {
      throw new AppError("invalid_request", "message is required unless attachments are given", {
        details: { field: "message" },
      });
    }
    return null;
  }
  if (characterCount(message) > MAX_MESSAGE_CHARS) {
    throw new AppError("message_too_long", `message is longer than ${MAX_MESSAGE_CHARS} characters`, {
      details: { field: "message", max: MAX_MESSAGE_CHARS },
    });
  }
  return message;
}

/** MMS attachments: absolute http(s) URLs the phone downloads, without credentials. */
export function requireAttachments(attachments: string[] | undefined): string[] {
  const list = attachments ?? [];
  if (list.length > MAX_ATTACHMENTS) {
    throw new AppError("invalid_request", `at most ${MAX_ATTACHMENTS} attachments`, {
      details: { field: "attachments" },
    });
  }
  return list.map((raw, i) => {
    let url: URL | undefined;
    try {
      url = raw.length <= MAX_URL_LENGTH ? new URL(raw) : undefined;
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== "https:" && url.protocol !== "http:") || url.username || url.password) {
      throw new AppError("invalid_request", `attachments[${i}] must be an http(s) URL without credentials`, {
        details: { field: `attachments[${i}]` },
      });
    }
    return url.href;
  });
}
