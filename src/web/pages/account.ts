import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { changePassword } from "../../accounts/index.js";
import { toAppError } from "../../http/errors.js";
import { type AppDeps, requestCtx } from "../../http/deps.js";
import { isSecure, requireSession } from "../auth.js";
import { csrfToken, verifyCsrf } from "../csrf.js";
import { html } from "../html.js";
import { page } from "../layout.js";

/** `/account`: the signed-in user's own settings (password change; other sessions end on change). */
export function registerAccountPage(app: FastifyInstance, deps: AppDeps): void {
  const render = async (
    request: FastifyRequest,
    reply: FastifyReply,
    notice?: { ok: boolean; text: string },
  ) => {
    const session = await requireSession(deps, request, reply);
    if (!session) return reply;
    const csrf = csrfToken(request, reply, deps.secret, isSecure(deps));
    const body = html`<h1>Your account</h1>
${notice ? html`<p role="${notice.ok ? "status" : "alert"}" class="${notice.ok ? "ok" : "error"}">${notice.text}</p>` : ""}
<div class="card"><h2>Change password</h2>
<form method="post" action="/account/password">
<input type="hidden" name="_csrf" value="${csrf}">
<label for="current_password">Current password</label>
<input id="current_password" name="current_password" type="password" autocomplete="current-password" required>
<label for="new_password">New password (at least 12 characters)</label>
<input id="new_password" name="new_password" type="password" autocomplete="new-password" minlength="12" required>
<button type="submit">Change password</button>
</form></div>`;
    return reply
      .code(notice && !notice.ok ? 400 : 200)
      .type("text/html; charset=utf-8")
      .send(page({ title: "Account", user: session.user, csrf, body }));
  };
  app.get("/account", async (request, reply) => render(request, reply));
  app.post("/account/password", async (request, reply) => {
    const session = await requireSession(deps, request, reply);
    if (!session) return reply;
    verifyCsrf(request, deps.secret, deps.config.publicUrl);
    const form = (request.body ?? {}) as Record<string, unknown>;
    try {
      await changePassword({
        ctx: requestCtx(deps, request),
        input: {
          userId: session.user.id,
          currentPassword: String(form.current_password ?? ""),
          newPassword: String(form.new_password ?? ""),
          keepSessionHash: session.idHash,
        },
      });
    } catch (err) {
      const e = toAppError(err);
      if (e.status >= 500) throw err;
      return render(request, reply, { ok: false, text: e.message });
    }
    return render(request, reply, {
      ok: true,
      text: "Password changed. Your other sessions were signed out.",
    });
  });
}
