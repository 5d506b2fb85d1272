import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startTestServer, type TestServer } from "../helpers/server.js";

describe("operational endpoints", () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer("sqlite");
  });
  after(async () => {
    await s.close();
  });

  it("/healthz and /readyz answer ok with the database kind", async () => {
    const h = await fetch(`${s.url}/healthz`);
    assert.equal(h.status, 200);
    assert.deepEqual(await h.json(), { status: "ok" });
    const r = await fetch(`${s.url}/readyz`);
    assert.equal(r.status, 200);
    assert.deepEqual(await r.json(), { status: "ok", database: "sqlite" });
  });

  it("/metrics is Prometheus text with request durations", async () => {
    await fetch(`${s.url}/healthz`);
    const m = await fetch(`${s.url}/metrics`);
    assert.equal(m.status, 200);
    assert.match(m.headers.get("content-type") ?? "", /text\/plain/);
    const text = await m.text();
    assert.match(text, /mycrmsim_http_request_duration_seconds_bucket\{.*route="\/healthz"/);
    assert.match(text, /mycrmsim_process_cpu_seconds_total/);
  });

  it("every response carries a request id; a sane incoming one is echoed, a hostile one replaced", async () => {
    const a = await fetch(`${s.url}/healthz`);
    assert.match(a.headers.get("x-request-id") ?? "", /^req_[0-9a-z]{26}$/);
    const b = await fetch(`${s.url}/healthz`, { headers: { "x-request-id": "trace-123" } });
    assert.equal(b.headers.get("x-request-id"), "trace-123");
    const c = await fetch(`${s.url}/healthz`, { headers: { "x-request-id": "bad id\twith <stuff>" } });
    assert.match(c.headers.get("x-request-id") ?? "", /^req_/);
  });

  it("unknown API routes get the JSON error shape with the request id", async () => {
    const r = await fetch(`${s.url}/api/v1/does-not-exist`);
    assert.equal(r.status, 404);
    const body = (await r.json()) as { error: string; message: string; request_id: string };
    assert.equal(body.error, "not_found");
    assert.equal(body.request_id, r.headers.get("x-request-id"));
  });

  it("readyz answers 503 when the database is gone", async () => {
    const t = await startTestServer("sqlite");
    await t.server.deps.store.close();
    const r = await fetch(`${t.url}/readyz`);
    assert.equal(r.status, 503);
    assert.equal(r.headers.get("retry-after"), "5");
    await t.server.app?.close();
    await t.db.cleanup();
  });
});
