import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/** A URL-safe random token of `bytes` bytes of entropy, with an optional prefix. */
export function randomToken(bytes = 32, prefix = ""): string {
  return prefix + randomBytes(bytes).toString("base64url");
}

/** Hex SHA-256; how tokens and secrets are stored (lookups by hash, never the plaintext). */
export function sha256Hex(value: string): string {
  return createHash("sha256").update(value).digest("hex");
}

export function hmacHex(key: string | Buffer, value: string): string {
  return createHmac("sha256", key).update(value).digest("hex");
}

/** Constant-time string comparison; false for different lengths without leaking where they differ. */
export function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  if (ab.length !== bb.length) return false;
  return timingSafeEqual(ab, bb);
}
