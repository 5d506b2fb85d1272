import type { Ctx } from "../../src/context.js";
import { systemClock } from "../../src/core/clock.js";
import { createPairing } from "../../src/devices/index.js";
import { type PhoneOptions, SimulatedPhone } from "../../src/devices/simulator/phone.js";
import { ctxFor, makeLocation, makeUser } from "./factories.js";
import type { TestServer } from "./server.js";

export const MOBILE = "/api/mobile/v1";

/** A user and a location on a test server, plus a ctx on its store. */
export async function setupTenant(
  server: TestServer,
): Promise<{ ctx: Ctx; userId: string; locationId: string }> {
  const ctx = ctxFor(server.db.store, server.server.deps.clock ?? systemClock);
  const user = await makeUser(ctx);
  const location = await makeLocation(ctx, user.id);
  return { ctx, userId: user.id, locationId: location.id };
}

export async function pairingFor(ctx: Ctx, locationId: string, ttlMs = 900_000) {
  return createPairing({ ctx, input: { locationId, ttlMs } });
}

/**
 * A simulated phone paired with a fresh pairing of `locationId` by "Sign in by code" (the app
 * registers before its gateway starts), not started yet. For the private-token "sign up" first start,
 * construct the phone with `privateToken` and call start() instead.
 */
export async function pairPhone(
  server: TestServer,
  ctx: Ctx,
  locationId: string,
  opts: Partial<PhoneOptions> = {},
): Promise<SimulatedPhone> {
  const pairing = await pairingFor(ctx, locationId);
  const phone = new SimulatedPhone({ server: server.url, sendDelayMs: 20, deliverDelayMs: 20, ...opts });
  await phone.register({ code: pairing.code });
  return phone;
}

/** Plain HTTP against the mobile API (the protocol tests speak it without our client). */
export async function mobile(
  server: TestServer,
  method: string,
  path: string,
  opts: { auth?: string; body?: unknown } = {},
): Promise<{ status: number; body: unknown; headers: Headers }> {
  const res = await fetch(`${server.url}${MOBILE}${path}`, {
    method,
    headers: {
      ...(opts.auth ? { authorization: opts.auth } : {}),
      ...(opts.body !== undefined ? { "content-type": "application/json" } : {}),
    },
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON
  }
  return { status: res.status, body, headers: res.headers };
}

export async function waitFor<T>(
  fn: () => T | Promise<T>,
  timeoutMs = 5000,
  what = "condition",
): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
