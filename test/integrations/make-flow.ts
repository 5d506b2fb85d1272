import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Browser } from "playwright-core";
import { MAKE_REDIRECT_URI, type MakeHarness } from "../../integrations/make/harness/make.js";

/** The only origin the app may call: the test server, named as the connection's Server URL. */
export function hostsFor(url: string): Record<string, string> {
  return { [new URL(url).origin]: url };
}

/**
 * What Make does when a user clicks "Add connection": open the authorize URL in a browser, where the
 * user signs in and allows; Make's callback page receives the redirect. The callback is intercepted
 * in the browser, so nothing leaves the machine.
 */
export async function connectInBrowser(
  browser: Browser,
  make: MakeHarness,
  user: { email: string; password: string },
): Promise<string> {
  const page = await browser.newPage();
  try {
    let redirected: string | undefined;
    await page.route(`${MAKE_REDIRECT_URI}**`, async (route) => {
      redirected = route.request().url();
      await route.fulfill({ status: 200, contentType: "text/html", body: "<p>Make received the code</p>" });
    });
    await page.goto(make.authorizeUrl());
    if (await page.getByLabel("Password").isVisible()) {
      await page.getByLabel("Email").fill(user.email);
      await page.getByLabel("Password").fill(user.password);
      await page.getByRole("button", { name: "Sign in" }).click();
    }
    await page.getByRole("button", { name: "Allow" }).click();
    await page.waitForURL(`${MAKE_REDIRECT_URI}**`, { timeout: 10_000 });
    if (!redirected) throw new Error(`the browser never reached Make's callback (at ${page.url()})`);
    make.callback(redirected);
    return redirected;
  } finally {
    await page.close();
  }
}

export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

/** Stands in for Make's webhook gateway: one URL per attached webhook, records what arrives. */
export class WebhookReceiver {
  readonly received: Received[] = [];
  private waiters: Array<() => void> = [];
  private server: Server = createServer((req, res) => {
    let raw = "";
    req.on("data", (c) => {
      raw += c;
    });
    req.on("end", () => {
      let body: unknown = raw;
      try {
        body = JSON.parse(raw);
      } catch {
        // keep the raw text
      }
      this.received.push({ path: req.url ?? "/", headers: req.headers, body });
      res.writeHead(200, { "content-type": "text/plain" }).end("Accepted");
      for (const w of this.waiters.splice(0)) w();
    });
  });

  async start(): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, "127.0.0.1", r));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** The first request to `path` that `match` accepts (waits up to `ms`). */
  async next(path: string, ms = 15_000, match: (r: Received) => boolean = () => true): Promise<Received> {
    const deadline = Date.now() + ms;
    for (;;) {
      const hit = this.received.find((r) => r.path === path && match(r));
      if (hit) return hit;
      if (Date.now() > deadline) throw new Error(`nothing arrived at ${path} within ${ms} ms`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 200);
      });
    }
  }

  close(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }
}
