import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Browser } from "playwright-core";
import { launchBrowser } from "../helpers/browser.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

describe("first run in a real browser", () => {
  let s: TestServer;
  let browser: Browser;
  before(async () => {
    s = await startTestServer("sqlite");
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close(); // undefined when the before hook failed: the server must still close
    await s?.close();
  });

  it("a new user opens /, is sent to setup, creates the admin with the keyboard, lands signed in", async () => {
    const page = await browser.newPage();
    await page.goto(s.url);
    assert.match(page.url(), /\/setup$/);
    await page.getByLabel("Your name").fill("Grace Hopper");
    await page.getByLabel("Email").fill("grace@example.com");
    await page.getByLabel(/^Password/).fill("a very long password");
    await page.getByLabel(/First location/).fill("Harbor Clinic");
    await page.getByLabel(/First location/).press("Enter");
    await page.waitForURL(`${s.url}/`);
    assert.equal(await page.getByRole("heading", { name: "Overview" }).isVisible(), true);
    assert.equal(await page.getByText("Harbor Clinic").isVisible(), true);
    await page.close();
  });
});
