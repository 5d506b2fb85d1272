import { html, raw, type SafeHtml } from "./html.js";

export interface NavUser {
  name: string;
  email: string;
  is_admin: boolean;
}

export interface PageOptions {
  title: string;
  body: SafeHtml;
  user?: NavUser;
  /** The nav entry to mark as current. */
  current?: string;
  csrf?: string;
  /** Narrow centred column (sign-in, consent, setup). */
  narrow?: boolean;
  flash?: Flash;
  /** The page has `data-live` regions (kept up to date by /assets/app.js, which every page loads). */
  live?: boolean;
}

/**
 * A notice at the top of the page. An error may name the form control it is about (`field`, else read
 * from the text: "phone: …", "since must …") and the form it came from (`form`, its action; else the
 * last form with such a control): that control is then marked invalid and described by the notice.
 */
export type Flash = { kind: "ok" | "error"; text: string; field?: string; form?: string };

/** A page's flash: the form's error if any, else the confirmation of what was just done, else none. */
export function flashOf(
  error: { text: string; field?: string; form?: string } | undefined,
  done: string | undefined,
): Flash | undefined {
  if (error) return { kind: "error", text: error.text, field: error.field, form: error.form };
  return done ? { kind: "ok", text: done } : undefined;
}

/** The field an error message names by the convention of our messages: "phone: …", "since must …". */
export function fieldOf(text: string): string | undefined {
  return /^([A-Za-z][A-Za-z0-9_]*)(?::|\s+(?:must|is)\s)/.exec(text)?.[1];
}

/** The control names a field may have in a form: as named, in snake_case, and as a list (redirect_uris). */
function controlNames(field: string): string[] {
  const snake = field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  return [...new Set([field, snake, `${field}s`, `${snake}s`])];
}

const FORM = /<form\b[^>]*>[\s\S]*?<\/form>/g;
const INLINE_ERROR = /<p class="flash error" role="alert">([^<]*)<\/p>/;

/** Marks the first visible control named `field` in `form` (HTML of one form) as invalid, described by `id`. */
function markControl(form: string, field: string, id: string): string | undefined {
  const names = controlNames(field).join("|");
  const control = new RegExp(
    `<(input|textarea|select)\\b(?=[^>]*\\bname="(?:${names})")(?![^>]*\\btype="hidden")`,
  );
  if (!control.test(form)) return undefined;
  return form.replace(control, (tag) => `${tag} aria-invalid="true" aria-describedby="${id}"`);
}

/**
 * Ties errors to the controls they are about (WCAG 3.3.1): a form's own error paragraph
 * (`<p class="flash error" role="alert">` inside the form) marks the control it names in that form;
 * the page's error notice (id `page-error`) marks the control it names in the form it came from.
 * Returns the body and whether any form error was shown.
 */
function markErrors(body: string, flash: Flash | undefined): { body: string; inline: boolean } {
  let inline = false;
  let n = 0;
  let out = body.replace(FORM, (form) => {
    const m = INLINE_ERROR.exec(form);
    if (!m) return form;
    inline = true;
    const id = `form-error-${++n}`;
    const withId = form.replace(INLINE_ERROR, (p) => p.replace("<p ", `<p id="${id}" `));
    const field = fieldOf(m[1] ?? "");
    return (field && markControl(withId, field, id)) ?? withId;
  });
  const field = flash?.kind === "error" ? (flash.field ?? fieldOf(flash.text)) : undefined;
  if (field) {
    const forms = [...out.matchAll(FORM)]
      .filter((f) => !flash?.form || f[0].includes(` action="${flash.form}"`))
      .reverse();
    for (const f of forms) {
      const marked = markControl(f[0], field, "page-error");
      if (marked === undefined || f.index === undefined) continue;
      out = out.slice(0, f.index) + marked + out.slice(f.index + f[0].length);
      break;
    }
  }
  return { body: out, inline };
}

const NAV: { key: string; href: string; label: string; admin?: boolean }[] = [
  { key: "overview", href: "/", label: "Overview" },
  { key: "locations", href: "/locations", label: "Locations" },
  { key: "phones", href: "/phones", label: "Phones" },
  { key: "messages", href: "/messages", label: "Messages" },
  { key: "integrations", href: "/integrations", label: "Integrations" },
  { key: "admin", href: "/admin", label: "Admin", admin: true },
];

/** A speech bubble on the brand colour, inline (CSP `img-src` allows data:), so no /favicon.ico 404. */
const ICON =
  "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 32 32'%3E%3Crect width='32' height='32' rx='7' fill='%234f46e5'/%3E%3Cpath d='M8 8h16a2 2 0 0 1 2 2v9a2 2 0 0 1-2 2h-8l-6 5v-5H8a2 2 0 0 1-2-2v-9a2 2 0 0 1 2-2z' fill='%23fff'/%3E%3C/svg%3E";

/**
 * The page shell shared by the dashboard and the OAuth sign-in and consent pages. The header's markup
 * is in reading order at every width (logo, navigation, then the user's name, Account and Sign out);
 * narrow screens only make the navigation one scrollable line and put the user's line under it.
 */
export function page(o: PageOptions): string {
  const header = o.user
    ? html`<nav aria-label="Main">${NAV.filter((n) => !n.admin || o.user?.is_admin).map(
        (n) =>
          html`<a href="${n.href}" ${o.current === n.key ? html`aria-current="page"` : ""}>${n.label}</a>`,
      )}</nav>
<div class="user"><span class="who">${o.user.name}</span><a href="/account" class="who">Account</a>
<form method="post" action="/signout"><input type="hidden" name="_csrf" value="${o.csrf ?? ""}">
<button class="secondary" type="submit">Sign out</button></form></div>`
    : html``;
  const marked = markErrors(o.body.value, o.flash);
  const error = o.flash?.kind === "error" || marked.inline;
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${error ? "Error: " : ""}${o.title} · myCRMSIM</title>
<meta name="description" content="myCRMSIM, a self-hosted SMS gateway: send and receive SMS through your own Android phones, from the dashboard or through its OAuth API.">
<meta name="theme-color" content="#111827"><link rel="icon" href="${ICON}" type="image/svg+xml">
<link rel="stylesheet" href="/assets/app.css"><script src="/assets/app.js" defer></script></head>
<body><a class="skip" href="#main">Skip to content</a>
<header class="top"><a class="logo" href="/">my<span>CRM</span>SIM</a>${header}</header>
<main id="main" class="${o.narrow ? "narrow" : ""}">
${
  o.flash
    ? o.flash.kind === "error"
      ? html`<div class="flash error" id="page-error" role="alert">${o.flash.text}</div>`
      : html`<div class="flash ok" role="status">${o.flash.text}</div>`
    : ""
}
${raw(marked.body)}
</main>${o.user ? html`<footer class="foot"><a href="/docs">API docs</a> · <a href="/openapi.json">OpenAPI document</a></footer>` : ""}</body></html>`
    .value;
}
