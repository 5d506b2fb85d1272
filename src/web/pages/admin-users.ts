import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import {
  createUser,
  listUsers,
  PASSWORD_MIN,
  type ResolvedSession,
  setAdmin,
  setUserDisabled,
  setUserPassword,
  type UserView,
} from "../../accounts/index.js";
import { randomToken } from "../../core/crypto.js";
import { AppError } from "../../core/errors.js";
import { type AppDeps, requestCtx } from "../../http/deps.js";
import { isSecure } from "../auth.js";
import { csrfToken, verifyCsrf } from "../csrf.js";
import { adminTabs, field, formError, requireAdmin } from "../guards.js";
import { html, scrollBox } from "../html.js";
import { flashOf, page } from "../layout.js";
import { isConfirmed, sendConfirmStep } from "./confirm.js";

type PU = { Params: { userId: string } };
const DONE: Record<string, string> = {
  created: "User created.",
  admin: "Administrator rights changed.",
  disabled: "User disabled: signed out everywhere, and their connected apps were disconnected.",
  enabled: "User enabled: they can sign in again (apps must be connected anew).",
};

/**
 * `/admin/users`: list every user, create users (optionally admins), grant or take away admin rights,
 * reset a password (a generated one, shown once), disable or enable an account. Reset and disable ask
 * for confirmation first.
 *
 * Why a generated password rather than one the admin types: it always meets the policy, the admin
 * does not have to invent (and perhaps reuse) one, and it exists only on that one page; the user then
 * picks their own on the Account page.
 */
export function registerAdminUserPages(app: FastifyInstance, deps: AppDeps): void {
  const render = async (
    request: FastifyRequest,
    reply: FastifyReply,
    session: ResolvedSession,
    o: {
      error?: { status: number; text: string };
      form?: { email: string; name: string; admin: boolean };
      /** A password just set by a reset, shown once. */
      reset?: { user: UserView; password: string };
    } = {},
  ) => {
    const users = await listUsers({ ctx: requestCtx(deps, request) });
    const csrf = csrfToken(request, reply, deps.secret, isSecure(deps));
    const f = o.form ?? { email: "", name: "", admin: false };
    const done = DONE[String((request.query as Record<string, unknown>)?.done ?? "")];
    const action = (u: UserView, path: string, label: string, aria: string, kind = "secondary", extra = "") =>
      html`<form method="post" action="/admin/users/${u.id}/${path}" class="inline"><input type="hidden" name="_csrf" value="${csrf}">${extra ? html`<input type="hidden" name="is_admin" value="${extra}">` : ""}
<button type="submit" class="${kind}">${label}<span class="sr-only">${aria} ${u.email}</span></button></form> `;
    const body = html`<h1>Administration</h1>${adminTabs("users")}
${
  o.reset
    ? html`<div class="card" id="new-password" role="status"><h2>New password for ${o.reset.user.name}</h2>
<p>Give it to ${o.reset.user.email} by a safe channel: it is shown only this once. Their sessions have ended; they can
choose their own password on the Account page after signing in.</p>
<code class="secret" data-testid="new-password">${o.reset.password}</code></div>`
    : ""
}
<div class="card">${scrollBox(
      "Users",
      html`<table><thead><tr><th>Name</th><th>Email</th><th>Admin</th><th>Status</th><th><span class="sr-only">Actions</span></th></tr></thead><tbody>
${users.map(
  (u) =>
    html`<tr data-user="${u.id}"><td>${u.name}</td><td>${u.email}</td><td>${u.is_admin ? "yes" : "no"}</td>
<td>${u.disabled ? html`<span class="badge bad">disabled</span>` : html`<span class="badge ok">active</span>`}</td><td>${
      u.id === session.user.id
        ? html`<span class="muted">you</span>`
        : html`${action(
            u,
            "admin",
            u.is_admin ? "Remove admin" : "Make admin",
            u.is_admin ? " rights of" : ":",
            "secondary",
            u.is_admin ? "0" : "1",
          )}${action(u, "password", "Reset password", " of")}${
            u.disabled
              ? action(u, "enable", "Enable", " the account of")
              : action(u, "disable", "Disable", " the account of", "danger")
          }`
    }</td></tr>`,
)}
</tbody></table>`,
    )}</div>
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

  /** The user an admin acts on, by id (from the list); unknown → `user_not_found`. */
  const target = async (request: FastifyRequest<PU>): Promise<UserView> => {
    const u = (await listUsers({ ctx: requestCtx(deps, request) })).find(
      (x) => x.id === request.params.userId,
    );
    if (!u) throw new AppError("user_not_found", "No such user");
    return u;
  };

  app.post<PU>("/admin/users/:userId/password", async (request, reply) => {
    const session = await requireAdmin(deps, request, reply);
    if (!session) return reply;
    verifyCsrf(request, deps.secret, deps.config.publicUrl);
    try {
      const u = await target(request);
      if (!isConfirmed(request.body)) {
        return sendConfirmStep(reply, {
          title: `Reset the password of ${u.name}?`,
          detail: `A new password is generated and shown to you once. ${u.email} is signed out everywhere and can only sign in with the new password; their connected apps keep working.`,
          action: `/admin/users/${u.id}/password`,
          confirmLabel: "Reset password",
          cancelHref: "/admin/users",
          user: session.user,
          current: "admin",
          csrf: csrfToken(request, reply, deps.secret, isSecure(deps)),
        });
      }
      // 20 characters from 120 random bits: over the minimum, and easy enough to read out.
      const password = randomToken(15);
      const { user } = await setUserPassword(requestCtx(deps, request), { email: u.email, password });
      return render(request, reply, session, { reset: { user, password } });
    } catch (err) {
      return render(request, reply, session, { error: formError(err) });
    }
  });

  for (const act of ["disable", "enable"] as const) {
    app.post<PU>(`/admin/users/:userId/${act}`, async (request, reply) => {
      const session = await requireAdmin(deps, request, reply);
      if (!session) return reply;
      verifyCsrf(request, deps.secret, deps.config.publicUrl);
      try {
        const u = await target(request);
        if (act === "disable" && !isConfirmed(request.body)) {
          return sendConfirmStep(reply, {
            title: `Disable ${u.name}?`,
            detail: `${u.email} is signed out at once and cannot sign in. Every app they connected is disconnected (its tokens stop working and its webhooks pause). Enabling the account later restores sign-in; apps must then be connected again.`,
            action: `/admin/users/${u.id}/disable`,
            confirmLabel: "Disable account",
            cancelHref: "/admin/users",
            user: session.user,
            current: "admin",
            csrf: csrfToken(request, reply, deps.secret, isSecure(deps)),
          });
        }
        await setUserDisabled(requestCtx(deps, request), {
          email: u.email,
          disabled: act === "disable",
          actorUserId: session.user.id,
        });
      } catch (err) {
        return render(request, reply, session, { error: formError(err) });
      }
      return reply.redirect(`/admin/users?done=${act}d`, 303);
    });
  }
}
