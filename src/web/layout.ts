import { html, type SafeHtml } from "./html.js";

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
  /** The page has `data-live` regions: load /assets/app.js, which keeps them up to date. */
  live?: boolean;
}

export type Flash = { kind: "ok" | "error"; text: string };

/** A page's flash: the form's error if any, else the confirmation of what was just done, else none. */
export function flashOf(error: { text: string } | undefined, done: string | undefined): Flash | undefined {
  if (error) return { kind: "error", text: error.text };
  return done ? { kind: "ok", text: done } : undefined;
}

const NAV: { key: string; href: string; label: string; admin?: boolean }[] = [
  { key: "overview", href: "/", label: "Overview" },
  { key: "locations", href: "/locations", label: "Locations" },
  { key: "phones", href: "/phones", label: "Phones" },
  { key: "messages", href: "/messages", label: "Messages" },
  { key: "integrations", href: "/integrations", label: "Integrations" },
  { key: "admin", href: "/admin", label: "Admin", admin: true },
];

/** The page shell shared by the dashboard and the OAuth sign-in and consent pages. */
export function page(o: PageOptions): string {
  const nav = o.user
    ? html`<nav aria-label="Main">${NAV.filter((n) => !n.admin || o.user?.is_admin).map(
        (n) =>
          html`<a href="${n.href}" ${o.current === n.key ? html`aria-current="page"` : ""}>${n.label}</a>`,
      )}</nav>
      <span class="who">${o.user.name}</span>
      <a href="/account" class="who">Account</a>
      <form method="post" action="/signout"><input type="hidden" name="_csrf" value="${o.csrf ?? ""}">
      <button class="secondary" type="submit">Sign out</button></form>`
    : html``;
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${o.title} · myCRMSIM</title><link rel="stylesheet" href="/assets/app.css">${o.live ? html`<script src="/assets/app.js" defer></script>` : ""}</head>
<body><a class="skip" href="#main">Skip to content</a>
<header class="top"><a class="logo" href="/">my<span>CRM</span>SIM</a>${nav}</header>
<main id="main" class="${o.narrow ? "narrow" : ""}">
${o.flash ? html`<div class="flash ${o.flash.kind}" role="${o.flash.kind === "error" ? "alert" : "status"}">${o.flash.text}</div>` : ""}
${o.body}
</main></body></html>`.value;
}
