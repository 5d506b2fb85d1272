import { hmacHex, safeEqual } from "../core/crypto.js";

/**
 * The SMSGate app re-registers (POST /device with its `gateway.private_token`) whenever the server
 * answers 401. Pairing tokens are single use, so each phone gets its own re-registration token through
 * GET /settings instead: `rr_<deviceId>_<hmac>`, derived from the instance secret, never stored.
 * Re-registering with it rotates the device token of the SAME device; a removed device cannot return.
 */
export function reregistrationToken(secret: string, deviceId: string): string {
  return `rr_${deviceId}_${hmacHex(secret, `reregister:${deviceId}`).slice(0, 40)}`;
}

/** The device id a re-registration token names, when it is genuine. */
export function verifyReregistrationToken(secret: string, token: string): string | undefined {
  const m = /^rr_(dev_[0-9a-z]{26})_([0-9a-f]{40})$/.exec(token);
  if (!m?.[1]) return undefined;
  return safeEqual(reregistrationToken(secret, m[1]), token) ? m[1] : undefined;
}
