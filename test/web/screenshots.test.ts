import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import type { Browser } from "playwright-core";
import { launchBrowser } from "../helpers/browser.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

// Screenshots for the README's Dashboard section (1280x800 keeps the PNGs small).
describe("dashboard screenshots in a real browser", () => {
  let s: TestServer;
  let browser: Browser;
  before(async () => {
    s = await startTestServer("sqlite");
    browser = await launchBrowser();
    mkdirSync("docs/screenshots", { recursive: true });
  });
  after(async () => {
    await browser.close();
    await s.close();
  });

  it("setup, then the locations and admin users pages, and a CSRF-less POST is refused", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(s.url);
    await page.getByLabel("Your name").fill("Grace Hopper");
    await page.getByLabel("Email").fill("grace@example.com");
    await page.getByLabel(/^Password/).fill("a very long password");
    await page.getByLabel(/First location/).fill("Harbor Clinic");
    await page.getByLabel(/First location/).press("Enter");
    await page.waitForURL(`${s.url}/`);
    await page.goto(`${s.url}/locations`);
    await page.getByLabel("Name", { exact: true }).fill("Uptown Clinic");
    await page.getByRole("button", { name: "Create location" }).click();
    await page.waitForURL(`${s.url}/locations`);
    assert.equal(await page.getByRole("cell", { name: "Uptown Clinic", exact: true }).isVisible(), true);
    await page.screenshot({ path: "docs/screenshots/locations.png" });
    await page.goto(`${s.url}/admin/users`);
    await page.screenshot({ path: "docs/screenshots/admin-users.png" });
    const status = await page.evaluate(async () => {
      const r = await fetch("/locations", { method: "POST", body: new URLSearchParams({ name: "Evil" }) });
      return r.status;
    });
    assert.equal(status, 403);
    await page.close();
  });
});
