import type { FastifyInstance } from "fastify";
import { listUserLocations } from "../../accounts/index.js";
import { type AppDeps, requestCtx } from "../../http/deps.js";
import { isSecure, requireSession } from "../auth.js";
import { csrfToken } from "../csrf.js";
import { html } from "../html.js";
import { page } from "../layout.js";

const SECTIONS = [
  { path: "/phones", section: "phones", nav: "phones", title: "Phones" },
  { path: "/messages", section: "messages", nav: "messages", title: "Messages" },
] as const;

/**
 * `/phones` and `/messages` (the main navigation): straight to the location's page when the user has one
 * location, a choice when there are several, a pointer to create one when there are none.
 */
export function registerChooserPages(app: FastifyInstance, deps: AppDeps): void {
  for (const s of SECTIONS) {
    app.get(s.path, async (request, reply) => {
      const session = await requireSession(deps, request, reply);
      if (!session) return reply;
      const locations = await listUserLocations({
        ctx: requestCtx(deps, request),
        input: { userId: session.user.id },
      });
      const only = locations.length === 1 ? locations[0] : undefined;
      if (only) return reply.redirect(`/locations/${only.id}/${s.section}`, 303);
      const csrf = csrfToken(request, reply, deps.secret, isSecure(deps));
      const body = html`<h1>${s.title}</h1><div class="card">${
        locations.length === 0
          ? html`<p>You have no location yet. <a href="/locations">Create one</a> first.</p>`
          : html`<p class="muted">Choose a location.</p><ul>${locations.map(
              (l) => html`<li><a href="/locations/${l.id}/${s.section}">${l.name}</a></li>`,
            )}</ul>`
      }</div>`;
      return reply
        .type("text/html; charset=utf-8")
        .send(page({ title: s.title, user: session.user, current: s.nav, csrf, body }));
    });
  }
}
