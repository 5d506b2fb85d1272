import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import {
  createLocation,
  listUserLocations,
  renameLocation,
  type ResolvedSession,
} from "../../accounts/index.js";
import { type AppDeps, requestCtx } from "../../http/deps.js";
import { isSecure, requireSession } from "../auth.js";
import { csrfToken, verifyCsrf } from "../csrf.js";
import { field, formError } from "../guards.js";
import { html } from "../html.js";
import { flashOf, page } from "../layout.js";

const DONE: Record<string, string> = { created: "Location created.", renamed: "Location renamed." };

/** `/locations`: the user's locations; create one (with time zone); owners rename. Verbs enforce roles. */
export function registerLocationPages(app: FastifyInstance, deps: AppDeps): void {
  const render = async (
    request: FastifyRequest,
    reply: FastifyReply,
    session: ResolvedSession,
    o: { error?: { status: number; text: string }; form?: { name: string; time_zone: string } } = {},
  ) => {
    const ctx = requestCtx(deps, request);
    const locations = await listUserLocations({ ctx, input: { userId: session.user.id } });
    const csrf = csrfToken(request, reply, deps.secret, isSecure(deps));
    const f = o.form ?? { name: "", time_zone: "UTC" };
    const done = DONE[String((request.query as Record<string, unknown>)?.done ?? "")];
    const body = html`<h1>Locations</h1>
<div class="card"><h2>Your locations</h2>
${
  locations.length === 0
    ? html`<p class="muted">No location yet.</p>`
    : html`<table><thead><tr><th>Name</th><th>Time zone</th><th>Role</th><th>Open</th><th>Rename</th></tr></thead><tbody>
${locations.map(
  (l) =>
    html`<tr><td>${l.name}</td><td>${l.time_zone}</td><td>${l.role ?? ""}</td>
<td class="links"><a href="/locations/${l.id}/phones">Phones</a> <a href="/locations/${l.id}/messages">Messages</a> <a href="/locations/${l.id}/webhooks">Webhooks</a> <a href="/locations/${l.id}/members">Members</a></td><td>${
      l.role === "owner"
        ? html`<form method="post" action="/locations/${l.id}/rename"><input type="hidden" name="_csrf" value="${csrf}">
<label for="n-${l.id}" class="sr-only">New name for ${l.name}</label>
<input id="n-${l.id}" name="name" value="${l.name}" required maxlength="100"><button type="submit">Rename</button></form>`
        : ""
    }</td></tr>`,
)}</tbody></table>`
}</div>
<div class="card"><h2>New location</h2>
<form method="post" action="/locations"><input type="hidden" name="_csrf" value="${csrf}">
<label for="name">Name</label><input id="name" name="name" required maxlength="100" value="${f.name}">
<label for="time_zone">Time zone (IANA, e.g. Europe/Berlin)</label><input id="time_zone" name="time_zone" value="${f.time_zone}" required>
<button type="submit">Create location</button></form></div>`;
    return reply
      .code(o.error?.status ?? 200)
      .type("text/html; charset=utf-8")
      .send(
        page({
          title: "Locations",
          user: session.user,
          current: "locations",
          csrf,
          body,
          flash: flashOf(o.error, done),
        }),
      );
  };

  app.get("/locations", async (request, reply) => {
    const session = await requireSession(deps, request, reply);
    if (!session) return reply;
    return render(request, reply, session);
  });

  app.post("/locations", async (request, reply) => {
    const session = await requireSession(deps, request, reply);
    if (!session) return reply;
    verifyCsrf(request, deps.secret, deps.config.publicUrl);
    const form = { name: field(request.body, "name"), time_zone: field(request.body, "time_zone") || "UTC" };
    try {
      await createLocation({
        ctx: requestCtx(deps, request),
        input: { ownerUserId: session.user.id, name: form.name, timeZone: form.time_zone },
      });
    } catch (err) {
      return render(request, reply, session, { error: formError(err), form });
    }
    return reply.redirect("/locations?done=created", 303);
  });

  app.post<{ Params: { id: string } }>("/locations/:id/rename", async (request, reply) => {
    const session = await requireSession(deps, request, reply);
    if (!session) return reply;
    verifyCsrf(request, deps.secret, deps.config.publicUrl);
    try {
      await renameLocation({
        ctx: requestCtx(deps, request),
        input: {
          actorUserId: session.user.id,
          locationId: request.params.id,
          name: field(request.body, "name"),
        },
      });
    } catch (err) {
      // Someone else's location is not found, as everywhere; only a bad name goes back to the form.
      if ((err as { code?: string }).code === "location_not_found") throw err;
      return render(request, reply, session, { error: formError(err) });
    }
    return reply.redirect("/locations?done=renamed", 303);
  });
}
