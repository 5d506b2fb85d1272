import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ResolvedSession } from "../../accounts/index.js";
import { AppError } from "../../core/errors.js";
import { type AppDeps, requestCtx } from "../../http/deps.js";
import {
  clientUsage,
  createClient,
  isScope,
  listClients,
  finishSecretRotation,
  rotateClientSecret,
  SCOPES,
  SCOPE_TEXT,
  setClientDisabled,
  updateClient,
} from "../../oauth/index.js";
import { isSecure } from "../auth.js";
import { csrfToken, verifyCsrf } from "../csrf.js";
import { adminTabs, field, fields, formError, requireAdmin, when } from "../guards.js";
import { html, scrollBox } from "../html.js";
import { flashOf, page } from "../layout.js";
import { isConfirmed, sendConfirmStep } from "./confirm.js";

type PC = { Params: { clientId: string } };
const DONE: Record<string, string> = {
  saved: "App saved.",
  disabled: "App disabled; every connection it had was revoked.",
  enabled: "App enabled again. Users need to connect it anew.",
  finished: "Rotation finished: the old secret no longer works.",
};

interface RenderOpts {
  error?: { status: number; text: string; clientId?: string };
  /** A secret to show once (new app or rotation). */
  secret?: { clientId: string; secret: string; name: string; rotated: boolean };
  form?: { name: string; redirects: string; scopes: string[]; pkce: boolean };
  edit?: { redirects: string; name: string };
}

/**
 * Redirect URIs of the automation platforms, one click away (a GET, so it works without JavaScript):
 * the form comes back with the name and URI filled in, still editable. Zapier's and n8n's contain a
 * part only the admin knows (`<…>`), which the server refuses until it is replaced.
 */
const PRESETS: Record<string, { name: string; uri: string; hint: string }> = {
  make: {
    name: "Make",
    uri: "https://www.make.com/oauth/cb/app",
    hint: "Make's fixed callback; use it as it is.",
  },
  zapier: {
    name: "Zapier",
    uri: "https://zapier.com/dashboard/auth/oauth/return/App<ID>CLIAPI/",
    hint: "Replace <ID> with your integration's number: copy the exact URL from Zapier's Authentication page.",
  },
  n8n: {
    name: "n8n",
    uri: "https://<your-n8n>/rest/oauth2-credential/callback",
    hint: "Replace <your-n8n> with your n8n's address (one app per n8n instance); n8n shows it as the OAuth Redirect URL.",
  },
};

function lines(text: string): string[] {
  return text
    .split(/[\r\n]+/)
    .map((l) => l.trim())
    .filter(Boolean);
}

/**
 * `/admin/apps`: OAuth clients (the integrations that may ask users to connect). Create one (its secret
 * is shown once), edit name and redirect URIs, rotate the secret (the old one keeps working until the next
 * rotation), disable (revokes every grant) or enable.
 */
export function registerAdminAppPages(app: FastifyInstance, deps: AppDeps): void {
  const render = async (
    request: FastifyRequest,
    reply: FastifyReply,
    session: ResolvedSession,
    o: RenderOpts = {},
  ) => {
    const csrf = csrfToken(request, reply, deps.secret, isSecure(deps));
    const ctx = requestCtx(deps, request);
    const [clients, usage] = await Promise.all([listClients({ ctx }), clientUsage({ ctx })]);
    const done = DONE[String((request.query as Record<string, unknown>)?.done ?? "")];
    const preset = PRESETS[field(request.query, "preset")];
    const f = o.form ?? {
      name: preset?.name ?? "",
      redirects: preset?.uri ?? "",
      scopes: [],
      pkce: false,
    };
    const body = html`<h1>Administration</h1>${adminTabs("apps")}
${
  o.secret
    ? html`<div class="card" id="secret" role="status"><h2>${o.secret.rotated ? "New secret for" : "Created"} ${o.secret.name}</h2>
<p>Copy the secret now: it is shown only this once and stored only as a hash.${o.secret.rotated ? " The previous secret keeps working until you finish the rotation (or rotate again), so deployed integrations can switch over; once they use the new one, press “Finish rotation” to revoke the old secret." : ""}</p>
<dl class="kv"><dt>client_id</dt><dd><code class="secret" data-testid="client-id">${o.secret.clientId}</code></dd>
<dt>client_secret</dt><dd><code class="secret" data-testid="client-secret">${o.secret.secret}</code></dd>
<dt>Authorize URL</dt><dd class="mono">${deps.config.publicUrl}/oauth/authorize</dd>
<dt>Token URL</dt><dd class="mono">${deps.config.publicUrl}/oauth/token</dd></dl></div>`
    : ""
}
<div class="card"><h2>OAuth apps</h2>
<p>Each integration (Make, Zapier, n8n, your own code) is an app here. Give its developers the <a href="/docs">API reference</a>.</p>
${
  clients.length === 0
    ? html`<p class="muted">No app yet.</p>`
    : scrollBox(
        "OAuth apps",
        html`<table><thead><tr><th>App</th><th>Redirect URIs</th><th>Scopes</th><th>Status</th><th>Connections</th><th><span class="sr-only">Actions</span></th></tr></thead><tbody>
${clients.map((c) => {
  const err = o.error?.clientId === c.client_id ? o.error : undefined;
  const redirects = err && o.edit ? o.edit.redirects : c.redirect_uris.join("\n");
  return html`<tr data-client="${c.client_id}"><td><strong>${c.name}</strong><div class="mono muted">${c.client_id}</div>
<div class="muted">created ${when(c.created_at)}${c.require_pkce ? " · PKCE required" : ""}</div></td>
<td>${c.redirect_uris.map((u) => html`<div class="mono">${u}</div>`)}
<details ${err ? "open" : ""}><summary>Edit</summary>
<form method="post" action="/admin/apps/${c.client_id}/edit"><input type="hidden" name="_csrf" value="${csrf}">
${err ? html`<p class="flash error" role="alert">${err.text}</p>` : ""}
<label for="name-${c.client_id}">Name</label><input id="name-${c.client_id}" name="name" value="${err && o.edit ? o.edit.name : c.name}" required maxlength="100">
<label for="ru-${c.client_id}">Redirect URIs <span class="hint">(one per line)</span></label>
<textarea id="ru-${c.client_id}" name="redirect_uris" rows="3" required>${redirects}</textarea>
<div class="actions"><button type="submit">Save</button></div></form></details></td>
<td>${c.scopes.split(" ").map((s) => html`<div class="mono">${s}</div>`)}</td>
<td>${c.disabled_at ? html`<span class="badge bad">disabled</span>` : html`<span class="badge ok">active</span>`}${c.rotating ? html` <span class="badge warn">old secret still valid</span>` : ""}</td>
<td data-testid="usage">${usage.get(c.client_id)?.connections ?? 0}<div class="muted">last used ${
    usage.get(c.client_id)?.last_used_at ? when(usage.get(c.client_id)?.last_used_at ?? null) : "never"
  }</div></td>
<td><form method="post" action="/admin/apps/${c.client_id}/rotate" class="inline"><input type="hidden" name="_csrf" value="${csrf}">
<button type="submit" class="secondary">Rotate secret<span class="sr-only"> of ${c.name}</span></button></form>
${
  c.rotating
    ? html`<form method="post" action="/admin/apps/${c.client_id}/finish-rotation" class="inline"><input type="hidden" name="_csrf" value="${csrf}">
<button type="submit" class="danger">Finish rotation<span class="sr-only"> of ${c.name}: revoke its old secret</span></button></form>
`
    : ""
}<form method="post" action="/admin/apps/${c.client_id}/${c.disabled_at ? "enable" : "disable"}" class="inline"><input type="hidden" name="_csrf" value="${csrf}">
<button type="submit" class="${c.disabled_at ? "secondary" : "danger"}" aria-label="${c.disabled_at ? "Enable" : "Disable"} ${c.name}">${c.disabled_at ? "Enable" : "Disable"}</button></form></td></tr>`;
})}</tbody></table>`,
      )
}</div>
<div class="card" id="new-app"><h2>New OAuth app</h2>
<form method="get" action="/admin/apps#new-app" class="presets"><span class="muted">Start from a preset:</span>
${Object.entries(PRESETS).map(
  ([k, p]) => html` <button type="submit" name="preset" value="${k}" class="secondary">${p.name}</button>`,
)}</form>
${preset ? html`<p class="muted" data-testid="preset-hint">${preset.hint}</p>` : ""}
<form method="post" action="/admin/apps"><input type="hidden" name="_csrf" value="${csrf}">
<label for="name">Name <span class="hint">(shown to users on the consent page)</span></label><input id="name" name="name" required maxlength="100" value="${f.name}">
<label for="redirect_uris">Redirect URIs <span class="hint">(one per line; https, or http on localhost; matched exactly)</span></label>
<textarea id="redirect_uris" name="redirect_uris" rows="3" required>${f.redirects}</textarea>
<fieldset class="checks"><legend>Scopes it may ask for <span class="muted">(none ticked = all)</span></legend>
${SCOPES.map((s) => html`<label><input type="checkbox" name="scope" value="${s}" ${f.scopes.includes(s) ? "checked" : ""}> <span class="mono">${s}</span> <span class="muted">${SCOPE_TEXT[s]}</span></label>`)}
</fieldset>
<div class="checks"><label><input type="checkbox" name="require_pkce" value="1" ${f.pkce ? "checked" : ""}> Require PKCE</label></div>
<div class="actions"><button type="submit">Create app</button></div></form></div>`;
    const general = o.error && !o.error.clientId ? o.error : undefined;
    return reply
      .code(o.error?.status ?? 200)
      .type("text/html; charset=utf-8")
      .header("cache-control", "no-store")
      .send(
        page({
          title: "OAuth apps",
          user: session.user,
          current: "admin",
          csrf,
          body,
          flash: flashOf(general, done),
        }),
      );
  };

  app.get("/admin", async (request, reply) => {
    const session = await requireAdmin(deps, request, reply);
    if (!session) return reply;
    return reply.redirect("/admin/users", 303);
  });

  app.get("/admin/apps", async (request, reply) => {
    const session = await requireAdmin(deps, request, reply);
    if (!session) return reply;
    return render(request, reply, session);
  });

  app.post("/admin/apps", async (request, reply) => {
    const session = await requireAdmin(deps, request, reply);
    if (!session) return reply;
    verifyCsrf(request, deps.secret, deps.config.publicUrl);
    const form = {
      name: field(request.body, "name"),
      redirects: field(request.body, "redirect_uris"),
      scopes: fields(request.body, "scope").filter(isScope),
      pkce: field(request.body, "require_pkce") === "1",
    };
    try {
      const c = await createClient({
        ctx: requestCtx(deps, request),
        input: {
          name: form.name,
          redirectUris: lines(form.redirects),
          scopes: form.scopes.join(" "),
          requirePkce: form.pkce,
          createdBy: session.user.id,
        },
      });
      return render(request, reply, session, {
        secret: { clientId: c.client_id, secret: c.client_secret, name: c.name, rotated: false },
      });
    } catch (err) {
      return render(request, reply, session, { error: formError(err), form });
    }
  });

  app.post<PC>("/admin/apps/:clientId/edit", async (request, reply) => {
    const session = await requireAdmin(deps, request, reply);
    if (!session) return reply;
    verifyCsrf(request, deps.secret, deps.config.publicUrl);
    const edit = { name: field(request.body, "name"), redirects: field(request.body, "redirect_uris") };
    try {
      await updateClient({
        ctx: requestCtx(deps, request),
        input: { clientId: request.params.clientId, name: edit.name, redirectUris: lines(edit.redirects) },
      });
    } catch (err) {
      return render(request, reply, session, {
        error: { ...formError(err), clientId: request.params.clientId },
        edit,
      });
    }
    return reply.redirect("/admin/apps?done=saved", 303);
  });

  app.post<PC>("/admin/apps/:clientId/rotate", async (request, reply) => {
    const session = await requireAdmin(deps, request, reply);
    if (!session) return reply;
    verifyCsrf(request, deps.secret, deps.config.publicUrl);
    try {
      const ctx = requestCtx(deps, request);
      const r = await rotateClientSecret({ ctx, input: { clientId: request.params.clientId } });
      const name = (await listClients({ ctx })).find((c) => c.client_id === r.client_id)?.name ?? r.client_id;
      return render(request, reply, session, {
        secret: { clientId: r.client_id, secret: r.client_secret, name, rotated: true },
      });
    } catch (err) {
      return render(request, reply, session, { error: formError(err) });
    }
  });

  app.post<PC>("/admin/apps/:clientId/finish-rotation", async (request, reply) => {
    const session = await requireAdmin(deps, request, reply);
    if (!session) return reply;
    verifyCsrf(request, deps.secret, deps.config.publicUrl);
    try {
      await finishSecretRotation({
        ctx: requestCtx(deps, request),
        input: { clientId: request.params.clientId },
      });
    } catch (err) {
      return render(request, reply, session, { error: formError(err) });
    }
    return reply.redirect("/admin/apps?done=finished", 303);
  });

  for (const action of ["disable", "enable"] as const) {
    app.post<PC>(`/admin/apps/:clientId/${action}`, async (request, reply) => {
      const session = await requireAdmin(deps, request, reply);
      if (!session) return reply;
      verifyCsrf(request, deps.secret, deps.config.publicUrl);
      try {
        if (action === "disable" && !isConfirmed(request.body)) {
          const c = (await listClients({ ctx: requestCtx(deps, request) })).find(
            (x) => x.client_id === request.params.clientId,
          );
          if (!c) throw new AppError("client_not_found", `No OAuth client ${request.params.clientId}`);
          return sendConfirmStep(reply, {
            title: `Disable ${c.name}?`,
            detail: `Every connection to ${c.name} is revoked at once: its tokens stop working, its webhooks pause, and nobody can connect it until you enable it again. Users then have to connect it anew.`,
            action: `/admin/apps/${c.client_id}/disable`,
            confirmLabel: "Disable app",
            cancelHref: "/admin/apps",
            user: session.user,
            current: "admin",
            csrf: csrfToken(request, reply, deps.secret, isSecure(deps)),
          });
        }
        await setClientDisabled({
          ctx: requestCtx(deps, request),
          input: { clientId: request.params.clientId, disabled: action === "disable" },
        });
      } catch (err) {
        return render(request, reply, session, { error: formError(err) });
      }
      return reply.redirect(`/admin/apps?done=${action}d`, 303);
    });
  }
}
