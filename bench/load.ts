/**
 * The load generator, run as its own process so it never shares an event loop with a server:
 * `connections` closed loops over one undici Pool, time-boxed and optionally count-bounded.
 * Prints one JSON line: {requests, ok, errors, statuses, rps, p50, p99, fired} (latencies in ms; `fired`
 * counts the warm-up too, so a server's CPU time over the whole call can be divided by it).
 * Input: a JSON spec as argv[2] (url, method, body, headers, connections, seconds, maxRequests, bodies).
 */
import { Pool } from "undici";

export interface LoadSpec {
  url: string;
  method?: "GET" | "POST";
  headers?: Record<string, string>;
  /** A fixed body, or `{n}` replaced by the request number (unique bodies / idempotency keys). */
  body?: string;
  connections?: number;
  seconds: number;
  maxRequests?: number;
  warmupSeconds?: number;
}

export interface LoadResult {
  requests: number;
  ok: number;
  errors: number;
  statuses: Record<string, number>;
  rps: number;
  p50: number;
  p99: number;
  /** Every request sent, warm-up included. */
  fired?: number;
  /** Set by the caller when it measured the server's CPU time (user + system) over the whole call. */
  cpuUsPerRequest?: number;
}

async function run(spec: LoadSpec): Promise<LoadResult> {
  const u = new URL(spec.url);
  const conns = spec.connections ?? 50;
  const pool = new Pool(u.origin, { connections: conns, pipelining: 1 });
  const path = u.pathname + u.search;
  let n = 0;
  const fire = async (): Promise<number> => {
    const i = n++;
    const res = await pool.request({
      path,
      method: spec.method ?? "GET",
      headers: spec.headers,
      body: spec.body?.replaceAll("{n}", String(i)),
    });
    await res.body.dump();
    return res.statusCode;
  };
  // Warm-up (not recorded): JIT, connection setup, server caches.
  const warm = performance.now() + (spec.warmupSeconds ?? 0) * 1000;
  await Promise.all(
    Array.from({ length: conns }, async () => {
      while (performance.now() < warm) await fire().catch(() => 0);
    }),
  );

  const lat: number[] = [];
  const statuses: Record<string, number> = {};
  let errors = 0;
  const start = performance.now();
  const until = start + spec.seconds * 1000;
  const max = n + (spec.maxRequests ?? Number.POSITIVE_INFINITY);
  await Promise.all(
    Array.from({ length: conns }, async () => {
      while (performance.now() < until && n < max) {
        const t0 = performance.now();
        try {
          const status = await fire();
          lat.push(performance.now() - t0);
          statuses[status] = (statuses[status] ?? 0) + 1;
        } catch {
          errors++;
        }
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  await pool.close();
  lat.sort((a, b) => a - b);
  const q = (p: number) =>
    lat.length ? Number(lat[Math.min(lat.length - 1, Math.floor(p * lat.length))]?.toFixed(2)) : 0;
  const ok = Object.entries(statuses)
    .filter(([s]) => s.startsWith("2"))
    .reduce((a, [, c]) => a + c, 0);
  return {
    requests: lat.length + errors,
    ok,
    errors,
    statuses,
    rps: Math.round(ok / elapsed),
    p50: q(0.5),
    p99: q(0.99),
    fired: n,
  };
}

if (process.argv[2]) {
  run(JSON.parse(process.argv[2]) as LoadSpec).then(
    (r) => process.stdout.write(`${JSON.stringify(r)}\n`),
    (e) => {
      process.stderr.write(`${(e as Error).stack}\n`);
      process.exit(1);
    },
  );
}
