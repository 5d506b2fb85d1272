import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import type { Browser } from "playwright-core";
import { SimulatedPhone } from "../../src/devices/simulator/phone.js";
import { launchBrowser } from "../helpers/browser.js";
import { waitFor } from "../helpers/phone.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { forEachDialect } from "../helpers/store.js";
import { Receiver } from "../webhooks/receiver.js";

const REDIRECT = "http://127.0.0.1:9/cb";
const PASSWORD = "a very long password";

/**
 * The whole dashboard in a real browser (Debian chromium): first-run setup, sign-in, a location,
 * pairing a simulated phone with the code read off the page, sending an SMS from the messages page
 * until it is delivered, an OAuth app created by the admin, connected through the consent page and
 * disconnected again (its token then answers 401), and a CSRF-less POST refused. The README's
 * screenshots are taken by test/web/a11y.test.ts, which visits every page at 1280 and 390 px.
 */
forEachDialect("dashboard walkthrough in a real browser", (dialect) => {
  let s: TestServer;
  let browser: Browser;
  const phones: SimulatedPhone[] = [];
  before(async () => {
    s = await startTestServer(dialect);
    browser = await launchBrowser();
  });
  after(async () => {
    for (const p of phones) await p.stop();
    await browser?.close(); // undefined when the before hook failed: the server must still close
    await s?.close();
  });

  it("setup → sign in → location → pair a phone → send an SMS → OAuth app connect and disconnect", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    // First run: the empty installation offers setup.
    await page.goto(s.url);
    assert.match(page.url(), /\/setup$/);
    await page.getByLabel("Your name").fill("Grace Hopper");
    await page.getByLabel("Email").fill("grace@example.com");
    await page.getByLabel(/^Password/).fill(PASSWORD);
    await page.getByLabel(/First location/).fill("Harbor Clinic");
    await page.getByLabel(/First location/).press("Enter");
    await page.waitForURL(`${s.url}/`);
    // Sign out and in again.
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL(/\/signin/);
    await page.getByLabel("Email").fill("grace@example.com");
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByLabel("Password").press("Enter");
    await page.waitForURL(`${s.url}/`);
    assert.equal(await page.getByRole("heading", { name: "Overview" }).isVisible(), true);

    // A second location.
    await page.getByRole("link", { name: "Locations", exact: true }).click();
    await page.locator('form[action="/locations"]').getByLabel("Name", { exact: true }).fill("Uptown Clinic");
    await page.getByRole("button", { name: "Create location" }).click();
    await page.waitForURL(/\/locations\?done=created$/);
    assert.equal(await page.getByRole("cell", { name: "Uptown Clinic", exact: true }).isVisible(), true);

    // Pair a phone: read the one-time code off the page and register a simulated phone with it.
    await page.locator("tr", { hasText: "Uptown Clinic" }).getByRole("link", { name: "Phones" }).click();
    await page.waitForURL(/\/locations\/loc_[0-9a-z]+\/phones$/);
    const locationPath = new URL(page.url()).pathname.replace(/\/phones$/, "");
    await page.getByRole("button", { name: "Pair a phone" }).click();
    assert.equal(await page.getByRole("img", { name: "QR code of the pairing token" }).isVisible(), true);
    assert.equal(await page.getByTestId("server-url").textContent(), `${s.url}/api/mobile/v1`);
    const code = (await page.getByTestId("pairing-code").textContent()) ?? "";
    assert.match(code, /^\d{8}$/);
    const phone = new SimulatedPhone({
      server: s.url,
      name: "Reception Pixel 7",
      simCards: [{ slotIndex: 0, simNumber: 1, phoneNumber: "+14155550123" }],
      sendDelayMs: 30,
      deliverDelayMs: 30,
    });
    phones.push(phone);
    await phone.register({ code });
    await phone.start();
    // The page updates itself (assets/app.js): the phone shows up online without a reload.
    await page.getByRole("heading", { name: /Reception Pixel 7\s+online/ }).waitFor({ timeout: 10_000 });
    await page.getByRole("link", { name: "I've entered it: show my phones" }).click();
    assert.equal(await page.getByRole("heading", { name: /Reception Pixel 7\s+online/ }).isVisible(), true);
    assert.equal(await page.getByTestId("online-count").textContent(), "1 / 1");

    // Send an SMS from the messages page and watch it turn delivered.
    await page
      .getByRole("navigation", { name: "Location sections" })
      .getByRole("link", { name: "Messages" })
      .click();
    await page.waitForURL(`${s.url}${locationPath}/messages`);
    await page.getByLabel(/^To/).fill("+14155552671");
    await page
      .getByLabel("Message", { exact: true })
      .fill("Hi Sam, your cleaning is tomorrow at 10:00. Reply YES to confirm.");
    await page.getByRole("button", { name: "Send", exact: true }).click();
    await page.waitForURL(/\/messages\?done=sent&sent=msg_/);
    assert.equal(
      await page
        .getByRole("status")
        .filter({ hasText: /Message msg_[0-9a-z]+ queued/ })
        .isVisible(),
      true,
    );
    // Its status follows live (no reload): queued → … → delivered.
    const row = page.locator("tr", { hasText: "Reply YES to confirm" });
    await row.getByText("delivered").waitFor({ timeout: 10_000 });
    assert.equal(await row.getByText("delivered").isVisible(), true);
    assert.equal(await phone.receive("+14155552671", "YES"), 200);
    await page.goto(`${s.url}${locationPath}/messages`);
    assert.equal(
      await page.locator("tr", { hasText: "← in" }).getByText("YES", { exact: true }).isVisible(),
      true,
    );
    await row.getByRole("link").click();
    assert.deepEqual(await page.locator("table tbody tr td:nth-child(2)").allTextContents(), [
      "queued",
      "dispatched",
      "sent",
      "delivered",
    ]);

    // The admin creates an OAuth app; its secret is shown once.
    await page.getByRole("link", { name: "Admin" }).click();
    await page.getByRole("link", { name: "OAuth apps" }).click();
    await page.getByLabel(/^Name/).fill("Make.com");
    await page.getByLabel(/^Redirect URIs/).fill(REDIRECT);
    await page.getByRole("button", { name: "Create app" }).click();
    const clientId = (await page.getByTestId("client-id").textContent()) ?? "";
    const clientSecret = (await page.getByTestId("client-secret").textContent()) ?? "";
    assert.match(clientSecret, /^mcs_cs_/);

    // Connect it through the consent page, as Make would.
    let callback = "";
    await page.route("http://127.0.0.1:9/**", async (route) => {
      callback = route.request().url();
      await route.fulfill({ status: 200, body: "connected" });
    });
    const authorize = new URL("/oauth/authorize", s.url);
    authorize.search = new URLSearchParams({
      client_id: clientId,
      redirect_uri: REDIRECT,
      response_type: "code",
      state: "st-123",
      scope: "locations:read messages:send messages:read webhooks:write",
    }).toString();
    await page.goto(authorize.toString());
    assert.match((await page.textContent("h1")) ?? "", /Make\.com/);
    // Nothing is pre-ticked when the user has several locations (L4): choose one.
    await page.getByLabel("Uptown Clinic").check();
    await page.getByRole("button", { name: "Allow" }).click();
    await waitFor(() => callback, 5000, "the redirect back to the app");
    const codeParam = new URL(callback).searchParams.get("code") ?? "";
    const token = await fetch(`${s.url}/oauth/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "authorization_code",
        code: codeParam,
        redirect_uri: REDIRECT,
        client_id: clientId,
        client_secret: clientSecret,
      }),
    });
    assert.equal(token.status, 200);
    const access = ((await token.json()) as { access_token: string }).access_token;
    const me = async () =>
      (await fetch(`${s.url}/api/v1/me`, { headers: { authorization: `Bearer ${access}` } })).status;
    assert.equal(await me(), 200);

    // The app subscribes to inbound SMS; one arrives; the location's Webhooks tab shows the delivery.
    const receiver = await new Receiver().start();
    try {
      const sub = await fetch(`${s.url}/api/v1/webhooks/subscribe`, {
        method: "POST",
        headers: { authorization: `Bearer ${access}`, "content-type": "application/json" },
        body: JSON.stringify({
          targetUrl: `${receiver.url}/make/hook`,
          event: "new_message",
          locationId: locationPath.split("/").pop(),
        }),
      });
      assert.equal(sub.status, 200);
      assert.equal(await phone.receive("+14155552671", "Running 5 minutes late, sorry!"), 200);
      await receiver.waitFor(1);
      await page.goto(`${s.url}${locationPath}/webhooks`);
      const hook = page.locator("[data-webhook]", { hasText: "/make/hook" });
      // The webhook outcome ("succeeded"; the page refreshes itself every 10 s).
      await hook.getByText("succeeded", { exact: true }).waitFor({ timeout: 25_000 });
      assert.equal(await hook.getByText("By Make.com").isVisible(), true);
    } finally {
      await receiver.close();
    }

    // The connected app, then Disconnect: its token stops working.
    await page.goto(`${s.url}/integrations`);
    const app = page.locator("tr", { hasText: "Make.com" });
    assert.equal(await app.getByText("Uptown Clinic").isVisible(), true);
    assert.equal(await app.getByText("Harbor Clinic").count(), 0);
    await app.getByRole("button", { name: "Disconnect Make.com" }).click();
    // A destructive action asks first (a page of its own, so it works without JavaScript).
    await page.getByTestId("confirm-step").getByRole("button", { name: "Disconnect" }).click();
    await page.waitForURL(/done=disconnected/);
    assert.equal(await page.getByText("App disconnected").isVisible(), true);
    assert.equal(await me(), 401);
    // Its subscription stays listed but no longer receives anything.
    await page.goto(`${s.url}${locationPath}/webhooks`);
    assert.equal(await page.getByText("paused: app disconnected").isVisible(), true);

    // Overview.
    await page.goto(`${s.url}/`);
    const uptown = page.locator("section", { hasText: "Uptown Clinic" });
    assert.equal(await uptown.locator('[data-stat="online"] .stat').textContent(), "1 / 1");
    assert.equal(await uptown.locator('[data-stat="sent"] .stat').textContent(), "1");
    assert.equal(await uptown.locator('[data-stat="received"] .stat').textContent(), "2");

    // A form POST without the CSRF token is refused, even from our own origin.
    const status = await page.evaluate(async () => {
      const r = await fetch("/locations", { method: "POST", body: new URLSearchParams({ name: "Evil" }) });
      return r.status;
    });
    assert.equal(status, 403);
    await page.close();
  });
});
