import assert from "node:assert/strict";
import { connect } from "node:net";
import { after, before, describe, it } from "node:test";
import { loadConfig } from "../../src/config/index.js";
import { setupTenant } from "../helpers/phone.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { registerDevice } from "./device.js";

/**
 * L6: a request whose body trickles in is cut off after REQUEST_TIMEOUT_MS (408, socket closed),
 * while the phones' event streams, long answers to a request received at once, stay open.
 */
describe("L6 slow request bodies time out", () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer("sqlite", { REQUEST_TIMEOUT_MS: "1000" });
  });
  after(async () => s.close());

  it("L6 REQUEST_TIMEOUT_MS defaults to 60 s and is validated", () => {
    assert.equal(loadConfig({}).requestTimeoutMs, 60_000);
    assert.throws(() => loadConfig({ REQUEST_TIMEOUT_MS: "0" }), /REQUEST_TIMEOUT_MS/);
  });

  it("L6 a body trickled in one byte at a time is answered 408 and closed", async () => {
    const u = new URL(s.url);
    const started = Date.now();
    const { answer, closedAfterMs } = await new Promise<{ answer: string; closedAfterMs: number }>(
      (resolve, reject) => {
        let answer = "";
        const socket = connect(Number(u.port), u.hostname, () => {
          socket.write(
            "POST /oauth/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{",
          );
        });
        const trickle = setInterval(() => socket.write(" "), 200);
        const guard = setTimeout(() => {
          clearInterval(trickle);
          socket.destroy();
          reject(new Error("still open after 8 s"));
        }, 8000);
        socket.on("data", (d) => {
          answer += d.toString();
        });
        socket.on("error", () => undefined);
        socket.on("close", () => {
          clearInterval(trickle);
          clearTimeout(guard);
          resolve({ answer, closedAfterMs: Date.now() - started });
        });
      },
    );
    assert.match(answer, /^HTTP\/1\.1 408/);
    assert.ok(closedAfterMs >= 900 && closedAfterMs < 5000, String(closedAfterMs));
  });

  it("L6 a phone's event stream outlives the request timeout", async () => {
    const { ctx, locationId } = await setupTenant(s);
    const device = await registerDevice(s, ctx, locationId);
    const controller = new AbortController();
    const res = await fetch(`${s.url}/api/mobile/v1/events`, {
      headers: { authorization: `Bearer ${device.token}` },
      signal: controller.signal,
    });
    assert.equal(res.status, 200);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const first = await reader.read();
    assert.match(new TextDecoder().decode(first.value), /:connected/);
    // Three times the request timeout later the stream is still open: nothing ended it.
    const ended = await Promise.race([
      (async () => {
        for (;;) {
          const r = await reader.read();
          if (r.done) return true;
        }
      })().catch(() => true),
      new Promise<boolean>((r) => setTimeout(() => r(false), 3000)),
    ]);
    assert.equal(ended, false);
    controller.abort();
  });
});
