import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, it } from "node:test";
import { removeDevice } from "../../src/devices/index.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { forEachDialect } from "../helpers/store.js";
import { mobile, pairingFor, setupTenant } from "../helpers/phone.js";
import type { Ctx } from "../../src/context.js";

const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

forEachDialect("SMSGate registration and device record", (dialect) => {
  let server: TestServer;
  let ctx: Ctx;
  let locationId: string;
  before(async () => {
    server = await startTestServer(dialect);
    ({ ctx, locationId } = await setupTenant(server));
  });
  after(async () => server.close());

  const sims = [{ slotIndex: 0, simNumber: 1, phoneNumber: "****1234", carrierName: "Carrier" }];

  it("registers with a Bearer pairing token once; the token is refused the second time", async () => {
    const p = await pairingFor(ctx, locationId);
    const r = await mobile(server, "POST", "/device", {
      auth: `Bearer ${p.token}`,
      body: { name: "Pixel", pushToken: null, simCards: sims },
    });
    assert.equal(r.status, 201);
    const body = r.body as Record<string, string>;
    assert.match(body.id ?? "", /^dev_/);
    assert.ok((body.token ?? "").length >= 21);
    assert.equal(body.login, locationId);
    assert.equal("password" in body, false);
    const again = await mobile(server, "POST", "/device", {
      auth: `Bearer ${p.token}`,
      body: { name: "Other" },
    });
    assert.equal(again.status, 401);
    assert.equal(typeof (again.body as { message: string }).message, "string");
  });

  it("registers with a one-time Code, also only once", async () => {
    const p = await pairingFor(ctx, locationId);
    const r = await mobile(server, "POST", "/device", { auth: `Code ${p.code}`, body: { name: "Galaxy" } });
    assert.equal(r.status, 201);
    const again = await mobile(server, "POST", "/device", {
      auth: `Code ${p.code}`,
      body: { name: "Galaxy" },
    });
    assert.equal(again.status, 401);
    // Using the code also spent the token of the same pairing.
    const token = await mobile(server, "POST", "/device", { auth: `Bearer ${p.token}`, body: {} });
    assert.equal(token.status, 401);
  });

  it("refuses missing, Basic, unknown and expired credentials", async () => {
    assert.equal((await mobile(server, "POST", "/device", { body: { name: "x" } })).status, 401);
    assert.equal((await mobile(server, "POST", "/device", { auth: "Basic dTpw", body: {} })).status, 401);
    assert.equal((await mobile(server, "POST", "/device", { auth: "Bearer nope", body: {} })).status, 401);
    const p = await pairingFor(ctx, locationId, 1);
    await new Promise((r) => setTimeout(r, 10));
    assert.equal(
      (await mobile(server, "POST", "/device", { auth: `Bearer ${p.token}`, body: {} })).status,
      401,
    );
  });

  it("rejects a malformed body with 400 naming the field", async () => {
    const p = await pairingFor(ctx, locationId);
    const r = await mobile(server, "POST", "/device", {
      auth: `Bearer ${p.token}`,
      body: { name: "x", simCards: [{ simNumber: "one" }] },
    });
    assert.equal(r.status, 400);
    assert.match((r.body as { message: string }).message, /simCards/);
  });

  it("stores device tokens and pairing secrets only as hashes", async () => {
    const p = await pairingFor(ctx, locationId);
    const r = await mobile(server, "POST", "/device", { auth: `Bearer ${p.token}`, body: { name: "Hash" } });
    const { id, token } = r.body as { id: string; token: string };
    const row = await server.db.store.db
      .selectFrom("devices")
      .selectAll()
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    assert.equal(row.token_hash, sha256(token));
    assert.ok(!JSON.stringify(row).includes(token));
    const pairings = await server.db.store.db.selectFrom("device_pairings").selectAll().execute();
    assert.ok(!JSON.stringify(pairings).includes(p.token));
    assert.ok(!JSON.stringify(pairings).includes(`"${p.code}"`));
  });

  it("GET /device answers with and without a token; PATCH /device only for the caller's id", async () => {
    const p = await pairingFor(ctx, locationId);
    const { id, token } = (
      await mobile(server, "POST", "/device", { auth: `Bearer ${p.token}`, body: { name: "A" } })
    ).body as { id: string; token: string };
    const withToken = await mobile(server, "GET", "/device", { auth: `Bearer ${token}` });
    assert.equal(withToken.status, 200);
    assert.equal((withToken.body as { device: { id: string } }).device.id, id);
    assert.equal(typeof (withToken.body as { externalIp: string }).externalIp, "string");
    const anon = await mobile(server, "GET", "/device");
    assert.equal(anon.status, 200);
    assert.equal((anon.body as { device?: unknown }).device, undefined);

    const ok = await mobile(server, "PATCH", "/device", {
      auth: `Bearer ${token}`,
      body: { id, pushToken: "", simCards: [...sims, { slotIndex: 1, simNumber: 2 }] },
    });
    assert.equal(ok.status, 204);
    const row = await server.db.store.db
      .selectFrom("devices")
      .select("sim_cards")
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    assert.equal(JSON.parse(row.sim_cards).length, 2);
    const other = await mobile(server, "PATCH", "/device", {
      auth: `Bearer ${token}`,
      body: { id: "dev_other", pushToken: "" },
    });
    assert.equal(other.status, 403);
    const noAuth = await mobile(server, "PATCH", "/device", {
      auth: "Bearer wrong",
      body: { id, pushToken: "" },
    });
    assert.equal(noAuth.status, 401, "a 401 is what makes the app re-register");
  });

  it("re-registers with the private token from /settings (same device, new token); a removed phone cannot", async () => {
    const p = await pairingFor(ctx, locationId);
    const first = (
      await mobile(server, "POST", "/device", { auth: `Bearer ${p.token}`, body: { name: "R" } })
    ).body as {
      id: string;
      token: string;
    };
    const settings = (await mobile(server, "GET", "/settings", { auth: `Bearer ${first.token}` })).body as {
      gateway: { private_token: string };
    };
    const again = await mobile(server, "POST", "/device", {
      auth: `Bearer ${settings.gateway.private_token}`,
      body: { name: "R" },
    });
    assert.equal(again.status, 201);
    const second = again.body as { id: string; token: string };
    assert.equal(second.id, first.id);
    assert.notEqual(second.token, first.token);
    assert.equal((await mobile(server, "GET", "/settings", { auth: `Bearer ${first.token}` })).status, 401);
    assert.equal((await mobile(server, "GET", "/settings", { auth: `Bearer ${second.token}` })).status, 200);
    // A forged re-registration token (right shape, wrong MAC) is refused.
    const forged = settings.gateway.private_token.replace(/.$/, (c) => (c === "0" ? "1" : "0"));
    assert.equal(
      (await mobile(server, "POST", "/device", { auth: `Bearer ${forged}`, body: {} })).status,
      401,
    );

    await removeDevice({ ctx, input: { deviceId: first.id } });
    assert.equal((await mobile(server, "GET", "/settings", { auth: `Bearer ${second.token}` })).status, 401);
    const back = await mobile(server, "POST", "/device", {
      auth: `Bearer ${settings.gateway.private_token}`,
      body: {},
    });
    assert.equal(back.status, 401);
  });
});
