import type { LocationView, UserView } from "../../accounts/index.js";
import { SCOPE_TEXT, type Scope } from "../../oauth/index.js";
import { html } from "../html.js";
import { page } from "../layout.js";

export interface ConsentView {
  user: UserView;
  appName: string;
  scopes: Scope[];
  locations: LocationView[];
  /** Locations to show ticked (on first display: the only one, or none when the user has several). */
  checked: Set<string>;
  csrf: string;
  /** The original authorization request's query string, re-validated when the form comes back. */
  request: string;
  error?: string;
}

/** "<App> wants to use your account": what it may do, where (user may narrow), Allow / Deny. */
export function consentPage(v: ConsentView): string {
  const none = v.locations.length === 0;
  return page({
    title: `Allow ${v.appName}?`,
    narrow: true,
    flash: v.error ? { kind: "error", text: v.error } : undefined,
    body: html`<div class="card"><h1>Allow <strong>${v.appName}</strong> to use your account?</h1>
<p class="muted">Signed in as ${v.user.name} (${v.user.email}).</p>
<form method="post" action="/oauth/authorize">
<input type="hidden" name="_csrf" value="${v.csrf}"><input type="hidden" name="request" value="${v.request}">
<h2>${v.appName} will be able to</h2>
<ul class="scopes">${v.scopes.map((s) => html`<li>${SCOPE_TEXT[s]} <span class="muted mono">(${s})</span></li>`)}</ul>
<h2>For these locations</h2>
${
  none
    ? html`<p>You have no locations yet, so there is nothing to connect. Create one on the dashboard first.</p>`
    : html`<fieldset class="checks"><legend class="muted">Tick the locations this app may reach (at least one).</legend>
${v.locations.map(
  (l) =>
    html`<label><input type="checkbox" name="location" value="${l.id}" ${v.checked.has(l.id) ? "checked" : ""}> ${l.name}</label>`,
)}</fieldset>`
}
<p class="muted">You can disconnect this app at any time from the dashboard.</p>
<div class="actions">${none ? "" : html`<button type="submit" name="decision" value="allow">Allow</button>`}
<button type="submit" name="decision" value="deny" class="secondary" formnovalidate>Deny</button></div>
</form></div>`,
  });
}

/** An authorization request we must not redirect back from (bad client or redirect URI). */
export function authorizeErrorPage(message: string): string {
  return page({
    title: "Cannot connect this app",
    narrow: true,
    body: html`<div class="card"><h1>Cannot connect this app</h1><p>${message}</p>
<p class="muted">The link that brought you here is wrong or out of date. Go back to the app and try again,
or tell its developer.</p><p><a href="/">Go to the dashboard</a></p></div>`,
  });
}
