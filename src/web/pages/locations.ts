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
import { html, scrollBox } from "../html.js";
import { flashOf, page } from "../layout.js";
import { serverTimeZone, timeZoneInput, timeZoneList, timeZoneMessage } from "./time-zone-field.js";

const DONE: Record<string, string> = { created: "Location created.", renamed: "Location saved." };

/**
 * `/locations`: the user's locations; create one (with time zone); owners rename and change the time
 * zone. Verbs enforce roles.
 */
export function registerLocationPages(app: FastifyInstance, deps: AppDeps): void {
  const render = async (
    request: FastifyRequest,
    reply: FastifyReply,
    session: ResolvedSession,
    o: {
      error?: { status: number; text: string };
      form?: { name: string; time_zone: string };
      /** A location's edit form sent back with an error, as typed. */
      edit?: { id: string; name: string; time_zone: string };
    } = {},
  ) => {
    const ctx = requestCtx(deps, request);
    const locations = await listUserLocations({ ctx, input: { userId: session.user.id } });
    const csrf = csrfToken(request, reply, deps.secret, isSecure(deps));
    // A new location most likely shares the zone of the user's others; the first one gets the browser's.
    const f = o.form ?? { name: "", time_zone: locations[0]?.time_zone ?? serverTimeZone() };
    const typedZone = o.edit?.time_zone ?? o.form?.time_zone ?? "";
    const error = o.error ? { ...o.error, text: timeZoneMessage(o.error.text, typedZone) } : undefined;
    const done = DONE[String((request.query as Record<string, unknown>)?.done ?? "")];
    const body = html`<h1>Locations</h1>
<div class="card"><h2>Your locations</h2>
${
  locations.length === 0
    ? html`<p class="muted">No location yet.</p>`
    : scrollBox(
        "Your locations",
        html`<table><thead><tr><th>Name</th><th>Time zone</th><th>Role</th><th>Open</th><th>Edit</th></tr></thead><tbody>
${locations.map(
  (l) =>
    html`<tr><td>${l.name}</td><td>${l.time_zone}</td><td>${l.role ?? ""}</td>
<td class="links"><a href="/locations/${l.id}/phones">Phones</a> <a href="/locations/${l.id}/messages">Messages</a> <a href="/locations/${l.id}/webhooks">Webhooks</a> <a href="/locations/${l.id}/members">Members</a></td><td>${
      l.role === "owner"
        ? html`<details ${o.edit?.id === l.id ? "open" : ""}><summary>Edit<span class="sr-only"> ${l.name}</span></summary>
<form method="post" action="/locations/${l.id}/rename"><input type="hidden" name="_csrf" value="${csrf}">
<label for="n-${l.id}">Name</label>
<input id="n-${l.id}" name="name" value="${o.edit?.id === l.id ? o.edit.name : l.name}" required maxlength="100">
${timeZoneInput({ id: `tz-${l.id}`, value: o.edit?.id === l.id ? o.edit.time_zone : l.time_zone })}
<div class="actions"><button type="submit">Save</button></div></form></details>`
        : ""
    }</td></tr>`,
)}</tbody></table>`,
      )
}</div>
<div class="card"><h2>New location</h2>
<form method="post" action="/locations"><input type="hidden" name="_csrf" value="${csrf}">
<label for="name">Name</label><input id="name" name="name" required maxlength="100" value="${f.name}">
${timeZoneInput({ id: "time_zone", value: f.time_zone, detect: !o.form && locations.length === 0 })}
<div class="actions"><button type="submit">Create location</button></div></form></div>
${timeZoneList()}`;
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
          flash: flashOf(error, done),
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
    const edit = {
      id: request.params.id,
      name: field(request.body, "name"),
      time_zone: field(request.body, "time_zone").trim(),
    };
    try {
      await renameLocation({
        ctx: requestCtx(deps, request),
        input: {
          actorUserId: session.user.id,
          locationId: request.params.id,
          name: edit.name,
          // Absent from older forms (name only): the time zone then stays as it is.
          ...(edit.time_zone ? { timeZone: edit.time_zone } : {}),
        },
      });
    } catch (err) {
      // Someone else's location is not found, as everywhere; only bad input goes back to the form.
      if ((err as { code?: string }).code === "location_not_found") throw err;
      return render(request, reply, session, { error: formError(err, request), edit });
    }
    return reply.redirect("/locations?done=renamed", 303);
  });
}
