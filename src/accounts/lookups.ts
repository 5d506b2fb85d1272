import type { Ctx } from "../context.js";
import { randomToken } from "../core/crypto.js";
import { accounts } from "../store/repos/index.js";
import { presentUser, type UserView } from "./presenters.js";

export async function findUserByEmail({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { email: string };
}): Promise<UserView | undefined> {
  const u = await accounts.users.byEmail(ctx.db, input.email.trim().toLowerCase());
  return u ? presentUser(u) : undefined;
}

export async function listUsers({ ctx }: { ctx: Ctx }): Promise<UserView[]> {
  return (await accounts.users.list(ctx.db)).map(presentUser);
}

/**
 * The instance secret (CSRF tokens, signed cookies, media links, phones' re-registration tokens, the
 * sealed refresh successor): `SECRET_KEY` when configured; else `keyFile`, the generated key SQLite
 * keeps in DATA_DIR/secret.key (finding L12: not in the database); else (PostgreSQL without
 * SECRET_KEY) made once and kept in the database so that every node of a cluster shares it. A stored
 * secret is blanked once another is in use (`retireStoredSecret`); blank means "make a new one".
 */
export async function secretKey({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { configured?: string; keyFile?: string };
}): Promise<string> {
  if (input.configured) return input.configured;
  if (input.keyFile) return input.keyFile;
  const stored = await accounts.settings.getOrInit(ctx.db, "secret_key", randomToken(32));
  if (stored) return stored;
  // Retired while SECRET_KEY was set, which is no longer: a new one (the last of racing nodes wins).
  await accounts.settings.put(ctx.db, "secret_key", randomToken(32));
  return (await accounts.settings.get(ctx.db, "secret_key")) ?? "";
}

/**
 * Where phones reach this installation, as the last server to start recorded it: `devices pair` runs
 * in a shell that rarely has the service's environment, so it prints this rather than its own guess.
 */
export interface PhoneEndpoint {
  /** The URL phones are given: `DISPATCH_URL/api/mobile/v1`. */
  phoneUrl: string;
  /** The setting it came from. */
  variable: "PUBLIC_URL" | "DISPATCH_URL";
  /** Where the server listens (HOST) and its real port. */
  host: string;
  port: number;
  /** The server machine's LAN addresses at start-up (what a loopback URL should be replaced with). */
  lan: { iface: string; address: string; family: "IPv4" | "IPv6" }[];
  recordedAt: string;
}

const PHONE_ENDPOINT = "phone_endpoint";

export async function recordPhoneEndpoint({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: Omit<PhoneEndpoint, "recordedAt">;
}): Promise<void> {
  const value: PhoneEndpoint = { ...input, recordedAt: new Date(ctx.clock.now()).toISOString() };
  await accounts.settings.put(ctx.db, PHONE_ENDPOINT, JSON.stringify(value));
}

/** The recorded endpoint; undefined when no server has started on this database yet. */
export async function phoneEndpoint({ ctx }: { ctx: Ctx }): Promise<PhoneEndpoint | undefined> {
  const raw = await accounts.settings.get(ctx.db, PHONE_ENDPOINT);
  if (!raw) return undefined;
  try {
    const v = JSON.parse(raw) as PhoneEndpoint;
    return typeof v.phoneUrl === "string" ? { ...v, lan: Array.isArray(v.lan) ? v.lan : [] } : undefined;
  } catch {
    return undefined;
  }
}
