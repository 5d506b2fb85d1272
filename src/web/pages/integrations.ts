import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { listUserLocations, type ResolvedSession } from "../../accounts/index.js";
import { AppError } from "../../core/errors.js";
import { type AppDeps, requestCtx } from "../../http/deps.js";
import { isScope, listGrantsForUser, revokeGrant, SCOPE_TEXT } from "../../oauth/index.js";
import { isSecure, requireSession } from "../auth.js";
import { csrfToken, verifyCsrf } from "../csrf.js";
import { formError, when } from "../guards.js";
import { html, scrollBox } from "../html.js";
import { flashOf, page } from "../layout.js";
import { isConfirmed, sendConfirmStep } from "./confirm.js";

const DONE: Record<string, string> = {
  disconnected: "App disconnected. Its access and refresh tokens no longer work.",
};

/**
 * `/integrations`: the apps the user connected through OAuth (what each may do, where, when last
 * used) with Disconnect, which revokes the grant and every token of it; and each location's webhooks.
 */
export function registerIntegrationPages(app: FastifyInstance, deps: AppDeps): void {
  const render = async (
    request: FastifyRequest,
    reply: FastifyReply,
    session: ResolvedSession,
    error?: { status: number; text: string },
  ) => {
    const ctx = requestCtx(deps, request);
    const csrf = csrfToken(request, reply, deps.secret, isSecure(deps));
    const [grants, locations] = await Promise.all([
      listGrantsForUser({ ctx, input: { userId: session.user.id } }),
      listUserLocations({ ctx, input: { userId: session.user.id } }),
    ]);
    const names = new Map(locations.map((l) => [l.id, l.name]));
    const done = DONE[String((request.query as Record<string, unknown>)?.done ?? "")];
    const body = html`<h1>Integrations</h1>
<div class="card"><h2>Connected apps</h2>
${
  grants.length === 0
    ? html`<p class="muted">No app is connected. Apps such as Make, Zapier or n8n connect when you sign in to myCRMSIM
from them and allow access (OAuth); they appear here, and you can disconnect them at any time.${
        session.user.is_admin
          ? html` An app must first be registered under <a href="/admin/apps">Admin → OAuth apps</a>.`
          : " An administrator registers the apps that may connect."
      }</p>`
    : scrollBox(
        "Connected apps",
        html`<table><thead><tr><th>App</th><th>May</th><th>Locations</th><th>Connected</th><th>Last used</th><th><span class="sr-only">Actions</span></th></tr></thead><tbody>
${grants.map(
  (g) => html`<tr data-grant="${g.id}"><td><strong>${g.client_name}</strong></td>
<td><ul class="scopes">${g.scopes.map((s) => html`<li>${isScope(s) ? SCOPE_TEXT[s] : s}</li>`)}</ul></td>
<td>${g.location_ids.map((id) => html`<div>${names.get(id) ?? html`<span class="muted">${id} (no longer yours)</span>`}</div>`)}</td>
<td>${when(g.created_at)}</td><td data-testid="last-used">${g.last_used_at ? when(g.last_used_at) : html`<span class="muted">not yet</span>`}</td>
<td><form method="post" action="/integrations/apps/${g.id}/disconnect" class="inline"><input type="hidden" name="_csrf" value="${csrf}">
<button type="submit" class="danger" aria-label="Disconnect ${g.client_name}">Disconnect</button></form></td></tr>`,
)}</tbody></table>`,
      )
}</div>
<div class="card"><h2>Webhooks</h2>
${
  locations.length === 0
    ? html`<p class="muted">No location yet.</p>`
    : html`<p class="muted">Subscriptions are made by connected apps; each location's page shows them with their delivery log.</p>
<ul>${locations.map((l) => html`<li><a href="/locations/${l.id}/webhooks">Webhooks of ${l.name}</a></li>`)}</ul>`
}</div>`;
    return reply
      .code(error?.status ?? 200)
      .type("text/html; charset=utf-8")
      .send(
        page({
          title: "Integrations",
          user: session.user,
          current: "integrations",
          csrf,
          body,
          flash: flashOf(error, done),
        }),
      );
  };

  app.get("/integrations", async (request, reply) => {
    const session = await requireSession(deps, request, reply);
    if (!session) return reply;
    return render(request, reply, session);
  });

  app.post<{ Params: { grantId: string } }>(
    "/integrations/apps/:grantId/disconnect",
    async (request, reply) => {
      const session = await requireSession(deps, request, reply);
      if (!session) return reply;
      verifyCsrf(request, deps.secret, deps.config.publicUrl);
      try {
        const ctx = requestCtx(deps, request);
        if (!isConfirmed(request.body)) {
          const grants = await listGrantsForUser({ ctx, input: { userId: session.user.id } });
          const g = grants.find((x) => x.id === request.params.grantId);
          // The same answer as the verb gives for someone else's grant.
          if (!g) throw new AppError("not_found", "No such connected app");
          return sendConfirmStep(reply, {
            title: `Disconnect ${g.client_name}?`,
            detail: `${g.client_name} loses access at once: its access and refresh tokens stop working and its webhooks pause. To use it again you connect it anew from the app.`,
            action: `/integrations/apps/${g.id}/disconnect`,
            confirmLabel: "Disconnect",
            cancelHref: "/integrations",
            user: session.user,
            current: "integrations",
            csrf: csrfToken(request, reply, deps.secret, isSecure(deps)),
          });
        }
        await revokeGrant({ ctx, input: { userId: session.user.id, grantId: request.params.grantId } });
      } catch (err) {
        return render(request, reply, session, formError(err));
      }
      return reply.redirect("/integrations?done=disconnected", 303);
    },
  );
}
