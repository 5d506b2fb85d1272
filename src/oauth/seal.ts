import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";

/**
 * AES-256-GCM under a key derived from the instance secret. Used only for the successor pair of a
 * rotated refresh token, kept for the 60 s retry grace and then erased (never plaintext in storage).
 */
function key(secret: string): Buffer {
  return createHash("sha256").update(`mycrmsim:oauth-successor:${secret}`).digest();
}

export function seal(secret: string, value: unknown): string {
  const iv = randomBytes(12);
  const c = createCipheriv("aes-256-gcm", key(secret), iv);
  const body = Buffer.concat([c.update(JSON.stringify(value), "utf8"), c.final()]);
  return [iv, c.getAuthTag(), body].map((b) => b.toString("base64url")).join(".");
}

export function unseal<T>(secret: string, sealed: string): T | undefined {
  try {
    const [iv, tag, body] = sealed.split(".").map((p) => Buffer.from(p, "base64url"));
    if (!iv || !tag || !body) return undefined;
    const d = createDecipheriv("aes-256-gcm", key(secret), iv);
    d.setAuthTag(tag);
    return JSON.parse(Buffer.concat([d.update(body), d.final()]).toString("utf8")) as T;
  } catch {
    return undefined;
  }
}
