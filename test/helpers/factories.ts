import { createLocation, createUser, type LocationView, type UserView } from "../../src/accounts/index.js";
import type { Ctx } from "../../src/context.js";
import { type Clock, systemClock } from "../../src/core/clock.js";
import { silentLogger } from "../../src/core/logger.js";
import type { Store } from "../../src/store/types.js";

let seq = 0;

export function ctxFor(store: Store, clock: Clock = systemClock): Ctx {
  return { store, db: store.db, clock, log: silentLogger };
}

export async function makeUser(
  ctx: Ctx,
  overrides: Partial<{ email: string; name: string; password: string; isAdmin: boolean }> = {},
): Promise<UserView & { password: string }> {
  seq++;
  const password = overrides.password ?? "a long enough password";
  const user = await createUser({
    ctx,
    input: {
      email: overrides.email ?? `user${seq}-${process.pid}@example.com`,
      name: overrides.name ?? `User ${seq}`,
      password,
      isAdmin: overrides.isAdmin,
    },
  });
  return { ...user, password };
}

export async function makeLocation(
  ctx: Ctx,
  ownerUserId: string,
  overrides: Partial<{ name: string; timeZone: string }> = {},
): Promise<LocationView> {
  seq++;
  return createLocation({
    ctx,
    input: { ownerUserId, name: overrides.name ?? `Location ${seq}`, timeZone: overrides.timeZone },
  });
}
