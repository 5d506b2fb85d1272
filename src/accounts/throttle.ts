import type { Ctx } from "../context.js";
import { AppError } from "../core/errors.js";
import { oauth } from "../store/repos/index.js";

/** The longest wait; with it, 100 failures take hours (NIST SP 800-63B's cap on attempts). */
const MAX_BLOCK_MS = 15 * 60_000;

/**
 * Attempts allowed before backoff (1 s, doubling, up to 15 min), per counter:
 * - `pair`: one account from one address, the strict limit (a guesser at one place);
 * - `ip`: one address, any account (shared offices and NAT get more);
 * - `acct`: one account from anywhere, softer; a device that signed in to the account before (a
 *   signed "known device" cookie) skips it, so guesses from elsewhere cannot lock its owner out.
 */
const FREE = { pair: 5, ip: 20, acct: 30 } as const;

export interface AttemptSubject {
  email: string;
  ip?: string;
  /** The browser proved (signed cookie) that it signed in to this account before. */
  knownDevice?: boolean;
}

export interface Reservation {
  /** The attempt succeeded: give its units back and forget this place's failures. */
  succeeded(): Promise<void>;
}

function counters(s: AttemptSubject): { key: string; free: number }[] {
  const email = s.email.trim().toLowerCase().slice(0, 320);
  const ip = (s.ip ?? "").slice(0, 64);
  const list: { key: string; free: number }[] = [{ key: `pair:${ip}|${email}`, free: FREE.pair }];
  if (ip) list.push({ key: `ip:${ip}`, free: FREE.ip });
  if (!s.knownDevice) list.push({ key: `acct:${email}`, free: FREE.acct });
  return list;
}

/**
 * Count a password attempt before the password is checked (one atomic statement per counter, shared
 * by every process), so parallel guesses cannot all pass a check made before the first failure is
 * written. Refused (429 `too_many_attempts`, with Retry-After) while any counter is blocked.
 */
export async function reserveAttempt(ctx: Ctx, subject: AttemptSubject): Promise<Reservation> {
  const now = ctx.clock.now();
  const taken: { key: string; free: number }[] = [];
  for (const c of counters(subject)) {
    const blockedUntil = await oauth.signinAttempts.reserve(ctx.db, c.key, now, c.free, MAX_BLOCK_MS);
    if (blockedUntil > 0) {
      for (const t of taken) await oauth.signinAttempts.refund(ctx.db, t.key, t.free);
      throw new AppError("too_many_attempts", "Too many sign-in attempts. Wait a moment and try again.", {
        retryAfter: Math.ceil((blockedUntil - now) / 1000),
      });
    }
    taken.push(c);
  }
  return {
    async succeeded() {
      for (const t of taken) {
        if (t.key.startsWith("pair:")) await oauth.signinAttempts.clear(ctx.db, t.key);
        else await oauth.signinAttempts.refund(ctx.db, t.key, t.free);
      }
    },
  };
}
