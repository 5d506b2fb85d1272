import type { FastifyReply, FastifyRequest } from "fastify";
import { type LocationView, listUserLocations, type ResolvedSession } from "../accounts/index.js";
import { AppError } from "../core/errors.js";
import { type AppDeps, requestCtx } from "../http/deps.js";
import { toAppError } from "../http/errors.js";
import { requireSession } from "./auth.js";
import { html, type SafeHtml } from "./html.js";
import { fieldOf } from "./layout.js";

/** Signed-in admin, or a redirect to sign-in (signed out) / 403 `forbidden` (not an admin). */
export async function requireAdmin(deps: AppDeps, request: FastifyRequest, reply: FastifyReply) {
  const session = await requireSession(deps, request, reply);
  if (session && !session.user.is_admin)
    throw new AppError("forbidden", "Only administrators can see this page");
  return session;
}

export interface LocationAccess {
  session: ResolvedSession;
  /** The location, with the user's role in it. */
  location: LocationView;
  /** Every location of the user (for the switcher). */
  locations: LocationView[];
  isOwner: boolean;
}

/**
 * The signed-in user's view of one location: a redirect to sign-in when signed out, and 404 when the
 * location does not exist or the user is not a member (the same answer, so ids cannot be probed).
 */
export async function requireLocation(
  deps: AppDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  locationId: string,
): Promise<LocationAccess | undefined> {
  const session = await requireSession(deps, request, reply);
  if (!session) return undefined;
  const locations = await listUserLocations({
    ctx: requestCtx(deps, request),
    input: { userId: session.user.id },
  });
  const location = locations.find((l) => l.id === locationId);
  if (!location)
    throw new AppError("location_not_found", "The location does not exist or you don't have access to it");
  return { session, location, locations, isOwner: location.role === "owner" };
}

export type Section = "members" | "phones" | "messages" | "webhooks";

const SECTIONS: { key: Section; label: string }[] = [
  { key: "phones", label: "Phones" },
  { key: "messages", label: "Messages" },
  { key: "webhooks", label: "Webhooks" },
  { key: "members", label: "Members" },
];

/** The heading of a location page: its name, the tabs of its sections, and a switch to other locations. */
export function locationHeader(a: LocationAccess, current: Section, title: string): SafeHtml {
  const others = a.locations.filter((l) => l.id !== a.location.id);
  return html`<div class="loc-head"><h1>${title} <span class="muted">· ${a.location.name}</span></h1>
${
  others.length > 0
    ? html`<nav aria-label="Other locations" class="switch"><span class="muted">Switch:</span> ${others.map(
        (l) => html`<a href="/locations/${l.id}/${current}">${l.name}</a> `,
      )}</nav>`
    : ""
}</div>
<nav aria-label="Location sections" class="tabs">${SECTIONS.map(
    (s) =>
      html`<a href="/locations/${a.location.id}/${s.key}" ${s.key === current ? html`aria-current="page"` : ""}>${s.label}</a>`,
  )}</nav>`;
}

/** Errors whose message does not start with the field it is about. */
const FIELD_OF_CODE: Record<string, string> = {
  invalid_phone: "phone",
  message_too_long: "message",
  invalid_target_url: "targetUrl",
};

/**
 * A mistake the user can fix (4xx): shown in the form. Anything else (5xx) is rethrown to the error
 * page; so is `csrf_failed`, which is checked before any form is handled. `field` is the form control
 * the error is about, when it names one; given the request, `form` is the action of the form that was
 * sent (its path), so the page marks the control in that form (see `Flash` in layout.ts).
 */
export function formError(
  err: unknown,
  request?: FastifyRequest,
): { status: number; text: string; field?: string; form?: string } {
  const e = toAppError(err);
  if (e.status >= 500 || e.code === "csrf_failed") throw err;
  const detail = e.details?.field;
  const field = typeof detail === "string" ? detail : (FIELD_OF_CODE[e.code] ?? fieldOf(e.message));
  return {
    status: e.status === 404 || e.status === 409 ? 400 : e.status,
    text: e.message,
    ...(field ? { field } : {}),
    ...(request?.method === "POST" ? { form: request.url.split("?")[0] } : {}),
  };
}

/** Form fields as strings (a repeated field keeps its first value; use `all` for lists). */
export function field(body: unknown, name: string): string {
  const v = (body as Record<string, unknown> | undefined)?.[name];
  if (Array.isArray(v)) return typeof v[0] === "string" ? v[0] : "";
  return typeof v === "string" ? v : "";
}

export function fields(body: unknown, name: string): string[] {
  const v = (body as Record<string, unknown> | undefined)?.[name];
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === "string");
  return typeof v === "string" ? [v] : [];
}

/** `ago(now, t)`: "12 s ago", "3 min ago", "2 h ago", "4 d ago". */
export function ago(now: number, iso: string | null): string {
  if (!iso) return "never";
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86_400)} d ago`;
}

/**
 * "Last seen" for a live page: words that change at most once a minute ("less than a minute ago",
 * "3 min ago"), the exact instant in the <time> element's datetime. A phone online reports every few
 * seconds; text in seconds would change on every refresh and rebuild the region under the user.
 */
export function seen(now: number, iso: string | null): SafeHtml {
  if (!iso) return html`never`;
  const text = now - Date.parse(iso) < 60_000 ? "less than a minute ago" : ago(now, iso);
  return html`<time datetime="${iso}">${text}</time>`;
}

const formats = new Map<string, Intl.DateTimeFormat>();

function formatIn(timeZone: string): Intl.DateTimeFormat {
  let f = formats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-CA", {
      timeZone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
      timeZoneName: "short",
    });
    formats.set(timeZone, f);
  }
  return f;
}

/**
 * An ISO time shown to the minute in a time zone (a location's own; UTC by default), e.g.
 * "2026-11-27 05:02 CET", with the exact instant in the <time> element's datetime.
 */
export function when(iso: string | null, timeZone = "UTC"): SafeHtml {
  if (!iso) return html`<span class="muted">—</span>`;
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = formatIn(timeZone).formatToParts(new Date(iso));
  } catch {
    parts = formatIn("UTC").formatToParts(new Date(iso));
  }
  const p = (t: Intl.DateTimeFormatPartTypes) => parts.find((x) => x.type === t)?.value ?? "";
  return html`<time datetime="${iso}">${p("year")}-${p("month")}-${p("day")} ${p("hour")}:${p("minute")} ${p("timeZoneName")}</time>`;
}

/** The tabs of the admin pages. */
export function adminTabs(current: "users" | "apps"): SafeHtml {
  return html`<nav aria-label="Admin sections" class="tabs">
<a href="/admin/users" ${current === "users" ? html`aria-current="page"` : ""}>Users</a>
<a href="/admin/apps" ${current === "apps" ? html`aria-current="page"` : ""}>OAuth apps</a></nav>`;
}
