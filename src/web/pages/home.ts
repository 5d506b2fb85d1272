import type { FastifyInstance } from "fastify";
import { listUserLocations, needsSetup } from "../../accounts/index.js";
import { type AppDeps, requestCtx } from "../../http/deps.js";
import { currentSession, isSecure } from "../auth.js";
import { csrfToken } from "../csrf.js";
import { html } from "../html.js";
import { page } from "../layout.js";

/** `/`: setup on an empty installation, sign-in when signed out, else the overview. */
export function registerHomePage(app: FastifyInstance, deps: AppDeps): void {
  app.get("/", async (request, reply) => {
    const ctx = requestCtx(deps, request);
    if (await needsSetup({ ctx })) return reply.redirect("/setup", 303);
    const session = await currentSession(deps, request);
    if (!session) return reply.redirect("/signin", 303);
    const locations = await listUserLocations({ ctx, input: { userId: session.user.id } });
    const csrf = csrfToken(request, reply, deps.secret, isSecure(deps));
    const body = html`<h1>Overview</h1>
<div class="card"><h2>Your locations</h2>
${
  locations.length === 0
    ? html`<p class="muted">No location yet.</p>`
    : html`<table><thead><tr><th>Name</th><th>Id</th><th>Role</th></tr></thead><tbody>
${locations.map((l) => html`<tr><td>${l.name}</td><td class="mono">${l.id}</td><td>${l.role ?? ""}</td></tr>`)}
</tbody></table>`
}</div>`;
    return reply
      .type("text/html; charset=utf-8")
      .send(page({ title: "Overview", user: session.user, current: "overview", csrf, body }));
  });
}
