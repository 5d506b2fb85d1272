import type { FastifyInstance } from "fastify";
import { createUser, listUsers } from "../../accounts/index.js";
import { type AppDeps, requestCtx } from "../../http/deps.js";
import { isSecure } from "../auth.js";
import { csrfToken, verifyCsrf } from "../csrf.js";
import { adminTabs, requireAdmin } from "../guards.js";
import { html } from "../html.js";
import { page } from "../layout.js";

/** `/admin/users`: list every user, create users (optionally admins). */
export function registerAdminUserPages(app: FastifyInstance, deps: AppDeps): void {
  app.get("/admin/users", async (request, reply) => {
    const session = await requireAdmin(deps, request, reply);
    if (!session) return reply;
    const users = await listUsers({ ctx: requestCtx(deps, request) });
    const csrf = csrfToken(request, reply, deps.secret, isSecure(deps));
    const body = html`<h1>Administration</h1>${adminTabs("users")}
<div class="card"><table><thead><tr><th>Name</th><th>Email</th><th>Admin</th></tr></thead><tbody>
${users.map((u) => html`<tr><td>${u.name}</td><td>${u.email}</td><td>${u.is_admin ? "yes" : "no"}</td></tr>`)}
</tbody></table></div>
<div class="card"><h2>New user</h2>
<form method="post" action="/admin/users"><input type="hidden" name="_csrf" value="${csrf}">
<label for="email">Email</label><input id="email" name="email" type="email" required>
<label for="name">Name</label><input id="name" name="name" required>
<label for="password">Initial password (at least 12 characters)</label><input id="password" name="password" type="password" minlength="12" required autocomplete="new-password">
<label><input type="checkbox" name="is_admin" value="1"> Administrator</label>
<button type="submit">Create user</button></form></div>`;
    return reply
      .type("text/html; charset=utf-8")
      .send(page({ title: "Users", user: session.user, current: "admin", csrf, body }));
  });
  app.post("/admin/users", async (request, reply) => {
    const session = await requireAdmin(deps, request, reply);
    if (!session) return reply;
    verifyCsrf(request, deps.secret, deps.config.publicUrl);
    const f = (request.body ?? {}) as Record<string, unknown>;
    await createUser({
      ctx: requestCtx(deps, request),
      input: {
        email: String(f.email ?? ""),
        name: String(f.name ?? ""),
        password: String(f.password ?? ""),
        isAdmin: f.is_admin === "1",
      },
    });
    return reply.redirect("/admin/users", 303);
  });
}
