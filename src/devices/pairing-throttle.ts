import ipaddr from "ipaddr.js";
import type { Ctx } from "../context.js";
import { AppError } from "../core/errors.js";
import { oauth } from "../store/repos/index.js";
import type { Store } from "../store/types.js";

const WINDOW_MS = 60_000;
/** The instance-wide bucket of failed `Code` attempts: every tenant's live pairing sits behind it. */
const CODE_KEY = "pair:code";

export interface PairingLimits {
  /** Failed registration attempts (any credential) per minute from one client address. */
  failuresPerAddressPerMinute: number;
  /** Failed `Code …` attempts per minute across the whole instance (every address, every node). */
  codeFailuresPerMinute: number;
}

export interface PairingAttempt {
  /** The client address as the transport sees it (`request.ip`, so TRUST_PROXY applies). */
  address: string;
  /** `code` is 8 digits and guessable; `bearer` is a 192-bit pairing token or a MAC'd rr_ token. */
  kind: "bearer" | "code";
  limits: PairingLimits;
}

/**
 * Throttle one POST /device (finding M2), then run `register`. Both budgets are GCRA buckets in
 * `rate_buckets` (one atomic upsert each, shared by every process on the database) that count failed
 * attempts. An attempt takes its unit BEFORE the credential is looked at and gives it back only once it
 * has registered, so parallel guesses cannot slip in ahead of their own failures, while successful
 * registrations (a fleet paired from one office, a phone re-registering) cost nothing:
 *
 * 1. per address, any credential: one address fails at most `failuresPerAddressPerMinute` a minute
 *    (a burst of one minute's budget, then one per interval);
 * 2. instance-wide, codes only, and only for attempts that passed (1). Once it is empty every code is
 *    refused unchecked — checking would let the right guess through and turn the limit into an oracle —
 *    which bounds guesses against all tenants' live pairings together however many addresses try.
 *
 * The price is that a distributed attack pauses code pairing for everyone while it lasts. Tokens (the
 * QR code, the pasted private token, the app's rr_ re-registration) never touch the instance-wide
 * bucket: they cannot be guessed, so refusing them would add a denial of service and no protection.
 * One address cannot empty it alone (it is stopped at (1) before reaching (2)): that takes
 * codeFailuresPerMinute / failuresPerAddressPerMinute addresses (IPv6: /64 networks) at once.
 */
export async function withPairingThrottle<T>(
  { ctx, input }: { ctx: Ctx; input: PairingAttempt },
  register: () => Promise<T>,
): Promise<T> {
  const { limits } = input;
  const taken: [string, number][] = [];
  const address = `pair:a:${addressKey(input.address)}`;
  await charge(ctx, address, limits.failuresPerAddressPerMinute, "from this address");
  taken.push([address, limits.failuresPerAddressPerMinute]);
  if (input.kind === "code") {
    await charge(ctx, CODE_KEY, limits.codeFailuresPerMinute, "with pairing codes on this server");
    taken.push([CODE_KEY, limits.codeFailuresPerMinute]);
  }
  const result = await register();
  // Registered: no failure to count. A lost give-back only leaves a budget one unit tighter for a while.
  for (const [key, perMinute] of taken) {
    await oauth.rateBuckets
      .giveBack(ctx.db, key, intervalOf(perMinute))
      .catch((e) => ctx.log.warn({ err: e }, "could not return a pairing attempt to its budget"));
  }
  return result;
}

/**
 * The throttling identity of a client address: IPv4 as is (also when IPv4-mapped), IPv6 by its /64,
 * since one subscriber's /64 holds 2^64 addresses to rotate through.
 */
export function addressKey(address: string): string {
  if (!ipaddr.isValid(address)) return address;
  const a = ipaddr.process(address);
  if (a.kind() === "ipv4") return a.toString();
  const parts = (a as ipaddr.IPv6).parts.slice(0, 4);
  return `${new ipaddr.IPv6([...parts, 0, 0, 0, 0]).toString()}/64`;
}

/**
 * Refusals are remembered per process until one more attempt can fit, so a flood of refused guesses
 * costs memory lookups instead of database round trips. A bucket's tat only grows (a give-back can
 * lower it, in which case a remembered refusal merely lasts up to its announced Retry-After).
 */
const refusedUntil = new WeakMap<Store, Map<string, number>>();
let lastSweep = 0;
let lastWarning = 0;

async function charge(ctx: Ctx, key: string, perMinute: number, scope: string): Promise<void> {
  const refusals = refusalsOf(ctx);
  const interval = intervalOf(perMinute);
  let until = refusals.get(key) ?? 0;
  if (until <= ctx.clock.now()) {
    const hit = await oauth.rateBuckets.hit(ctx.db, key, ctx.clock.now(), interval, WINDOW_MS);
    if (hit.ok) return;
    // A refused hit leaves tat alone; the next attempt fits once tat + interval is within the window.
    until = hit.tat + interval - WINDOW_MS;
    refusals.set(key, until);
  }
  const retryAfter = Math.max(1, Math.ceil((until - ctx.clock.now()) / 1000));
  if (key === CODE_KEY) warnOnce(ctx, perMinute, retryAfter);
  throw new AppError("rate_limited", `Too many pairing attempts ${scope}; retry in ${retryAfter} s`, {
    retryAfter,
  });
}

function intervalOf(perMinute: number): number {
  return Math.max(1, Math.floor(WINDOW_MS / perMinute));
}

function refusalsOf(ctx: Ctx): Map<string, number> {
  let m = refusedUntil.get(ctx.store);
  if (!m) {
    m = new Map();
    refusedUntil.set(ctx.store, m);
  }
  // Entries last at most a window, so the map holds the addresses refused in the last minute.
  const now = ctx.clock.now();
  if (now - lastSweep > 10_000) {
    lastSweep = now;
    for (const [k, until] of m) if (until <= now) m.delete(k);
  }
  return m;
}

/** Operators should hear about a guessing campaign; once a minute per process is enough. */
function warnOnce(ctx: Ctx, perMinute: number, retryAfter: number): void {
  const now = ctx.clock.now();
  if (now - lastWarning < WINDOW_MS) return;
  lastWarning = now;
  ctx.log.warn(
    { perMinute, retryAfter },
    "pairing: the instance-wide budget of failed pairing codes is spent; codes are refused (tokens still pair)",
  );
}
