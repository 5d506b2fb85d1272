import { randomBytes } from "node:crypto";

/**
 * The single registry of public id prefixes. Ids are time-sortable (48-bit millisecond time, then 80
 * random bits, Crockford base32, lower case), so lists ordered by id are ordered by creation.
 */
export const ID_PREFIX = {
  user: "usr",
  location: "loc",
  membership: "mem",
  invitation: "inv",
  session: "ses",
  client: "cli",
  grant: "gr",
  message: "msg",
  attachment: "att",
  webhook: "wh",
  delivery: "whd",
  event: "evt",
  device: "dev",
  pairing: "pair",
  job: "job",
  request: "req",
} as const;

export type IdKind = keyof typeof ID_PREFIX;

const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";

function encodeTime(ms: number): string {
  let out = "";
  let t = ms;
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[t % 32] + out;
    t = Math.floor(t / 32);
  }
  return out;
}

function encodeRandom(bytes: Buffer): string {
  // 80 bits -> 16 base32 characters.
  let bits = 0n;
  for (const b of bytes) bits = (bits << 8n) | BigInt(b);
  let out = "";
  for (let i = 0; i < 16; i++) {
    out = ALPHABET[Number(bits & 31n)] + out;
    bits >>= 5n;
  }
  return out;
}

let lastMs = 0;
let lastRand: Buffer = Buffer.alloc(10);

/** A new prefixed id, e.g. `msg_01jdx5…`. Monotonic within one process for ids made in the same ms. */
export function newId(kind: IdKind, now: number = Date.now()): string {
  let rand: Buffer;
  if (now === lastMs) {
    rand = Buffer.from(lastRand);
    for (let i = rand.length - 1; i >= 0; i--) {
      const v = (rand[i] ?? 0) + 1;
      rand[i] = v & 0xff;
      if (v <= 0xff) break;
    }
  } else {
    rand = randomBytes(10);
  }
  lastMs = now;
  lastRand = rand;
  return `${ID_PREFIX[kind]}_${encodeTime(now)}${encodeRandom(rand)}`;
}

/** True when `id` has the prefix of `kind` and the right shape; used to reject garbage early. */
export function isId(kind: IdKind, id: string): boolean {
  const prefix = `${ID_PREFIX[kind]}_`;
  return id.startsWith(prefix) && /^[0-9a-z]{26}$/.test(id.slice(prefix.length));
}
