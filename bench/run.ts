/**
 * `npm run bench [-- --quick]`: every figure next to a baseline measured in the same run, because the
 * project machine is shared and absolute numbers drift 15–20% between runs (perf-baselines.md).
 * Servers run as child processes on 127.0.0.1; the load generator (bench/load.ts: undici Pool loops)
 * is a third process. PostgreSQL: a fresh schema in BENCH_DATABASE_URL (default: local `test`).
 * Writes bench/results/latest.json. Sections of other engineers (bench/send.ts, bench/phones.ts) run
 * as child processes when present; their own tables are printed as they come.
 * `--http`: only the per-request HTTP pipeline rows (bare POST and GET, /healthz, a refused and a stored
 * send on SQLite, the token check), for profiling iterations; it does not write latest.json.
 */
import { execSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { type Child, cpuMs, freshPgSchema, load, startChild as start, seed, tempDir } from "./lib.js";
import { listGrowth } from "./list-growth.js";
import type { LoadResult, LoadSpec } from "./load.js";

const quick = process.argv.includes("--quick");
const httpOnly = process.argv.includes("--http");
const SECONDS = quick ? 3 : 10;
const WARMUP = quick ? 1 : 3;
const CONNS = 50;
const rows: { what: string; result: string; ratio: string; note: string }[] = [];
const json: Record<string, unknown> = {
  date: new Date().toISOString(),
  quick,
  machine: { nproc: cpus().length, memGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
  loadGenerator: "bench/load.ts: undici Pool loops in a separate process",
};

const body = (loc: string) =>
  JSON.stringify({ phone: "+14155552671", locationId: loc, message: "Your code is 483920 ({n})" });
/** Server processes by origin, so each load can be charged the CPU time of the server it drove. */
const servers = new Map<string, number | undefined>();
async function startChild(args: string[], env: Record<string, string> = {}): Promise<Child> {
  const c = await start(args, env);
  servers.set(new URL(c.url).origin, c.proc.pid);
  return c;
}
async function loadOn(spec: LoadSpec): Promise<LoadResult> {
  const pid = servers.get(new URL(spec.url).origin);
  const before = cpuMs(pid);
  const r = await load(spec);
  const used = cpuMs(pid) - before;
  if (used > 0 && r.fired) r.cpuUsPerRequest = Math.round((used * 1000) / r.fired);
  return r;
}

const post = (url: string, b: string, headers: Record<string, string> = {}) =>
  loadOn({
    url,
    method: "POST",
    body: b,
    headers: { "content-type": "application/json", ...headers },
    connections: CONNS,
    seconds: SECONDS,
    warmupSeconds: WARMUP,
  });
const fmt = (r: LoadResult) =>
  `${r.rps} req/s (p50 ${r.p50} ms, p99 ${r.p99} ms${r.cpuUsPerRequest ? `, server CPU ${r.cpuUsPerRequest} µs/req` : ""})`;
const add = (what: string, r: LoadResult | string, base?: LoadResult, note = "") => {
  const ratio = typeof r !== "string" && base?.rps ? (r.rps / base.rps).toFixed(2) : "";
  // The same ratio from server CPU time per request (baseline's ÷ this one's): steadier on a busy box.
  const cpu =
    typeof r !== "string" && r !== base && r.cpuUsPerRequest && base?.cpuUsPerRequest
      ? `CPU-time ratio ${(base.cpuUsPerRequest / r.cpuUsPerRequest).toFixed(2)}`
      : "";
  rows.push({
    what,
    result: typeof r === "string" ? r : fmt(r),
    ratio,
    note: [note, cpu].filter(Boolean).join("; "),
  });
  json[what] = typeof r === "string" ? { skipped: r } : { ...r, ratioToBaseline: ratio || undefined };
};

const get = (url: string, headers: Record<string, string> = {}) =>
  loadOn({ url, headers, connections: CONNS, seconds: SECONDS, warmupSeconds: WARMUP });

async function measure(mode: string, env: Record<string, string> = {}): Promise<LoadResult> {
  const s = await startChild(["bench/servers/baseline.ts", mode], env);
  try {
    return await post(`${s.url}/send`, body("loc_bench"));
  } finally {
    await s.stop();
  }
}

/** The bare Fastify server: a validated POST (the send baseline) and a GET (the /healthz baseline). */
async function bareBaselines(): Promise<{ post: LoadResult; get: LoadResult }> {
  const s = await startChild(["bench/servers/baseline.ts", "bare"]);
  try {
    return { post: await post(`${s.url}/send`, body("loc_bench")), get: await get(`${s.url}/healthz`) };
  } finally {
    await s.stop();
  }
}

interface Ours {
  send: LoadResult | string;
  /** Only with `pipeline`: GET /healthz and a send refused with 400 before any database work. */
  healthz?: LoadResult;
  refused?: LoadResult;
}

/** Our real POST /api/v1/messages on one dialect (with `pipeline`: the cheaper requests first). */
async function sendOurs(env: Record<string, string>, pipeline = false): Promise<Ours> {
  const { token, locationId } = await seed(env);
  const s = await startChild(["src/cli.ts", "serve"], { ...env, ...RELAXED });
  const auth = { authorization: `Bearer ${token}` };
  try {
    const probe = await fetch(`${s.url}/api/v1/messages`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: body(locationId).replace("{n}", "probe"),
    });
    if (probe.status === 404 && (await probe.text()).includes("No route"))
      return { send: "n/a: POST /api/v1/messages missing" };
    if (!pipeline) return { send: await post(`${s.url}/api/v1/messages`, body(locationId), auth) };
    const healthz = await get(`${s.url}/healthz`);
    // Refused by the phone check: past auth, both client budgets, JSON parsing and schema validation.
    const bad = JSON.stringify({ phone: "+1415", locationId, message: "x" });
    const refused = await post(`${s.url}/api/v1/messages`, bad, auth);
    const send = await post(`${s.url}/api/v1/messages`, body(locationId), auth);
    return { healthz, refused, send };
  } finally {
    await s.stop();
  }
}

/** A 4xx result counts its answers (not only 2xx) as its rate. */
const answered = (r: LoadResult): LoadResult => ({ ...r, rps: Math.round(r.requests / SECONDS) });

// The bench measures throughput, not the per-client limit: lift it (A's limiter still runs).
const RELAXED = { RATE_LIMIT_PER_MINUTE: "10000000", RATE_LIMIT_PER_LOCATION_PER_MINUTE: "10000000" };

async function main(): Promise<void> {
  const dir = tempDir();
  const pgA = await freshPgSchema("ins");
  const pgB = await freshPgSchema("app");
  try {
    const { post: bare, get: bareGet } = await bareBaselines();
    add("bare validated Fastify POST", bare, bare, "baseline");
    add("bare Fastify GET", bareGet, bareGet, "baseline");
    if (!httpOnly) {
      add("one INSERT per request, SQLite FULL", await measure("insert-sqlite", { BENCH_DIR: dir }), bare);
      const insPg = await measure("insert-pg", { BENCH_PG_URL: pgA.url });
      add("one INSERT per request, PostgreSQL", insPg, bare);
    }
    const ours = await sendOurs({ DATA_DIR: dir }, true);
    if (ours.healthz) add("GET /healthz, full app", ours.healthz, bareGet, "ratio to bare GET");
    add("POST /api/v1/messages, SQLite", ours.send, bare, "ratio to bare POST");
    if (ours.refused && typeof ours.send !== "string") {
      add(
        "POST /api/v1/messages refused (400 invalid_phone), SQLite",
        answered(ours.refused),
        ours.send,
        "ratio to the stored send",
      );
    }
    if (!httpOnly) {
      add(
        "POST /api/v1/messages, PostgreSQL",
        (await sendOurs({ DATABASE_URL: pgB.url })).send,
        bare,
        "ratio to bare POST",
      );
    }

    // Token check: the same tiny GET with and without our bearerAuth preHandler, on the real store.
    const { token } = await seed({ DATA_DIR: dir });
    const auth = await startChild(["bench/servers/baseline.ts", "auth"], { DATA_DIR: dir, ...RELAXED });
    try {
      const open = await get(`${auth.url}/open`);
      add("GET without auth", open, open, "baseline");
      add(
        "GET with bearer token check",
        await get(`${auth.url}/auth`, { authorization: `Bearer ${token}` }),
        open,
      );
    } finally {
      await auth.stop();
    }

    if (!httpOnly) json.listGrowth = await listGrowth({ quick, sqliteDir: dir, pgUrl: pgB.url, rows });
  } finally {
    await pgA.drop();
    await pgB.drop();
  }
  if (httpOnly) {
    printTable();
    return;
  }

  for (const [name, file] of [
    ["webhooks", "bench/webhooks.ts"],
    ["pipeline", "bench/pipeline.ts"],
    ["phones", "bench/phones.ts"],
  ] as const) {
    if (!existsSync(file)) {
      rows.push({ what: `${file}`, result: "n/a: not written yet", ratio: "", note: "" });
      continue;
    }
    console.log(`\n--- ${file} ---`);
    // Each section takes its own flags: pass --quick only to a script that knows it.
    const src = readFileSync(file, "utf8");
    const started = Date.now();
    const args =
      quick && name === "phones"
        ? ["--phones", "200", "--rounds", "50"]
        : quick && src.includes("quick")
          ? ["--quick"]
          : [];
    const r = spawnSync(process.execPath, ["--import", "tsx", file, ...args], {
      stdio: ["ignore", "pipe", "inherit"],
      encoding: "utf8",
      timeout: 15 * 60_000,
    });
    process.stdout.write(r.stdout ?? "");
    // A section's own results file counts only if it wrote one during this run.
    const fresh = existsSync(RESULTS) && statSync(RESULTS).mtimeMs > started;
    json[name] = {
      exitCode: r.status,
      output: (r.stdout ?? "").slice(-6000),
      results: fresh ? readResults() : undefined,
    };
  }

  printTable();
  mkdirSync("bench/results", { recursive: true });
  writeFileSync("bench/results/latest.json", `${JSON.stringify(json, null, 2)}\n`);
  console.log("\nwritten: bench/results/latest.json");
}

const RESULTS = "bench/results/latest.json";

function readResults(): unknown {
  try {
    return JSON.parse(readFileSync(RESULTS, "utf8"));
  } catch {
    return undefined;
  }
}

function printTable(): void {
  const m = json.machine as { nproc: number; memGiB: number; node: string };
  let rev = "no git";
  try {
    rev = execSync("git rev-parse --short HEAD", { stdio: ["ignore", "pipe", "ignore"] })
      .toString()
      .trim();
  } catch {
    // a copy outside a git checkout
  }
  console.log(
    `\nmyCRMSIM bench ${json.date} (${quick ? "quick" : "full"}), nproc ${m.nproc}, ${m.memGiB} GiB, node ${m.node}, ${rev}`,
  );
  console.log("| What | Result | Ratio to baseline | Note |\n|---|---|---|---|");
  for (const r of rows) console.log(`| ${r.what} | ${r.result} | ${r.ratio} | ${r.note} |`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
