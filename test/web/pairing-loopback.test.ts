import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, it } from "node:test";
import type { Browser } from "playwright-core";
import { lanAddresses, urlFor } from "../../src/devices/reachability.js";
import { launchBrowser } from "../helpers/browser.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { forEachDialect } from "../helpers/store.js";

/**
 * The pairing page of a server whose phone URL is loopback (the defaults: http://127.0.0.1:PORT), in a
 * real browser with JavaScript off: it must say plainly that no phone can reach it and list this
 * machine's LAN addresses with the exact settings. On SQLite it saves docs/screenshots/pairing-loopback.png
 * with UPDATE_SCREENSHOTS=1 (docs/phone-setup.md shows it), else a temporary copy.
 */
const SHOTS =
  process.env.UPDATE_SCREENSHOTS === "1" ? "docs/screenshots" : join(tmpdir(), "mycrmsim-screenshots");
const PASSWORD = "a very long password";

forEachDialect("pairing page warns about a loopback phone URL in a real browser", (dialect) => {
  let s: TestServer;
  let browser: Browser;
  before(async () => {
    s = await startTestServer(dialect);
    browser = await launchBrowser();
    mkdirSync(SHOTS, { recursive: true });
  });
  after(async () => {
    await browser?.close(); // undefined when the before hook failed: the server must still close
    await s?.close();
  });

  it("Pair a phone → a warning naming the loopback URL and, per LAN address, what to set", async () => {
    const context = await browser.newContext({
      viewport: { width: 1280, height: 800 },
      javaScriptEnabled: false,
    });
    const page = await context.newPage();
    await page.goto(s.url);
    assert.match(page.url(), /\/setup$/);
    await page.getByLabel("Your name").fill("Grace Hopper");
    await page.getByLabel("Email").fill("grace@example.com");
    await page.getByLabel(/^Password/).fill(PASSWORD);
    await page.getByLabel(/First location/).fill("Harbor Clinic");
    await page.getByLabel(/First location/).press("Enter");
    await page.waitForURL(`${s.url}/`);
    await page.getByRole("link", { name: "Locations", exact: true }).click();
    await page.locator("tr", { hasText: "Harbor Clinic" }).getByRole("link", { name: "Phones" }).click();
    await page.waitForURL(/\/locations\/loc_[0-9a-z]+\/phones$/);
    await page.getByRole("button", { name: "Pair a phone" }).click();

    const port = new URL(s.url).port;
    const apiUrl = `http://127.0.0.1:${port}/api/mobile/v1`;
    assert.equal(await page.getByTestId("server-url").textContent(), apiUrl);
    const alert = page.getByRole("alert");
    assert.equal(await alert.isVisible(), true);
    const said = ((await alert.textContent()) ?? "").replace(/\s+/g, " ");
    assert.match(said, /Warning: a phone cannot reach this API URL/);
    assert.ok(said.includes(`${apiUrl} points at this computer itself (loopback)`), said);
    assert.match(said, /need https|refuse plain http/);
    const lan = lanAddresses();
    if (lan.length === 0) {
      assert.match(said, /No network address was found on this machine/);
    } else {
      const items = (await page.getByTestId("lan-addresses").getByRole("listitem").allTextContents()).map(
        (t) => t.replace(/\s+/g, " "),
      );
      assert.deepEqual(
        items,
        lan.map(
          (a) =>
            `${a.address} (${a.iface}): set PUBLIC_URL=${urlFor(a, Number(port))} and HOST=${
              a.family === "IPv6" ? "::" : "0.0.0.0"
            }, then restart myCRMSIM.`,
        ),
      );
    }
    // The rest of the panel is still there: minimum version, the code up front, the QR code.
    assert.equal(await page.getByTestId("min-app-version").textContent(), "1.53.0 or newer");
    assert.match((await page.getByTestId("pairing-code").textContent()) ?? "", /^\d{8}$/);
    assert.equal(await page.getByRole("img", { name: "QR code of the pairing token" }).isVisible(), true);
    if (dialect === "sqlite")
      await page.locator("#pairing").screenshot({ path: join(SHOTS, "pairing-loopback.png") });
    await context.close();
  });
});
