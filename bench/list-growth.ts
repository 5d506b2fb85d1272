/**
 * Growth of `GET /api/v1/messages` (first page, filtered by location and status) as the table grows
 * from 10k to 1M rows. Rows are inserted directly in bulk, cloned from a real row the send bench left
 * behind (so every column B's schema has gets a plausible value), spread over two locations, both
 * directions and several statuses. Latency: one connection, sequential requests (no queueing).
 */
import { join } from "node:path";
import { SQLite as Database } from "../src/store/sqlite-driver.js";
import pg from "pg";
import { load, seed, startChild } from "./lib.js";

type Row = Record<string, unknown>;
// No "queued" rows: cloned with old timestamps they would be overdue, and the expiry job would be busy
// expiring thousands of them during the measurement (a different figure from list growth).
const STATUSES = ["dispatched", "sent", "delivered", "failed"];

function vary(t: Row, i: number, loc: string, now: number): Row {
  const r: Row = { ...t };
  if (typeof r.id === "string") r.id = `msg_bench${i.toString(36).padStart(8, "0")}`;
  for (const k of Object.keys(r)) if (/_at$/.test(k) && r[k] !== null) r[k] = now - 1_000_000_000 + i * 100;
  if ("location_id" in r) r.location_id = i % 2 ? loc : t.location_id;
  // Independent of the location (i % 2): every location has every status.
  if ("status" in r) r.status = STATUSES[Math.floor(i / 2) % STATUSES.length];
  if ("direction" in r) r.direction = i % 3 === 0 ? "inbound" : "outbound";
  for (const k of Object.keys(r)) if (/idempotency/.test(k)) r[k] = null;
  return r;
}

async function fill(dialect: "sqlite" | "postgres", target: string, from: number, to: number, loc: string) {
  const now = Date.now();
  if (dialect === "sqlite") {
    const db = new Database(target);
    const t = db.prepare("select * from messages limit 1").get() as Row;
    const cols = Object.keys(t).filter((c) => !(c === "id" && typeof t.id === "number"));
    const ins = db.prepare(
      `insert into messages (${cols.join(",")}) values (${cols.map((c) => `@${c}`).join(",")})`,
    );
    db.transaction(() => {
      for (let i = from; i < to; i++) ins.run(vary(t, i, loc, now));
    })();
    db.close();
    return;
  }
  const c = new pg.Client({ connectionString: target });
  await c.connect();
  const t = (await c.query("select * from messages limit 1")).rows[0] as Row;
  const cols = Object.keys(t).filter((k) => !(k === "id" && typeof t.id !== "string"));
  for (let s = from; s < to; s += 1000) {
    const batch = Array.from({ length: Math.min(1000, to - s) }, (_, j) => vary(t, s + j, loc, now));
    const vals: unknown[] = [];
    const tuples = batch.map((r) => `(${cols.map((k) => `$${vals.push(r[k])}`).join(",")})`);
    await c.query(`insert into messages (${cols.join(",")}) values ${tuples.join(",")}`, vals);
  }
  await c.query("analyze messages");
  await c.end();
}

async function count(dialect: "sqlite" | "postgres", target: string): Promise<number> {
  if (dialect === "sqlite") {
    const db = new Database(target, { readonly: true });
    const n = (db.prepare("select count(*) as n from messages").get() as { n: number }).n;
    db.close();
    return n;
  }
  const c = new pg.Client({ connectionString: target });
  await c.connect();
  const n = Number((await c.query("select count(*) as n from messages")).rows[0].n);
  await c.end();
  return n;
}

export async function listGrowth(o: {
  quick: boolean;
  sqliteDir: string;
  pgUrl: string;
  rows: { what: string; result: string; ratio: string; note: string }[];
}): Promise<unknown> {
  const sizes = o.quick ? [10_000, 50_000] : [10_000, 100_000, 1_000_000];
  const out: Record<string, unknown> = {};
  for (const dialect of ["sqlite", "postgres"] as const) {
    const env: Record<string, string> =
      dialect === "sqlite" ? { DATA_DIR: o.sqliteDir } : { DATABASE_URL: o.pgUrl };
    const target = dialect === "sqlite" ? join(o.sqliteDir, "mycrmsim.db") : o.pgUrl;
    let have: number;
    try {
      have = await count(dialect, target);
    } catch {
      have = 0;
    }
    if (have === 0) {
      o.rows.push({
        what: `list growth, ${dialect}`,
        result: "n/a: no messages table or no row to clone",
        ratio: "",
        note: "",
      });
      continue;
    }
    const { token, locationId } = await seed(env);
    const series: { rows: number; p50: number; p99: number }[] = [];
    let next = 0;
    for (const size of sizes) {
      const n = await count(dialect, target);
      if (n < size) await fill(dialect, target, next, next + size - n, locationId);
      next += Math.max(0, size - n);
      const s = await startChild(["src/cli.ts", "serve"], {
        ...env,
        RATE_LIMIT_PER_MINUTE: "10000000",
        RATE_LIMIT_PER_LOCATION_PER_MINUTE: "10000000",
      });
      try {
        const r = await load({
          url: `${s.url}/api/v1/messages?locationId=${locationId}&status=delivered`,
          headers: { authorization: `Bearer ${token}` },
          connections: 1,
          seconds: o.quick ? 2 : 5,
          warmupSeconds: 1,
        });
        if (r.ok === 0) throw new Error(`list failed: ${JSON.stringify(r.statuses)}`);
        series.push({ rows: size, p50: r.p50, p99: r.p99 });
      } finally {
        await s.stop();
      }
    }
    const first = series[0]?.p50 || 1;
    for (const p of series) {
      o.rows.push({
        what: `GET /api/v1/messages first page (location+status), ${dialect}, ${p.rows.toLocaleString("en")} rows`,
        result: `p50 ${p.p50} ms, p99 ${p.p99} ms`,
        ratio: (p.p50 / first).toFixed(2),
        note: "ratio to the 10k-row p50",
      });
    }
    out[dialect] = series;
  }
  return out;
}
