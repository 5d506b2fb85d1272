import type { Config } from "../config/index.js";

/** The configuration the phone verbs need, taken once from Config (verbs never read the environment). */
export interface DeviceOptions {
  leaseMs: number;
  onlineMs: number;
  ttlMs: number;
  pairingTtlMs: number;
  maxSkewMs: number;
  /** Base URL phones post their webhooks to (DISPATCH_URL). */
  dispatchUrl: string;
  /** Instance secret: derives each phone's re-registration token. */
  secret: string;
}

export function deviceOptions(config: Config, secret: string): DeviceOptions {
  return {
    leaseMs: config.deviceLeaseSeconds * 1000,
    onlineMs: config.deviceOnlineSeconds * 1000,
    ttlMs: config.messageTtlSeconds * 1000,
    pairingTtlMs: config.pairingTtlSeconds * 1000,
    maxSkewMs: config.ingestMaxSkewSeconds * 1000,
    dispatchUrl: config.dispatchUrl,
    secret,
  };
}
