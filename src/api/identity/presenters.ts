import type { LocationRow } from "../../store/repos/accounts.js";

/** A location as the API shows it. Other domains extend it here (e.g. phone presence) with extras. */
export interface ApiLocation {
  id: string;
  name: string;
  time_zone: string;
  created_at: string;
  [extra: string]: unknown;
}

/** Hooks that add fields to each location (the phones domain registers one); run in order. */
export type LocationExtender = (locations: ApiLocation[]) => Promise<void> | void;
const extenders: LocationExtender[] = [];

export function extendLocations(fn: LocationExtender): void {
  extenders.push(fn);
}

export async function presentLocations(rows: LocationRow[]): Promise<ApiLocation[]> {
  const out: ApiLocation[] = rows.map((l) => ({
    id: l.id,
    name: l.name,
    time_zone: l.time_zone,
    created_at: new Date(l.created_at).toISOString(),
  }));
  for (const fn of extenders) await fn(out);
  return out;
}

export const LOCATION_SCHEMA = {
  type: "object",
  additionalProperties: true,
  properties: {
    id: { type: "string", examples: ["loc_01jdx5…"] },
    name: { type: "string" },
    time_zone: { type: "string" },
    created_at: { type: "string", format: "date-time" },
  },
} as const;
