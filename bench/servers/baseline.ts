/**
 * Baseline servers for `npm run bench`, one per process (argv[2] = mode), on 127.0.0.1, port 0.
 * Prints `{"listening": url}` once ready. Modes:
 * - `bare`: a Fastify POST validated by the same shape as the seed's send body, nothing stored
 *   (the ceiling any send endpoint is measured against), and `GET /healthz` answering `{status:"ok"}`
 *   (the ceiling of our own /healthz);
 * - `insert`: the same plus one INSERT per request in its own transaction, on SQLite (WAL,
 *   synchronous=FULL like our store) or PostgreSQL (pg Pool of 10) from BENCH_PG_URL;
 * - `auth`: our real `bearerAuth` preHandler on `GET /auth` next to an unauthenticated `GET /open`,
 *   on our real store (DATA_DIR / DATABASE_URL), so the difference is the token check alone.
 */
import { join } from "node:path";
import { SQLite as Database } from "../../src/store/sqlite-driver.js";
import Fastify from "fastify";
import pg from "pg";
import { bearerAuth } from "../../src/api/auth.js";
import { loadConfig } from "../../src/config/index.js";
import { systemClock } from "../../src/core/clock.js";
import { createMetrics } from "../../src/observability/metrics.js";
import { openStore } from "../../src/store/index.js";

const SEND_SCHEMA = {
  body: {
    type: "object",
    required: ["phone", "locationId"],
    additionalProperties: false,
    properties: {
      phone: { type: "string", pattern: "^\\+[1-9][0-9]{6,14}$" },
      locationId: { type: "string", minLength: 1, maxLength: 64 },
      message: { type: "string", maxLength: 1600 },
      attachments: { type: "array", maxItems: 10, items: { type: "string", maxLength: 2048 } },
    },
  },
  response: {
    200: { type: "object", properties: { id: { type: "string" }, status: { type: "string" } } },
  },
} as const;

type Body = { phone: string; locationId: string; message?: string };

async function main(): Promise<void> {
  const mode = process.argv[2];
  const app = Fastify({ logger: false });
  let seq = 0;
  if (mode === "bare") {
    app.post("/send", { schema: SEND_SCHEMA }, async () => ({ id: `msg_${++seq}`, status: "queued" }));
    app.get("/healthz", async () => ({ status: "ok" }));
  } else if (mode === "insert-sqlite") {
    const db = new Database(join(process.env.BENCH_DIR ?? ".", "baseline.db"));
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = FULL");
    db.exec(
      "create table if not exists m (id integer primary key, location_id text, phone text, body text, status text, created_at integer)",
    );
    const ins = db.prepare("insert into m (location_id, phone, body, status, created_at) values (?,?,?,?,?)");
    const tx = db.transaction((b: Body) =>
      ins.run(b.locationId, b.phone, b.message ?? "", "queued", Date.now()),
    );
    app.post<{ Body: Body }>("/send", { schema: SEND_SCHEMA }, async (req) => {
      const r = tx(req.body);
      return { id: `msg_${r.lastInsertRowid}`, status: "queued" };
    });
  } else if (mode === "insert-pg") {
    const pool = new pg.Pool({ connectionString: process.env.BENCH_PG_URL, max: 10 });
    await pool.query(
      "create table if not exists m (id bigserial primary key, location_id text, phone text, body text, status text, created_at bigint)",
    );
    app.post<{ Body: Body }>("/send", { schema: SEND_SCHEMA }, async (req) => {
      const b = req.body;
      const r = await pool.query({
        name: "ins",
        text: "insert into m (location_id, phone, body, status, created_at) values ($1,$2,$3,$4,$5) returning id",
        values: [b.locationId, b.phone, b.message ?? "", "queued", Date.now()],
      });
      return { id: `msg_${r.rows[0].id}`, status: "queued" };
    });
  } else if (mode === "auth") {
    const config = loadConfig(process.env);
    const store = await openStore(config);
    const deps = {
      config,
      store,
      clock: systemClock,
      metrics: createMetrics(),
      secret: "x".repeat(32),
      wake: () => undefined,
    };
    app.get("/open", async () => ({ ok: true }));
    app.get("/auth", { preHandler: bearerAuth(deps) }, async () => ({ ok: true }));
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
  const url = await app.listen({ port: 0, host: "127.0.0.1" });
  process.stdout.write(`${JSON.stringify({ listening: url })}\n`);
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exit(1);
});
