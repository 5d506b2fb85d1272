import type { Ctx } from "../context.js";
import { isoOrNull } from "../core/clock.js";
import { oauth } from "../store/repos/index.js";

/** How much an OAuth client is in use, for admins. */
export interface ClientUsage {
  /** Users who have it connected now (live grants). */
  connections: number;
  /** The last time any of those connections called the API (recorded to the minute). */
  last_used_at: string | null;
}

/** Every client's usage by client id; a client nobody has connected is absent. */
export async function clientUsage({ ctx }: { ctx: Ctx }): Promise<Map<string, ClientUsage>> {
  const rows = await oauth.grants.usageByClient(ctx.db);
  return new Map(
    rows.map((r) => [
      r.client_id,
      {
        connections: Number(r.connections),
        last_used_at: r.last_used_at === null ? null : isoOrNull(Number(r.last_used_at)),
      },
    ]),
  );
}
