import type { FastifyInstance } from "fastify";
import { toAppError, logError } from "../http/errors.js";
import type { AppDeps } from "../http/deps.js";
import { APP_CSS, APP_JS } from "./assets.js";
import { html } from "./html.js";
import { page } from "./layout.js";
import { registerAccountPage } from "./pages/account.js";
import { registerAdminAppPages } from "./pages/admin-apps.js";
import { registerAdminUserPages } from "./pages/admin-users.js";
import { registerChooserPages } from "./pages/choose.js";
import { registerHomePage } from "./pages/home.js";
import { registerIntegrationPages } from "./pages/integrations.js";
import { registerLocationPages } from "./pages/locations.js";
import { registerMemberPages } from "./pages/members.js";
import { registerMessagePages } from "./pages/messages.js";
import { registerPhonePages } from "./pages/phones.js";
import { registerSetupPages } from "./pages/setup.js";
import { registerSigninPages } from "./pages/signin.js";
import { registerWebhookPages } from "./pages/webhooks.js";

export { currentSession, requireSession } from "./auth.js";
export { csrfToken, verifyCsrf } from "./csrf.js";
export { html, raw } from "./html.js";
export { page } from "./layout.js";

/** The server-rendered dashboard. Errors render as a page, not JSON. */
export async function webPlugin(app: FastifyInstance, deps: AppDeps): Promise<void> {
  app.setErrorHandler((err, request, reply) => {
    const e = toAppError(err);
    logError(request, e);
    const text = e.status >= 500 ? "Something went wrong on our side. Try again in a moment." : e.message;
    return reply
      .code(e.status)
      .type("text/html; charset=utf-8")
      .send(
        page({
          title: e.status >= 500 ? "Error" : "Cannot do that",
          narrow: true,
          body: html`<div class="card"><h1>${e.status === 404 ? "Not found" : "Cannot do that"}</h1>
<p>${text}</p><p><a href="/">Back to the dashboard</a></p></div>`,
        }),
      );
  });
  // Dashboard pages show messages, members, secrets: no browser or proxy may keep a copy (finding L10).
  // Only the two static assets below say otherwise.
  app.addHook("onSend", async (_request, reply, payload) => {
    if (!reply.hasHeader("cache-control")) reply.header("cache-control", "no-store");
    return payload;
  });
  app.get("/assets/app.css", async (_request, reply) =>
    reply.type("text/css; charset=utf-8").header("cache-control", "public, max-age=3600").send(APP_CSS),
  );
  app.get("/assets/app.js", async (_request, reply) =>
    reply.type("text/javascript; charset=utf-8").header("cache-control", "public, max-age=3600").send(APP_JS),
  );
  registerHomePage(app, deps);
  registerAccountPage(app, deps);
  registerLocationPages(app, deps);
  registerMemberPages(app, deps);
  registerPhonePages(app, deps);
  registerMessagePages(app, deps);
  registerWebhookPages(app, deps);
  registerChooserPages(app, deps);
  registerAdminUserPages(app, deps);
  registerAdminAppPages(app, deps);
  registerIntegrationPages(app, deps);
  registerSetupPages(app, deps);
  registerSigninPages(app, deps);
}
