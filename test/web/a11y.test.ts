import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { SimulatedPhone } from "../../src/devices/simulator/phone.js";
import { launchBrowser } from "../helpers/browser.js";
import { ctxFor } from "../helpers/factories.js";
import { pairPhone, waitFor } from "../helpers/phone.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { Receiver } from "../webhooks/receiver.js";

/**
 * The accessibility walk (issue acceptance criteria): a real chromium visits every dashboard page in
 * the states a real installation has (a second user, two locations, a phone online and one stopped with
 * an SMS waiting, delivered, inbound and queued messages, an OAuth app with a rotated secret, a connected
 * integration, webhooks whose endpoint fails), at 1280 and 390 px. On each: no sideways page scroll at
 * 390 and 320 px (WCAG 1.4.10; tables scroll in their own box), and axe-core finds no WCAG 2.0/2.1 A/AA or
 * 2.2 AA violation (including target-size). Then the live refresh: focus and open details survive it.
 *
 * Screenshots of every page at both widths go to docs/screenshots with UPDATE_SCREENSHOTS=1 (what the
 * README shows), else to a temporary folder, so a test run leaves the working tree as it was.
 */
const UPDATE = process.env.UPDATE_SCREENSHOTS === "1";
const SHOTS = UPDATE ? "docs/screenshots" : join(tmpdir(), "mycrmsim-a11y-screenshots");
const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];
const PASSWORD = "a very long password";
const REDIRECT = "http://127.0.0.1:9/cb";

type Violation = { id: string; impact: string | null; help: string; nodes: string[] };

// Code run in the page is kept as text: this project's TypeScript has no DOM types.
const RUN_AXE = `axe.run(document, ${JSON.stringify({
  runOnly: { type: "tag", values: TAGS },
  rules: { "target-size": { enabled: true } },
  resultTypes: ["violations"],
})}).then((r) => r.violations.map((v) => ({
  id: v.id,
  impact: v.impact,
  help: v.help,
  nodes: v.nodes.map((n) => n.target.join(" ") + " :: " + (n.failureSummary || "").replace(/\\s+/g, " ")),
})))`;

async function axeViolations(page: Page): Promise<Violation[]> {
  if (!(await page.evaluate(`"axe" in window`))) await page.evaluate(AXE);
  return (await page.evaluate(RUN_AXE)) as Violation[];
}

/** The page's width beyond the viewport, and the elements sticking out (outside any scroll box). */
const OVERFLOW = `(() => {
  const d = document.documentElement;
  if (d.scrollWidth <= d.clientWidth) return null;
  const inScrollBox = (el) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      if (["auto", "scroll", "hidden"].includes(getComputedStyle(p).overflowX)) return true;
    }
    return false;
  };
  const out = [];
  for (const el of document.querySelectorAll("body *")) {
    const r = el.getBoundingClientRect();
    if (r.right <= d.clientWidth + 1) continue;
    if (inScrollBox(el) && getComputedStyle(el).position !== "absolute") continue;
    const cls = typeof el.className === "string" && el.className ? "." + el.className.split(" ").join(".") : "";
    out.push(el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + cls + " (right " + Math.round(r.right) + ")");
  }
  return "scrollWidth " + d.scrollWidth + " > clientWidth " + d.clientWidth + ": " + out.slice(0, 6).join(", ");
})()`;

async function overflow(page: Page): Promise<string | null> {
  return (await page.evaluate(OVERFLOW)) as string | null;
}

describe("accessibility walk: every dashboard page at 1280 and 390 px [sqlite]", () => {
  let s: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const phones: SimulatedPhone[] = [];
  let receiverOk: Receiver;
  let receiverBad: Receiver;
  const ids = { loc1: "", loc2: "", message: "", client: "", secret: "", access: "" };

  before(async () => {
    // Phones on their event stream count as online; a stopped one is offline after 5 s. A failed
    // webhook delivery waits an hour for its retry, so the delivery log holds still while audited.
    s = await startTestServer("sqlite", { DEVICE_ONLINE_SECONDS: "5", WEBHOOK_RETRY_SCHEDULE: "1h,2h" });
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    // Short enough that a missing element fails fast, long enough for a loaded 2-core CI machine.
    context.setDefaultTimeout(15_000);
    context.setDefaultNavigationTimeout(30_000);
    page = await context.newPage();
    receiverOk = await new Receiver().start();
    receiverBad = await new Receiver().start();
    receiverBad.handler = (_req, res) => {
      res.writeHead(500).end("down for maintenance");
    };
    mkdirSync(SHOTS, { recursive: true });
  });
  after(async () => {
    for (const p of phones) await p.stop();
    await browser?.close(); // undefined when the before hook failed: the server must still close
    await receiverOk.close();
    await receiverBad.close();
    await s?.close();
  });

  /** Audit the page as it is now at 1280 px, then at 390 px (and its reflow at 320 px); screenshot both. */
  const audit = async (name: string, opts: { fullPage?: boolean; p?: Page } = {}) => {
    const p = opts.p ?? page;
    const problems: string[] = [];
    for (const width of [1280, 390]) {
      await p.setViewportSize({ width, height: width === 1280 ? 800 : 844 });
      if (width === 390) {
        const at390 = await overflow(p);
        if (at390) problems.push(`390 px: ${at390}`);
        await p.setViewportSize({ width: 320, height: 700 });
        const at320 = await overflow(p);
        if (at320) problems.push(`320 px: ${at320}`);
        await p.setViewportSize({ width: 390, height: 844 });
      }
      for (const v of await axeViolations(p)) {
        problems.push(`${width} px: ${v.id} (${v.impact}) ${v.help}\n    ${v.nodes.join("\n    ")}`);
      }
      // Whole pages for the README; a test run keeps only the first screen (faster), for a look after a failure.
      await p.screenshot({
        path: join(SHOTS, `${name}-${width}.png`),
        fullPage: UPDATE && (opts.fullPage ?? true),
      });
    }
    await p.setViewportSize({ width: 1280, height: 800 });
    assert.deepEqual(problems, [], `${name} (${p.url()}):\n  ${problems.join("\n  ")}`);
  };

  const go = async (path: string) => {
    await page.goto(`${s.url}${path}`);
  };

  it("setup, empty and with an error", async () => {
    await go("/");
    assert.match(page.url(), /\/setup$/);
    await audit("setup");
    await page.getByLabel("Your name").fill("Ada Admin");
    await page.getByLabel("Email").fill("ada@example.com");
    await page.getByLabel(/^Password/).fill("short");
    // The browser would refuse the short password itself; the server's answer is what is audited.
    await page.evaluate("for (const f of document.forms) f.noValidate = true");
    await page.getByRole("button", { name: "Create administrator" }).click();
    await page.getByRole("alert").waitFor();
    assert.match(await page.title(), /^Error: /);
    // The error names the password: the field says so to assistive technology.
    const pw = page.getByLabel(/^Password/);
    assert.equal(await pw.getAttribute("aria-invalid"), "true");
    assert.equal(await pw.getAttribute("aria-describedby"), "page-error");
    assert.match((await page.locator("#page-error").textContent()) ?? "", /password/i);
    await audit("setup-error");
    await page.getByLabel(/^Password/).fill(PASSWORD);
    await page.getByLabel(/First location/).fill("Main Street Bakery");
    await page.getByRole("button", { name: "Create administrator" }).click();
    await page.waitForURL(`${s.url}/`);
  });

  it("sign-in, and its error", async () => {
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL(/\/signin/);
    await audit("signin");
    await page.getByLabel("Email").fill("ada@example.com");
    await page.getByLabel("Password").fill("not the password at all");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("alert").waitFor();
    assert.match(await page.title(), /^Error: Sign in/);
    await audit("signin-error");
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(`${s.url}/`);
  });

  it("locations (two), admin users (a second user), members", async () => {
    await go("/locations");
    await page.locator('form[action="/locations"]').getByLabel("Name", { exact: true }).fill("Harbour Café");
    await page.getByRole("button", { name: "Create location" }).click();
    await page.waitForURL(/done=created/);
    const href = async (name: string) =>
      (await page
        .locator("tr", { hasText: name })
        .getByRole("link", { name: "Phones" })
        .getAttribute("href")) ?? "";
    ids.loc1 = (await href("Main Street Bakery")).split("/")[2] ?? "";
    ids.loc2 = (await href("Harbour Café")).split("/")[2] ?? "";
    assert.match(ids.loc1, /^loc_/);
    assert.match(ids.loc2, /^loc_/);
    await audit("locations");

    await go("/admin/users");
    await page.getByLabel("Email").fill("bea@example.com");
    await page.getByLabel("Name", { exact: true }).fill("Bea Member");
    await page.getByLabel(/^Initial password/).fill(PASSWORD);
    await page.getByRole("button", { name: "Create user" }).click();
    await page.waitForURL(/done=created/);
    // Label in Name: the visible words start the button's accessible name.
    assert.equal(await page.getByRole("button", { name: /^Make admin/ }).count(), 1);
    await audit("admin-users");

    await go(`/locations/${ids.loc1}/members`);
    await page.getByLabel("Email").fill("bea@example.com");
    await page.getByRole("button", { name: "Add or invite" }).click();
    await page.waitForURL(/done=/);
    assert.equal(await page.locator("tbody tr", { hasText: "Bea Member" }).count(), 1);
    // A location's Members tab is part of Locations in the main navigation.
    assert.equal(await page.locator('header nav [aria-current="page"]').textContent(), "Locations");
    await audit("members");
  });

  it("phones: the pairing panel, a phone online, a phone stopped; the choosers", async () => {
    await go(`/locations/${ids.loc1}/phones`);
    await page.getByRole("button", { name: "Pair a phone" }).click();
    const code = (await page.getByTestId("pairing-code").textContent()) ?? "";
    await audit("phones-pairing");
    const phone = new SimulatedPhone({
      server: s.url,
      name: "Pixel 7 (front desk)",
      simCards: [{ slotIndex: 0, simNumber: 1, phoneNumber: "+4930901820" }],
      sendDelayMs: 20,
      deliverDelayMs: 20,
    });
    phones.push(phone);
    await phone.register({ code });
    await phone.start();
    await phone.whenStreaming();
    await go(`/locations/${ids.loc1}/phones`);
    await page.getByRole("heading", { name: /Pixel 7 \(front desk\)\s+online/ }).waitFor();
    await audit("phones");

    // A pacing error shown in the phone's own form marks the field it names.
    await page.getByLabel("Min seconds between SMS").fill("10");
    await page.getByLabel("Max seconds between SMS").fill("5");
    await page.getByRole("button", { name: "Save pacing" }).click();
    await page.locator("#phones-live .flash.error").waitFor();
    assert.match(await page.title(), /^Error: Phones/);
    const max = page.getByLabel("Max seconds between SMS");
    assert.equal(await max.getAttribute("aria-invalid"), "true");
    const described = (await max.getAttribute("aria-describedby")) ?? "";
    assert.match((await page.locator(`#${described}`).textContent()) ?? "", /^sendIntervalMax: /);
    assert.equal(await page.getByLabel("Min seconds between SMS").getAttribute("aria-invalid"), null);

    const harbour = await pairPhone(s, ctxFor(s.db.store), ids.loc2, { name: "Galaxy A54 (harbour)" });
    phones.push(harbour);
    await harbour.start();
    await harbour.whenStreaming();
    await harbour.stop();
    await go(`/locations/${ids.loc2}/phones`);
    await page
      .getByRole("heading", { name: /Galaxy A54 \(harbour\)\s+offline/ })
      .waitFor({ timeout: 15_000 });
    await audit("phones-offline");

    await go("/phones");
    await audit("phones-chooser");
    await go("/messages");
    await audit("messages-chooser");
  });

  it("messages: delivered, inbound, a send error, a queued SMS; a message's detail", async () => {
    await go(`/locations/${ids.loc1}/messages`);
    await page.getByLabel(/^To/).fill("+14155552671");
    await page.getByLabel("Message", { exact: true }).fill("Your bread order is ready for pick-up.");
    await page.getByRole("button", { name: "Send", exact: true }).click();
    await page.waitForURL(/done=sent&sent=msg_/);
    ids.message = new URL(page.url()).searchParams.get("sent") ?? "";
    await page
      .locator(`tr[data-message="${ids.message}"]`)
      .getByText("delivered")
      .waitFor({ timeout: 10_000 });
    assert.equal(await phones[0]?.receive("+14155552671", "Thanks, see you at 5!"), 200);
    await go(`/locations/${ids.loc1}/messages`);
    await page.getByText("Thanks, see you at 5!").waitFor();
    await audit("messages");

    await page.getByLabel(/^To/).fill("12ab");
    await page.getByLabel("Message", { exact: true }).fill("Hello");
    await page.getByRole("button", { name: "Send", exact: true }).click();
    await page.getByRole("alert").waitFor();
    assert.match(await page.title(), /^Error: Messages/);
    assert.equal(await page.getByLabel(/^To/).getAttribute("aria-invalid"), "true");
    assert.equal(await page.getByLabel("Message", { exact: true }).getAttribute("aria-invalid"), null);
    await audit("messages-error");

    await go(`/locations/${ids.loc2}/messages`);
    await page.getByLabel(/^To/).fill("+14155552671");
    await page.getByLabel("Message", { exact: true }).fill("Your table for four is booked for 8 pm.");
    await page.getByRole("button", { name: "Send", exact: true }).click();
    await page.waitForURL(/done=sent&sent=msg_/);
    assert.equal(await page.locator("tr.just-sent").getByText("queued").count(), 1);
    await audit("messages-queued");

    await go(`/locations/${ids.loc1}/messages/${ids.message}`);
    await audit("message");
  });

  it("OAuth apps: created (secret shown once), consent, rotated; integrations", async () => {
    await go("/admin/apps");
    await page.getByLabel(/^Name/).fill("Acme CRM");
    await page.getByLabel(/^Redirect URIs/).fill(REDIRECT);
    await page.getByRole("button", { name: "Create app" }).click();
    ids.client = (await page.getByTestId("client-id").textContent()) ?? "";
    ids.secret = (await page.getByTestId("client-secret").textContent()) ?? "";
    await audit("admin-apps-created");

    let callback = "";
    await page.route("http://127.0.0.1:9/**", async (route) => {
      callback = route.request().url();
      await route.fulfill({ status: 200, body: "connected" });
    });
    const authorize = new URL("/oauth/authorize", s.url);
    authorize.search = new URLSearchParams({
      client_id: ids.client,
      redirect_uri: REDIRECT,
      response_type: "code",
      state: "st-1",
      scope: "locations:read messages:send messages:read webhooks:write",
    }).toString();
    await page.goto(authorize.toString());
    await audit("consent");
    await page.getByLabel("Main Street Bakery").check();
    await page.getByRole("button", { name: "Allow" }).click();
    await page.waitForURL(/^http:\/\/127\.0\.0\.1:9\/cb\?/);
    await waitFor(() => callback, 5000, "the redirect back to the app");
    const token = await fetch(`${s.url}/oauth/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "authorization_code",
        code: new URL(callback).searchParams.get("code") ?? "",
        redirect_uri: REDIRECT,
        client_id: ids.client,
        client_secret: ids.secret,
      }),
    });
    assert.equal(token.status, 200);
    ids.access = ((await token.json()) as { access_token: string }).access_token;

    await go("/admin/apps");
    await page.getByRole("button", { name: /^Rotate secret/ }).click();
    await page.getByTestId("client-secret").waitFor();
    await audit("admin-apps-rotated");
    await go("/admin/apps");
    assert.equal(await page.getByText("old secret still valid").count(), 1);
    await audit("admin-apps");

    await go("/integrations");
    assert.equal(await page.locator("tr", { hasText: "Acme CRM" }).count(), 1);
    await audit("integrations");
  });

  it("webhooks: delivered and failing deliveries; account; not found; API reference", async () => {
    const api = (path: string, body: unknown) =>
      fetch(`${s.url}${path}`, {
        method: "POST",
        headers: { authorization: `Bearer ${ids.access}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    for (const [event, r] of [
      ["message_status", receiverOk],
      ["new_message", receiverBad],
    ] as const) {
      const sub = await api("/api/v1/webhooks/subscribe", {
        targetUrl: `${r.url}/hooks/${event}`,
        event,
        locationId: ids.loc1,
      });
      assert.equal(sub.status, 200);
    }
    const sent = await api("/api/v1/messages", {
      phone: "+14155552671",
      locationId: ids.loc1,
      message: "Fresh rolls at 7",
    });
    assert.equal(sent.status, 200);
    assert.equal(await phones[0]?.receive("+14155552671", "Can I order a cake?"), 200);
    await receiverOk.waitFor(1);
    await receiverBad.waitFor(1);
    await go(`/locations/${ids.loc1}/webhooks`);
    await page.getByText(/failing since/).waitFor({ timeout: 10_000 });
    // A location's Webhooks tab is part of Locations in the main navigation (not Integrations).
    assert.equal(await page.locator('header nav [aria-current="page"]').textContent(), "Locations");
    await audit("webhooks");

    await go("/");
    await page.locator('[data-stat="queued"]').first().waitFor();
    await audit("overview");

    await go("/account");
    await audit("account");
    await page.getByLabel("Current password").fill("not my password, sorry");
    await page.getByLabel(/^New password/).fill("another long password");
    await page.getByRole("button", { name: "Change password" }).click();
    await page.getByRole("alert").waitFor();
    assert.match(await page.title(), /^Error: Account/);
    assert.equal(await page.getByLabel("Current password").getAttribute("aria-invalid"), "true");
    await audit("account-error");

    const res = await page.goto(`${s.url}/locations/loc_doesnotexist/phones`);
    assert.equal(res?.status(), 404);
    await audit("not-found");

    await go("/docs");
    await audit("docs", { fullPage: false });
  });

  it("the header: compact on a phone, in reading order, with a favicon and a description", async () => {
    await go(`/locations/${ids.loc1}/messages`);
    await page.setViewportSize({ width: 390, height: 844 });
    const header = await page.locator("header.top").boundingBox();
    assert.ok(header && header.height <= 100, `header is ${header?.height} px tall at 390 px`);
    // DOM order is visual order: each focusable element in the header starts below or right of the last.
    const boxes =
      (await page.evaluate(`[...document.querySelectorAll("header.top a, header.top button")].map((e) => {
      const r = e.getBoundingClientRect();
      return { text: e.textContent.trim(), top: Math.round(r.top), left: Math.round(r.left + e.parentElement.scrollLeft) };
    })`)) as { text: string; top: number; left: number }[];
    assert.ok(boxes.length >= 8);
    for (let i = 1; i < boxes.length; i++) {
      const [a, b] = [boxes[i - 1], boxes[i]];
      assert.ok(
        a && b && (b.top > a.top + 5 || (Math.abs(b.top - a.top) <= 5 && b.left > a.left)),
        `${a?.text} → ${b?.text}`,
      );
    }
    await page.setViewportSize({ width: 1280, height: 800 });
    assert.match(
      (await page.locator('link[rel="icon"]').getAttribute("href")) ?? "",
      /^data:image\/svg\+xml,/,
    );
    assert.ok(((await page.locator('meta[name="description"]').getAttribute("content")) ?? "").length > 40);
    const icon = await page.evaluate(`(async () => {
      const img = new Image();
      img.src = document.querySelector('link[rel="icon"]').href;
      await img.decode();
      return img.naturalWidth;
    })()`);
    assert.ok(Number(icon) > 0);
  });

  it("live refresh keeps focus and open details; a phone's heartbeat does not rebuild its region", async () => {
    const [phonesPage, idlePage, messagesPage, webhooksPage] = await Promise.all([
      context.newPage(),
      context.newPage(),
      context.newPage(),
      context.newPage(),
    ]);
    try {
      await phonesPage.goto(`${s.url}/locations/${ids.loc1}/phones`);
      await idlePage.goto(`${s.url}/locations/${ids.loc1}/phones`);
      await messagesPage.goto(`${s.url}/locations/${ids.loc1}/messages`);
      await webhooksPage.goto(`${s.url}/locations/${ids.loc1}/webhooks`);
      // Count replacements of the live region (its parent loses the old node).
      const countReplacements = (p: Page, id: string) =>
        p.evaluate(`(() => {
          window.replaced = 0;
          new MutationObserver((list) => {
            for (const m of list) for (const n of m.removedNodes) if (n.id === ${JSON.stringify(id)}) window.replaced++;
          }).observe(document.getElementById(${JSON.stringify(id)}).parentElement, { childList: true });
        })()`);
      const replaced = async (p: Page) => Number(await p.evaluate("window.replaced"));
      const markFocus = async (p: Page) =>
        String(
          await p.evaluate("window.kept = document.activeElement, document.activeElement.textContent.trim()"),
        );
      const stillFocused = async (p: Page) =>
        (await p.evaluate(
          "window.kept !== document.body && window.kept === document.activeElement && window.kept.isConnected",
        )) === true;
      const blur = (p: Page) => p.evaluate("document.activeElement.blur()");

      await countReplacements(idlePage, "phones-live");
      await countReplacements(phonesPage, "phones-live");
      await phonesPage.locator("#phones-live").getByRole("button", { name: "Save pacing" }).focus();
      assert.equal(await markFocus(phonesPage), "Save pacing");

      await countReplacements(messagesPage, "messages-live");
      await messagesPage.locator("#messages-live tbody a").first().focus();
      assert.match(await markFocus(messagesPage), /\d{4}-\d{2}-\d{2}/);

      const summary = webhooksPage.locator("#webhooks-live details summary").first();
      await summary.click();
      await blur(webhooksPage);
      await webhooksPage.evaluate(`window.opened = document.querySelector("#webhooks-live details[open]")`);
      assert.equal(await webhooksPage.evaluate("window.opened !== null"), true);
      const rows = await webhooksPage.locator("#webhooks-live tbody tr").count();

      // A data change on every page: a new inbound SMS (new message row, new failing delivery).
      assert.equal(await phones[0]?.receive("+14155552671", "One more thing: sesame on top"), 200);
      await receiverBad.waitFor(2);
      // Past two refreshes of the phones and messages pages (3 s) and one of webhooks (10 s).
      await new Promise((r) => setTimeout(r, 11_500));

      assert.equal(await stillFocused(phonesPage), true, "Save pacing lost focus");
      assert.equal(await stillFocused(messagesPage), true, "the message link lost focus");
      assert.equal(
        await webhooksPage.evaluate(`window.opened.isConnected && window.opened.hasAttribute("open")`),
        true,
        "the open attempt log was closed",
      );
      assert.equal(await webhooksPage.locator("#webhooks-live tbody tr").count(), rows);
      // Nothing changed on the phones page but the phone's heartbeat: the region stayed as it was.
      assert.equal(await replaced(idlePage), 0, "the idle phones region was rebuilt");
      assert.equal(await messagesPage.getByText("sesame on top").count(), 0);

      // Once the user leaves the region, it catches up.
      await blur(messagesPage);
      await messagesPage.getByText("sesame on top").waitFor({ timeout: 5_000 });
      assert.ok((await replaced(messagesPage)) >= 1);
    } finally {
      await Promise.all([phonesPage.close(), idlePage.close(), messagesPage.close(), webhooksPage.close()]);
    }
  });
});
