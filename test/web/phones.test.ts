import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import type { PhoneHealth } from "../../src/devices/health.js";
import { SimulatedPhone } from "../../src/devices/simulator/phone.js";
import { devices as deviceRepos } from "../../src/store/repos/index.js";
import { ctxFor, makeLocation, makeUser } from "../helpers/factories.js";
import { pairPhone, waitFor } from "../helpers/phone.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { forEachDialect } from "../helpers/store.js";
import { FormClient, setupAdmin } from "../helpers/web.js";

forEachDialect("phones page", (dialect) => {
  let s: TestServer;
  let c: FormClient;
  let locationId: string;
  let foreign: { locationId: string; phone: SimulatedPhone };
  const phones: SimulatedPhone[] = [];
  before(async () => {
    s = await startTestServer(dialect);
    c = await setupAdmin(s.url);
    const text = await (await c.get("/locations")).text();
    locationId = /href="\/locations\/([^/]+)\/phones"/.exec(text)?.[1] ?? "";
    const ctx = ctxFor(s.db.store);
    const stranger = await makeUser(ctx);
    const loc = await makeLocation(ctx, stranger.id, { name: "Elsewhere" });
    const phone = await pairPhone(s, ctx, loc.id, { name: "Stranger phone" });
    phones.push(phone);
    foreign = { locationId: loc.id, phone };
  });
  after(async () => {
    for (const p of phones) await p.stop();
    await s.close();
  });

  it("signed out → sign-in; other tenant's location and phone → 404/refused; CSRF-less POST → 403", async () => {
    const r = await new FormClient(s.url).get(`/locations/${locationId}/phones`);
    assert.equal(r.status, 303);
    assert.match(r.headers.get("location") ?? "", /^\/signin\?next=/);
    assert.equal((await c.get(`/locations/${foreign.locationId}/phones`)).status, 404);
    const csrf = await c.csrf(`/locations/${locationId}/phones`);
    assert.equal((await c.post(`/locations/${foreign.locationId}/phones/pair`, { _csrf: csrf })).status, 404);
    assert.equal((await c.post(`/locations/${locationId}/phones/pair`, {})).status, 403);
    // Another tenant's phone cannot be removed through my location.
    const steal = await c.post(`/locations/${locationId}/phones/${foreign.phone.deviceId}/remove`, {
      _csrf: csrf,
    });
    assert.equal(steal.status, 400);
    assert.match(await steal.text(), /No device/);
    const chooser = await c.get("/phones");
    assert.equal(chooser.status, 303);
    assert.equal(chooser.headers.get("location"), `/locations/${locationId}/phones`);
  });

  it("pairs a phone with the QR code and the code from the page; it shows online with its SIMs", async () => {
    const csrf = await c.csrf(`/locations/${locationId}/phones`);
    const r = await c.post(`/locations/${locationId}/phones/pair`, { _csrf: csrf });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get("cache-control"), "no-store");
    const text = await r.text();
    assert.match(text, /<svg role="img" aria-label="QR code of the pairing token"/);
    // Strict CSP holds: no inline script or style (the QR code is plain SVG), the page cannot be framed.
    assert.doesNotMatch(text, /style=|<script>|<script(?![^>]*src="\/assets\/app\.js")/);
    assert.equal(r.headers.get("x-frame-options"), "DENY");
    assert.match(text, new RegExp(`data-testid="server-url">${s.url}/api/mobile/v1<`));
    assert.match(text, /SSE only/);
    assert.match(text, /data-testid="min-app-version">1\.53\.0 or newer</);
    assert.match(text, /Sign in by code/);
    // The test server's URL is loopback: the page says plainly that no phone can use it.
    assert.match(
      text,
      /role="alert" data-testid="unreachable">\s*<h3>Warning: a phone cannot reach this API URL/,
    );
    const code = /data-testid="pairing-code">(\d{8})</.exec(text)?.[1] ?? "";
    assert.ok(code, "eight-digit code on the page");
    const phone = new SimulatedPhone({
      server: s.url,
      name: "Front desk Pixel",
      simCards: [{ slotIndex: 0, simNumber: 1, phoneNumber: "+15550001111" }],
    });
    phones.push(phone);
    await phone.register({ code });
    await phone.start();
    const list = await (await c.get(`/locations/${locationId}/phones`)).text();
    assert.match(list, /Front desk Pixel\s*<span class="badge ok">online<\/span>/);
    assert.match(list, /SIM 1 · <span class="mono">\+15550001111<\/span>/);
    assert.match(list, /data-testid="online-count">1 \/ 1</);
    assert.doesNotMatch(list, /Stranger phone/);
    // The code was single use.
    await assert.rejects(
      new SimulatedPhone({ server: s.url }).register({ code }),
      /registration refused: 401/,
    );
    // Stopped here, while it has nothing in flight: the next test changes its settings, which would
    // make a running simulator fetch them again just as the suite ends.
    await phone.stop();
  });

  it("edits pacing (bad input shown in the form) and unpairs the phone", async () => {
    const phone = phones[1] as SimulatedPhone;
    const csrf = await c.csrf(`/locations/${locationId}/phones`);
    const bad = await c.post(`/locations/${locationId}/phones/${phone.deviceId}/pacing`, {
      _csrf: csrf,
      perMinute: "abc",
      perHour: "",
      perDay: "500",
      sendIntervalMin: "",
      sendIntervalMax: "",
    });
    assert.equal(bad.status, 400);
    const badText = await bad.text();
    assert.match(badText, /role="alert">perMinute: must be a whole number/);
    assert.match(badText, /name="perMinute" type="number" min="1" step="1" inputmode="numeric" value="abc"/);
    const ok = await c.post(`/locations/${locationId}/phones/${phone.deviceId}/pacing`, {
      _csrf: csrf,
      perMinute: "5",
      perHour: "",
      perDay: "500",
      sendIntervalMin: "2",
      sendIntervalMax: "10",
    });
    assert.equal(ok.status, 303);
    const saved = await (await c.get(ok.headers.get("location") ?? "")).text();
    assert.match(saved, /Pacing saved/);
    assert.match(saved, /name="perMinute" type="number" min="1" step="1" inputmode="numeric" value="5"/);
    assert.match(saved, /name="perDay" type="number" min="1" step="1" inputmode="numeric" value="500"/);
    // The phone hears of it through its settings.
    await waitFor(
      async () => {
        const r = await fetch(`${s.url}/api/mobile/v1/settings`, {
          headers: { authorization: `Bearer ${phone.deviceToken}` },
        });
        const j = (await r.json()) as { messages?: { limit_value?: number } };
        return j.messages?.limit_value === 5;
      },
      5000,
      "pacing in the phone's settings",
    );
    // Unpair asks first (works without JavaScript); only the confirmed POST acts.
    const ask = await c.post(`/locations/${locationId}/phones/${phone.deviceId}/remove`, { _csrf: csrf });
    assert.equal(ask.status, 200);
    assert.match(await ask.text(), /Unpair Front desk Pixel\?/);
    const still = await fetch(`${s.url}/api/mobile/v1/settings`, {
      headers: { authorization: `Bearer ${phone.deviceToken}` },
    });
    assert.equal(still.status, 200);
    const rm = await c.post(`/locations/${locationId}/phones/${phone.deviceId}/remove`, {
      _csrf: csrf,
      confirm: "1",
    });
    assert.equal(rm.status, 303);
    const after = await (await c.get(rm.headers.get("location") ?? "")).text();
    assert.match(after, /Phone removed/);
    assert.doesNotMatch(after, /Front desk Pixel/);
    const gone = await fetch(`${s.url}/api/mobile/v1/settings`, {
      headers: { authorization: `Bearer ${phone.deviceToken}` },
    });
    assert.equal(gone.status, 401);
  });

  it("shows each phone's health, and flags push-only, outdated and low-battery phones in words", async () => {
    const ctx = ctxFor(s.db.store);
    const now = Date.now();
    const health = (h: Partial<PhoneHealth>): string =>
      JSON.stringify({
        status: "pass",
        batteryLevel: 85,
        charging: true,
        internet: true,
        transport: ["wifi"],
        failedLastHour: 0,
        version: "1.68.0",
        ...h,
      } satisfies PhoneHealth);
    const troubled = await pairPhone(s, ctx, locationId, { name: "Back office Moto" });
    const fine = await pairPhone(s, ctx, locationId, { name: "Counter Samsung" });
    const fresh = await pairPhone(s, ctx, locationId, { name: "Brand new Nokia" });
    // The troubled phone reports through the app's own signed `system:ping` webhook (its shape as the
    // app sends it); the push token comes from an "Auto" channel registration.
    await troubled.refreshConfig();
    const ping = await troubled.webhook("system:ping", {
      health: {
        status: "warn",
        version: "1.52.1",
        checks: {
          "battery:level": { status: "warn", observedValue: 12, observedUnit: "percent" },
          "battery:charging": { status: "pass", observedValue: 0, observedUnit: "flags" },
          "connection:status": { status: "fail", observedValue: 0, observedUnit: "boolean" },
          "connection:transport": { status: "pass", observedValue: 2, observedUnit: "flags" },
          "messages:failed": { status: "warn", observedValue: 3, observedUnit: "messages" },
        },
      },
    });
    assert.equal(ping, 200);
    await deviceRepos.devices.update(ctx.db, troubled.deviceId, { push_token: "fcm-token-from-auto-mode" });
    await deviceRepos.devices.update(ctx.db, fine.deviceId, {
      app_version: "1.68.0",
      health: health({ transport: ["wifi", "cellular"] }),
      health_at: now,
    });
    const text = await (await c.get(`/locations/${locationId}/phones`)).text();
    const card = (id: string) => {
      const start = text.indexOf(`data-device="${id}"`);
      assert.ok(start > 0, `card of ${id}`);
      const end = text.indexOf('class="card phone"', start);
      return text.slice(start, end > 0 ? end : undefined);
    };
    const bad = card(troubled.deviceId);
    assert.match(
      bad,
      /data-testid="push-only"><strong>Notification channel:<\/strong> set it to SSE only in the app\s+\(Settings → Cloud server\), then restart the app\./,
    );
    assert.match(
      bad,
      /data-testid="app-outdated">.*SMSGate 1\.52\.1 needs\s+updating; myCRMSIM needs SMSGate 1\.53\.0 or newer/s,
    );
    assert.match(bad, /data-testid="battery-low"><strong>Battery low:<\/strong> 12 % and not\s+charging/);
    assert.match(bad, /data-testid="battery">12 %, not charging <span class="badge bad">low<\/span></);
    assert.match(
      bad,
      /data-testid="connection"><span class="badge bad">no internet<\/span> via mobile data</,
    );
    assert.match(bad, /data-testid="failed-last-hour">3</);
    assert.match(bad, /data-testid="app-version">SMSGate 1\.52\.1 <span class="badge bad">outdated<\/span></);
    assert.match(bad, /data-testid="health-at"><span class="badge warn">warning<\/span> <time datetime="/);
    const good = card(fine.deviceId);
    assert.doesNotMatch(good, /Warning|push-only|app-outdated|battery-low|badge bad/);
    assert.match(good, /data-testid="battery">85 %, charging</);
    assert.match(good, /data-testid="connection">internet via Wi-Fi, mobile data</);
    assert.match(good, /data-testid="failed-last-hour">0</);
    assert.match(good, /data-testid="app-version">SMSGate 1\.68\.0</);
    assert.match(good, /data-testid="health-at"><span class="badge ok">OK<\/span> <time datetime="/);
    const unknown = card(fresh.deviceId);
    assert.match(unknown, /data-testid="app-version"><span class="muted">not reported yet</);
    assert.match(unknown, /no report yet/);
    assert.doesNotMatch(unknown, /Warning/);
    // Still no inline styles or scripts with the new parts.
    assert.doesNotMatch(text, /style=|<script>|<script(?![^>]*src="\/assets\/app\.js")/);
  });
});
