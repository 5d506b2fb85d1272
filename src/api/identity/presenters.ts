import type { Ctx } from "../../context.js";
import type { AppDeps } from "../../http/deps.js";
import type { LocationRow } from "../../store/repos/accounts.js";

/** A location as the API shows it. Other domains extend it here (e.g. phone presence) with extras. */
export interface ApiLocation {
  id: string;
  name: string;
  time_zone: string;
  created_at: string;
  [extra: string]: unknown;
}

/**
 * Hooks that add fields to each location (phone presence registers one); run in order, once per
 * answer. They get the request's context and the app's deps, never a store of their own: several
 * apps (and databases) may share this process.
 */
export type LocationExtender = (locations: ApiLocation[], ctx: Ctx, deps: AppDeps) => Promise<void> | void;
const extenders: LocationExtender[] = [];

export function extendLocations(fn: LocationExtender): void {
  if (!extenders.includes(fn)) extenders.push(fn);
}

export async function presentLocations(rows: LocationRow[], ctx: Ctx, deps: AppDeps): Promise<ApiLocation[]> {
  const out: ApiLocation[] = rows.map((l) => ({
    id: l.id,
    name: l.name,
    time_zone: l.time_zone,
    created_at: new Date(l.created_at).toISOString(),
  }));
  if (out.length > 0) for (const fn of extenders) await fn(out, ctx, deps);
  return out;
}

export const LOCATION_SCHEMA = {
  type: "object",
  additionalProperties: true,
  properties: {
    id: { type: "string", examples: ["loc_01jd3k7m9x2b4c6d8f0g1h2j3k"] },
    name: { type: "string" },
    time_zone: { type: "string" },
    created_at: { type: "string", format: "date-time" },
    phones: {
      type: "object",
      description: "Paired phones of this location, and how many are online (recently seen)",
      properties: { total: { type: "integer" }, online: { type: "integer" } },
    },
    queued: { type: "integer", description: "Outbound messages waiting for a phone" },
  },
} as const;

export const LOCATION_EXAMPLE = {
  id: "loc_01jd3k7m9x2b4c6d8f0g1h2j3k",
  name: "Harbour Bistro",
  time_zone: "Europe/Lisbon",
  created_at: "2026-05-01T09:00:00.000Z",
  phones: { total: 1, online: 1 },
  queued: 0,
} as const;
