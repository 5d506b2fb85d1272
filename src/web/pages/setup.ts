import type { FastifyInstance } from "fastify";
import { needsSetup, PASSWORD_MIN, setupInstance, startSession } from "../../accounts/index.js";
import { isAppError } from "../../core/errors.js";
import { type AppDeps, requestCtx } from "../../http/deps.js";
import { isSecure, setSessionCookie } from "../auth.js";
import { csrfToken, verifyCsrf } from "../csrf.js";
import { html } from "../html.js";
import { page } from "../layout.js";
import {
  registerTimeZoneScript,
  serverTimeZone,
  timeZoneInput,
  timeZoneList,
  timeZoneMessage,
} from "./time-zone-field.js";

interface SetupForm {
  email?: string;
  name?: string;
  password?: string;
  location_name?: string;
  time_zone?: string;
}

function setupPage(csrf: string, form: SetupForm, error?: string): string {
  return page({
    title: "Set up myCRMSIM",
    narrow: true,
    flash: error ? { kind: "error", text: error } : undefined,
    body: html`<div class="card"><h1>Welcome to myCRMSIM</h1>
<p class="muted">This installation has no account yet. Create the administrator account; you can add people,
locations and phones afterwards.</p>
<form method="post" action="/setup">
<input type="hidden" name="_csrf" value="${csrf}">
<label for="name">Your name</label><input id="name" name="name" type="text" required maxlength="120" autocomplete="name" value="${form.name ?? ""}">
<label for="email">Email</label><input id="email" name="email" type="email" required autocomplete="email" value="${form.email ?? ""}">
<label for="password">Password <span class="hint">(at least ${PASSWORD_MIN} characters)</span></label>
<input id="password" name="password" type="password" required minlength="${PASSWORD_MIN}" autocomplete="new-password">
<label for="location_name">First location <span class="hint">(optional: a business or sub-account that sends SMS)</span></label>
<input id="location_name" name="location_name" type="text" maxlength="120" value="${form.location_name ?? ""}">
${timeZoneInput({ id: "time_zone", value: form.time_zone ?? serverTimeZone(), detect: form.time_zone === undefined })}
${timeZoneList()}
<div class="actions"><button type="submit">Create administrator</button></div>
</form></div>`,
  });
}

/** First-run setup: only while the installation has no user. */
export function registerSetupPages(app: FastifyInstance, deps: AppDeps): void {
  const origin = new URL(deps.config.publicUrl).origin;
  // Shared with the Locations page's time zone fields.
  registerTimeZoneScript(app);
  app.get("/setup", async (request, reply) => {
    if (!(await needsSetup({ ctx: requestCtx(deps, request) }))) return reply.redirect("/signin", 303);
    const csrf = csrfToken(request, reply, deps.secret, isSecure(deps));
    return reply.type("text/html; charset=utf-8").send(setupPage(csrf, {}));
  });

  app.post<{ Body: SetupForm }>("/setup", async (request, reply) => {
    verifyCsrf(request, deps.secret, origin);
    const ctx = requestCtx(deps, request);
    const form = request.body ?? {};
    try {
      const { user } = await setupInstance({
        ctx,
        input: {
          email: String(form.email ?? ""),
          name: String(form.name ?? ""),
          password: String(form.password ?? ""),
          locationName: form.location_name ? String(form.location_name) : undefined,
          timeZone: form.time_zone ? String(form.time_zone) : undefined,
        },
      });
      setSessionCookie(deps, reply, await startSession({ ctx, input: { userId: user.id } }));
      return reply.redirect("/", 303);
    } catch (e) {
      if (isAppError(e) && e.code === "already_set_up") return reply.redirect("/signin", 303);
      if (isAppError(e) && e.status < 500) {
        const csrf = csrfToken(request, reply, deps.secret, isSecure(deps));
        return (
          reply
            .code(e.status)
            .type("text/html; charset=utf-8")
            // Everything typed comes back except the password: echoing it into the page would put it in
            // the HTML (history, caches, shoulder surfers), so the user types it again, and is told so.
            .send(
              setupPage(
                csrf,
                { ...form, password: undefined },
                `${timeZoneMessage(e.message, String(form.time_zone ?? ""))}${e.details?.field === "password" ? "" : " For your safety the password was not kept: type it again."}`,
              ),
            )
        );
      }
      throw e;
    }
  });
}
