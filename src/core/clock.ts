/** Time as a dependency, so tests can jump it (token expiry, retry schedules, leases). */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock tests can move forward; starts at the real time unless told otherwise. */
export class ManualClock implements Clock {
  private t: number;
  constructor(start: number = Date.now()) {
    this.t = start;
  }
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
  set(ms: number): void {
    this.t = ms;
  }
}

/** Parse a clock override for out-of-process tests: `CLOCK_OFFSET_MS` shifts system time. */
export function offsetClock(offsetMs: number): Clock {
  return { now: () => Date.now() + offsetMs };
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export function isoOrNull(ms: number | null | undefined): string | null {
  return ms === null || ms === undefined ? null : new Date(ms).toISOString();
}
