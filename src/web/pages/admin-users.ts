import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { createUser, listUsers, PASSWORD_MIN, type ResolvedSession, setAdmin } from "../../accounts/index.js";
import { type AppDeps, requestCtx } from "../../http/deps.js";
import { isSecure } from "../auth.js";
import { csrfToken, verifyCsrf } from "../csrf.js";
import { adminTabs, field, formError, requireAdmin } from "../guards.js";
import { html } from "../html.js";
import { flashOf, page } from "../layout.js";

const DONE: Record<string, string> = { created: "User created.", admin: "Administrator rights changed." };

/** `/admin/users`: list every user, create users (optionally admins), grant or take away admin rights. */
export function registerAdminUserPages(app: FastifyInstance, deps: AppDeps): void {
  const render = async (
    request: FastifyRequest,
    reply: FastifyReply,
    session: ResolvedSession,
    o: {
      error?: { status: number; text: string };
      form?: { email: string; name: string; admin: boolean };
    } = {},
  ) => {
    const users = await listUsers({ ctx: requestCtx(deps, request) });
    const csrf = csrfToken(request, reply, deps.secret, isSecure(deps));
    const f = o.form ?? { email: "", name: "", admin: false };
    const done = DONE[String((request.query as Record<string, unknown>)?.done ?? "")];
    const body = html`<h1>Administration</h1>${adminTabs("users")}
<div class="card"><table><thead><tr><th>Name</th><th>Email</th><th>Admin</th><th><span class="sr-only">Actions</span></th></tr></thead><tbody>
${users.map(
  (u) =>
    html`<tr><td>${u.name}</td><td>${u.email}</td><td>${u.is_admin ? "yes" : "no"}</td><td>${
      u.id === session.user.id
        ? html`<span class="muted">you</span>`
        : html`<form method="post" action="/admin/users/${u.id}/admin" class="inline"><input type="hidden" name="_csrf" value="${csrf}">
<input type="hidden" name="is_admin" value="${u.is_admin ? "0" : "1"}"><button type="submit" class="secondary" aria-label="${u.is_admin ? "Remove administrator rights of" : "Make administrator:"} ${u.email}">${u.is_admin ? "Remove admin" : "Make admin"}</button></form>`
    }</td></tr>`,
)}
</tbody></table></div>
<div class="card"><h2>New user</h2>
<form method="post" action="/admin/users"><input type="hidden" name="_csrf" value="${csrf}">
<label for="email">Email</label><input id="email" name="email" type="email" required value="${f.email}">
<label for="name">Name</label><input id="name" name="name" required value="${f.name}">
<label for="password">Initial password <span class="hint">(at least ${PASSWORD_MIN} characters)</span></label><input id="password" name="password" type="password" minlength="${PASSWORD_MIN}" required autocomplete="new-password">
<label><input type="checkbox" name="is_admin" value="1" ${f.admin ? "checked" : ""}> Administrator</label>
<button type="submit">Create user</button></form></div>`;
    return reply
      .code(o.error?.status ?? 200)
      .type("text/html; charset=utf-8")
      .send(
        page({
          title: "Users",
          user: session.user,
          current: "admin",
          csrf,
          body,
          flash: flashOf(o.error, done),
        }),
      );
  };

  app.get("/admin/users", async (request, reply) => {
    const session = await requireAdmin(deps, request, reply);
    if (!session) return reply;
    return render(request, reply, session);
  });

  app.post("/admin/users", async (request, reply) => {
    const session = await requireAdmin(deps, request, reply);
    if (!session) return reply;
    verifyCsrf(request, deps.secret, deps.config.publicUrl);
    const form = {
      email: field(request.body, "email"),
      name: field(request.body, "name"),
      admin: field(request.body, "is_admin") === "1",
    };
    try {
      await createUser({
        ctx: requestCtx(deps, request),
        input: {
          email: form.email,
          name: form.name,
          password: field(request.body, "password"),
          isAdmin: form.admin,
        },
      });
    } catch (err) {
      return render(request, reply, session, { error: formError(err), form });
    }
    return reply.redirect("/admin/users?done=created", 303);
  });

  app.post<{ Params: { userId: string } }>("/admin/users/:userId/admin", async (request, reply) => {
    const session = await requireAdmin(deps, request, reply);
    if (!session) return reply;
    verifyCsrf(request, deps.secret, deps.config.publicUrl);
    try {
      await setAdmin({
        ctx: requestCtx(deps, request),
        input: {
          actorUserId: session.user.id,
          userId: request.params.userId,
          isAdmin: field(request.body, "is_admin") === "1",
        },
      });
    } catch (err) {
      return render(request, reply, session, { error: formError(err) });
    }
    return reply.redirect("/admin/users?done=admin", 303);
  });
}
