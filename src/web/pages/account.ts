import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { answerInvitation, changePassword, listMyInvitations, PASSWORD_MIN } from "../../accounts/index.js";
import { toAppError } from "../../http/errors.js";
import { type AppDeps, requestCtx } from "../../http/deps.js";
import { isKnownDevice, isSecure, requireSession } from "../auth.js";
import { csrfToken, verifyCsrf } from "../csrf.js";
import { when } from "../guards.js";
import { html, scrollBox } from "../html.js";
import { page } from "../layout.js";

/** `/account`: the signed-in user's own settings (password change; other sessions end on change). */
export function registerAccountPage(app: FastifyInstance, deps: AppDeps): void {
  const render = async (
    request: FastifyRequest,
    reply: FastifyReply,
    notice?: { ok: boolean; text: string; status?: number },
  ) => {
    const session = await requireSession(deps, request, reply);
    if (!session) return reply;
    const csrf = csrfToken(request, reply, deps.secret, isSecure(deps));
    const invitations = await listMyInvitations({
      ctx: requestCtx(deps, request),
      input: { userId: session.user.id },
    });
    const body = html`<h1>Your account</h1>
${
  invitations.length > 0
    ? html`<div class="card" id="invitations"><h2>Invitations</h2>
<p class="muted">You become a member of a location only if you accept. A location you did not expect may be someone
posing as a colleague: decline it.</p>
${scrollBox(
  "Invitations",
  html`<table><thead><tr><th>Location</th><th>Role</th><th>Invited by</th><th>When</th><th><span class="sr-only">Actions</span></th></tr></thead><tbody>
${invitations.map(
  (
    i,
  ) => html`<tr data-invitation="${i.id}"><td><strong>${i.location_name}</strong></td><td>${i.role}</td><td>${i.invited_by ?? "—"}</td><td>${when(i.created_at)}</td>
<td><form method="post" action="/account/invitations/${i.id}/accept" class="inline"><input type="hidden" name="_csrf" value="${csrf}">
<button type="submit" aria-label="Accept the invitation to ${i.location_name}">Accept</button></form>
<form method="post" action="/account/invitations/${i.id}/decline" class="inline"><input type="hidden" name="_csrf" value="${csrf}">
<button type="submit" class="secondary" aria-label="Decline the invitation to ${i.location_name}">Decline</button></form></td></tr>`,
)}</tbody></table>`,
)}</div>`
    : ""
}
<div class="card"><h2>Change password</h2>
<form method="post" action="/account/password">
<input type="hidden" name="_csrf" value="${csrf}">
<label for="current_password">Current password</label>
<input id="current_password" name="current_password" type="password" autocomplete="current-password" required>
<label for="new_password">New password <span class="hint">(at least ${PASSWORD_MIN} characters)</span></label>
<input id="new_password" name="new_password" type="password" autocomplete="new-password" minlength="${PASSWORD_MIN}" required>
<button type="submit">Change password</button>
</form></div>`;
    return reply
      .code(notice && !notice.ok ? (notice.status ?? 400) : 200)
      .type("text/html; charset=utf-8")
      .send(
        page({
          title: "Account",
          user: session.user,
          csrf,
          body,
          flash: notice ? { kind: notice.ok ? "ok" : "error", text: notice.text } : undefined,
        }),
      );
  };
  app.get("/account", async (request, reply) => render(request, reply));
  for (const answer of ["accept", "decline"] as const) {
    app.post<{ Params: { id: string } }>(`/account/invitations/:id/${answer}`, async (request, reply) => {
      const session = await requireSession(deps, request, reply);
      if (!session) return reply;
      verifyCsrf(request, deps.secret, deps.config.publicUrl);
      try {
        const r = await answerInvitation({
          ctx: requestCtx(deps, request),
          input: { userId: session.user.id, invitationId: request.params.id, accept: answer === "accept" },
        });
        if (answer === "accept") return reply.redirect(`/locations/${r.locationId}/phones`, 303);
      } catch (err) {
        const e = toAppError(err);
        if (e.status >= 500) throw err;
        return render(request, reply, { ok: false, text: e.message });
      }
      return render(request, reply, { ok: true, text: "Invitation declined." });
    });
  }
  app.post("/account/password", async (request, reply) => {
    const session = await requireSession(deps, request, reply);
    if (!session) return reply;
    verifyCsrf(request, deps.secret, deps.config.publicUrl);
    const form = (request.body ?? {}) as Record<string, unknown>;
    const ctx = requestCtx(deps, request);
    try {
      await changePassword({
        ctx,
        input: {
          userId: session.user.id,
          currentPassword: String(form.current_password ?? ""),
          newPassword: String(form.new_password ?? ""),
          keepSessionHash: session.idHash,
          ip: request.ip,
          knownDevice: isKnownDevice(deps, request, session.user.email, ctx.clock.now()),
        },
      });
    } catch (err) {
      const e = toAppError(err);
      if (e.status >= 500) throw err;
      if (e.retryAfter !== undefined) reply.header("retry-after", String(Math.ceil(e.retryAfter)));
      return render(request, reply, { ok: false, text: e.message, status: e.status === 429 ? 429 : 400 });
    }
    return render(request, reply, {
      ok: true,
      text: "Password changed. Your other sessions were signed out.",
    });
  });
}
