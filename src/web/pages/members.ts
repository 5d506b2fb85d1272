import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import {
  addMember,
  cancelInvitation,
  listLocationInvitations,
  listMembers,
  type PendingInvitationView,
  removeMember,
  type Role,
} from "../../accounts/index.js";
import { AppError } from "../../core/errors.js";
import { type AppDeps, requestCtx } from "../../http/deps.js";
import { isSecure } from "../auth.js";
import { csrfToken, verifyCsrf } from "../csrf.js";
import { field, formError, type LocationAccess, locationHeader, requireLocation, when } from "../guards.js";
import { html, scrollBox } from "../html.js";
import { flashOf, page } from "../layout.js";
import { isConfirmed, sendConfirmStep } from "./confirm.js";

type P = { Params: { id: string } };
const DONE: Record<string, string> = {
  added: "Member added.",
  role_changed: "Role changed.",
  // The same whether the address has an account or not: the form must not tell who has one.
  invited:
    "Invitation saved. If an account with this email exists, its owner sees the invitation on their account page and can accept it.",
  removed: "Member removed.",
  withdrawn: "Invitation withdrawn.",
};

/**
 * `/locations/:id/members`: who can reach a location and with which role. Every member sees the list;
 * owners invite people by email (they accept on their account page; an administrator adds existing
 * accounts directly), change roles, withdraw invitations and remove members.
 */
export function registerMemberPages(app: FastifyInstance, deps: AppDeps): void {
  const render = async (
    request: FastifyRequest,
    reply: FastifyReply,
    a: LocationAccess,
    opts: { error?: { status: number; text: string }; email?: string } = {},
  ) => {
    const csrf = csrfToken(request, reply, deps.secret, isSecure(deps));
    const members = await listMembers({
      ctx: requestCtx(deps, request),
      input: { actorUserId: a.session.user.id, locationId: a.location.id },
    });
    const invitations: PendingInvitationView[] = a.isOwner
      ? await listLocationInvitations({
          ctx: requestCtx(deps, request),
          input: { actorUserId: a.session.user.id, locationId: a.location.id },
        })
      : [];
    const doneKey = String((request.query as Record<string, unknown>)?.done ?? "");
    const done = DONE[doneKey];
    // A location always keeps an owner: the last one is offered no Remove (the verb refuses it too).
    const owners = members.filter((m) => m.role === "owner").length;
    const body = html`${locationHeader(a, "members", "Members")}
${
  // For an administrator an invitation means no account has that email (existing ones are added at once).
  doneKey === "invited" && a.session.user.is_admin
    ? html`<div class="card" data-testid="no-account"><p>No account has this email yet, so it was saved as an invitation.
Create the account under <a href="/admin/users">Admin → Users</a>, then add it here again to make it a member at once.</p></div>`
    : ""
}
<div class="card">${scrollBox(
      "Members",
      html`<table><thead><tr><th>Name</th><th>Email</th><th>Role</th>${a.isOwner ? html`<th><span class="sr-only">Actions</span></th>` : ""}</tr></thead><tbody>
${members.map(
  (
    m,
  ) => html`<tr><td>${m.name}${m.id === a.session.user.id ? html` <span class="muted">(you)</span>` : ""}</td>
<td>${m.email}</td><td><span class="badge ${m.role === "owner" ? "ok" : ""}">${m.role}</span></td>${
    a.isOwner && m.role === "owner" && owners <= 1
      ? html`<td><span class="muted">only owner</span></td>`
      : a.isOwner
        ? html`<td><form method="post" action="/locations/${a.location.id}/members/${m.id}/remove" class="inline">
<input type="hidden" name="_csrf" value="${csrf}"><button type="submit" class="secondary" aria-label="Remove ${m.email}">Remove</button></form></td>`
        : ""
  }</tr>`,
)}</tbody></table>`,
    )}
${a.isOwner ? "" : html`<p class="muted">Only owners of this location can add or remove members.</p>`}</div>
${
  invitations.length > 0
    ? html`<div class="card"><h2>Invitations not yet accepted</h2>${scrollBox(
        "Invitations not yet accepted",
        html`<table><thead><tr><th>Email</th><th>Role</th><th>Expires</th><th><span class="sr-only">Actions</span></th></tr></thead><tbody>
${invitations.map(
  (i) => html`<tr><td>${i.email}</td><td>${i.role}</td><td>${when(i.expires_at, a.location.time_zone)}</td>
<td><form method="post" action="/locations/${a.location.id}/invitations/${i.id}/cancel" class="inline">
<input type="hidden" name="_csrf" value="${csrf}"><button type="submit" class="secondary" aria-label="Withdraw the invitation of ${i.email}">Withdraw</button></form></td></tr>`,
)}</tbody></table>`,
      )}</div>`
    : ""
}
${
  a.isOwner
    ? html`<div class="card"><h2>Add a member</h2>
<p class="muted">${
        a.session.user.is_admin
          ? "As an administrator you add existing accounts at once; other addresses get an invitation."
          : "The person gets an invitation and becomes a member once they accept it on their account page (they need an account on this installation; an administrator creates it)."
      } Naming someone who is already a member changes their role.</p>
<form method="post" action="/locations/${a.location.id}/members"><input type="hidden" name="_csrf" value="${csrf}">
<label for="email">Email</label><input id="email" name="email" type="email" required value="${opts.email ?? ""}">
<label for="role">Role</label><select id="role" name="role"><option value="member">Member: phones, messages, webhooks</option>
<option value="owner">Owner: also members and renaming</option></select>
<div class="actions"><button type="submit">Add or invite</button></div></form></div>`
    : ""
}`;
    return reply
      .code(opts.error?.status ?? 200)
      .type("text/html; charset=utf-8")
      .send(
        page({
          title: `Members · ${a.location.name}`,
          user: a.session.user,
          current: "locations",
          csrf,
          body,
          flash: flashOf(opts.error, done),
        }),
      );
  };

  app.get<P>("/locations/:id/members", async (request, reply) => {
    const a = await requireLocation(deps, request, reply, request.params.id);
    if (!a) return reply;
    return render(request, reply, a);
  });

  app.post<P>("/locations/:id/members", async (request, reply) => {
    const a = await requireLocation(deps, request, reply, request.params.id);
    if (!a) return reply;
    verifyCsrf(request, deps.secret, deps.config.publicUrl);
    const email = field(request.body, "email");
    try {
      const role = field(request.body, "role") || "member";
      if (role !== "owner" && role !== "member")
        throw new AppError("validation_failed", "role: must be owner or member");
      const outcome = await addMember({
        ctx: requestCtx(deps, request),
        input: { actorUserId: a.session.user.id, locationId: a.location.id, email, role: role as Role },
      });
      return reply.redirect(`/locations/${a.location.id}/members?done=${outcome}`, 303);
    } catch (err) {
      return render(request, reply, a, { error: formError(err), email });
    }
  });

  app.post<{ Params: { id: string; invitationId: string } }>(
    "/locations/:id/invitations/:invitationId/cancel",
    async (request, reply) => {
      const a = await requireLocation(deps, request, reply, request.params.id);
      if (!a) return reply;
      verifyCsrf(request, deps.secret, deps.config.publicUrl);
      try {
        await cancelInvitation({
          ctx: requestCtx(deps, request),
          input: {
            actorUserId: a.session.user.id,
            locationId: a.location.id,
            invitationId: request.params.invitationId,
          },
        });
      } catch (err) {
        return render(request, reply, a, { error: formError(err) });
      }
      return reply.redirect(`/locations/${a.location.id}/members?done=withdrawn`, 303);
    },
  );

  app.post<{ Params: { id: string; userId: string } }>(
    "/locations/:id/members/:userId/remove",
    async (request, reply) => {
      const a = await requireLocation(deps, request, reply, request.params.id);
      if (!a) return reply;
      verifyCsrf(request, deps.secret, deps.config.publicUrl);
      try {
        if (!isConfirmed(request.body)) {
          const ctx = requestCtx(deps, request);
          const members = await listMembers({
            ctx,
            input: { actorUserId: a.session.user.id, locationId: a.location.id },
          });
          const m = members.find((x) => x.id === request.params.userId);
          if (!a.isOwner) throw new AppError("forbidden", "Only an owner of the location may do this");
          if (!m) throw new AppError("user_not_found", "No such member of this location");
          // Said now, rather than after a confirmation that could only fail.
          if (m.role === "owner" && members.filter((x) => x.role === "owner").length <= 1)
            throw new AppError(
              "conflict",
              "A location needs at least one owner: make someone else an owner first",
            );
          const self = m.id === a.session.user.id;
          return sendConfirmStep(reply, {
            title: self ? `Leave ${a.location.name}?` : `Remove ${m.name} from ${a.location.name}?`,
            detail: `${self ? "You lose" : `${m.email} loses`} access to this location's phones, messages and webhooks at once, including through connected apps. Adding ${self ? "you" : "them"} back takes an owner.`,
            action: `/locations/${a.location.id}/members/${m.id}/remove`,
            confirmLabel: self ? "Leave location" : "Remove member",
            cancelHref: `/locations/${a.location.id}/members`,
            user: a.session.user,
            current: "locations",
            csrf: csrfToken(request, reply, deps.secret, isSecure(deps)),
          });
        }
        await removeMember({
          ctx: requestCtx(deps, request),
          input: { actorUserId: a.session.user.id, locationId: a.location.id, userId: request.params.userId },
        });
      } catch (err) {
        return render(request, reply, a, { error: formError(err) });
      }
      // Removing yourself leaves nothing to see here.
      if (request.params.userId === a.session.user.id) return reply.redirect("/locations", 303);
      return reply.redirect(`/locations/${a.location.id}/members?done=removed`, 303);
    },
  );
}
