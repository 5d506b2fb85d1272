import { randomFillSync } from "node:crypto";

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

/** 40 bits (5 bytes from `b` at `at`) as 8 base32 characters; plain numbers, since 2^40 fits a double. */
function encode40(b: Uint8Array, at: number): string {
  let v =
    (b[at] ?? 0) * 2 ** 32 +
    (b[at + 1] ?? 0) * 2 ** 24 +
    (b[at + 2] ?? 0) * 2 ** 16 +
    (b[at + 3] ?? 0) * 2 ** 8 +
    (b[at + 4] ?? 0);
  let out = "";
  for (let i = 0; i < 8; i++) {
    out = ALPHABET[v % 32] + out;
    v = Math.floor(v / 32);
  }
  return out;
}

/**
 * Random bytes come from a pool refilled 4 KiB at a time: one `randomFillSync` per ~400 ids instead
 * of one per id (a request id is made for every request). Same CSPRNG, so ids stay unguessable.
 */
const pool = new Uint8Array(4096);
let poolAt = pool.length;

function take10(into: Uint8Array): void {
  if (poolAt + 10 > pool.length) {
    randomFillSync(pool);
    poolAt = 0;
  }
  into.set(pool.subarray(poolAt, poolAt + 10));
  poolAt += 10;
}

let lastMs = -1;
let lastTime = "";
const lastRand = new Uint8Array(10);

/** A new prefixed id, e.g. `msg_01jdx5…`. Monotonic within one process for ids made in the same ms. */
export function newId(kind: IdKind, now: number = Date.now()): string {
  if (now === lastMs) {
    // Same millisecond: the previous random part plus one, so ids made in a row still sort in order.
    for (let i = lastRand.length - 1; i >= 0; i--) {
      const v = (lastRand[i] ?? 0) + 1;
      lastRand[i] = v & 0xff;
      if (v <= 0xff) break;
    }
  } else {
    take10(lastRand);
    lastMs = now;
    lastTime = encodeTime(now);
  }
  return `${ID_PREFIX[kind]}_${lastTime}${encode40(lastRand, 0)}${encode40(lastRand, 5)}`;
}

/** True when `id` has the prefix of `kind` and the right shape; used to reject garbage early. */
export function isId(kind: IdKind, id: string): boolean {
  const prefix = `${ID_PREFIX[kind]}_`;
  return id.startsWith(prefix) && /^[0-9a-z]{26}$/.test(id.slice(prefix.length));
}
