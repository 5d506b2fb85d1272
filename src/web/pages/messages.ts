import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { AppError } from "../../core/errors.js";
import { type AppDeps, requestCtx } from "../../http/deps.js";
import {
  type AttachmentView,
  getMessage,
  listAttachments,
  listMessages,
  MAX_MESSAGE_CHARS,
  type MessagePage,
  STATUSES,
  sendMessage,
} from "../../messages/index.js";
import { isSecure } from "../auth.js";
import { csrfToken, verifyCsrf } from "../csrf.js";
import { field, formError, type LocationAccess, locationHeader, requireLocation, when } from "../guards.js";
import { html, type SafeHtml, scrollBox } from "../html.js";
import { flashOf, page } from "../layout.js";
import { localPhone, toE164 } from "../phone-input.js";
import { searchMessagesByNumber } from "../queries.js";

type P = { Params: { id: string } };
const PAGE = 25;

interface Filters {
  direction: string;
  /** Part of a phone number (digits). */
  number: string;
  status: string;
  /** YYYY-MM-DD (UTC day start). */
  since: string;
  cursor: string;
}

const BADGE: Record<string, string> = {
  delivered: "ok",
  sent: "ok",
  received: "ok",
  failed: "bad",
  expired: "bad",
  queued: "warn",
  dispatched: "warn",
};

export function statusBadge(status: string): SafeHtml {
  return html`<span class="badge ${BADGE[status] ?? ""}">${status}</span>`;
}

const NOT_STORED: Record<string, string> = {
  too_large: "over the size limit (MMS_MAX_BYTES)",
  not_sent: "the phone sent no content",
  invalid: "the content was not valid base64",
  too_many: "too many parts",
  expired: "removed after MMS_RETENTION_DAYS",
};

function formatSize(n: number): string {
  return n >= 1024 * 1024
    ? `${(n / (1024 * 1024)).toFixed(1)} MB`
    : n >= 1024
      ? `${Math.round(n / 1024)} KB`
      : `${n} B`;
}

/**
 * An inbound MMS part: a picture is shown (same-origin signed URL, so the page's `img-src 'self'`
 * allows it), other stored parts are links (the media route decides inline or download), and parts
 * not stored say why.
 */
function attachmentItem(p: AttachmentView): SafeHtml {
  const label = p.name ?? p.id;
  const meta = `${p.contentType}${p.size ? `, ${formatSize(p.size)}` : ""}`;
  if (!p.path) {
    return html`<li>${label} <span class="muted">(${meta}) not stored: ${NOT_STORED[p.omitted ?? ""] ?? p.omitted}</span></li>`;
  }
  if (p.kind === "image") {
    return html`<li><a href="${p.path}"><img src="${p.path}" alt="${p.name ?? "Picture"}" width="240" loading="lazy"></a>
<div class="muted">${label} (${meta})</div></li>`;
  }
  return html`<li><a href="${p.path}">${label}</a> <span class="muted">(${meta})</span></li>`;
}

function readFilters(query: unknown): Filters {
  return {
    direction: field(query, "direction"),
    number: field(query, "number").trim(),
    status: field(query, "status"),
    since: field(query, "since"),
    cursor: field(query, "cursor"),
  };
}

function filterQuery(f: Filters, cursor?: string): string {
  const q = new URLSearchParams();
  if (f.direction) q.set("direction", f.direction);
  if (f.number) q.set("number", f.number);
  if (f.status) q.set("status", f.status);
  if (f.since) q.set("since", f.since);
  if (cursor) q.set("cursor", cursor);
  const s = q.toString();
  return s ? `?${s}` : "";
}

/**
 * `/locations/:id/messages`: both directions, newest first, filtered by direction, status and day,
 * paged by cursor; each message's status history; and a form that sends an SMS from the location.
 */
export function registerMessagePages(app: FastifyInstance, deps: AppDeps): void {
  const render = async (
    request: FastifyRequest,
    reply: FastifyReply,
    a: LocationAccess,
    opts: { error?: { status: number; text: string }; send?: { phone: string; message: string } } = {},
  ) => {
    const csrf = csrfToken(request, reply, deps.secret, isSecure(deps));
    const f = readFilters(request.query);
    const tz = a.location.time_zone;
    let list: MessagePage = { data: [], next_cursor: null, has_more: false };
    let error = opts.error;
    try {
      if (f.direction && f.direction !== "inbound" && f.direction !== "outbound")
        throw new AppError("validation_failed", "direction must be inbound or outbound");
      if (f.since && !/^\d{4}-\d{2}-\d{2}$/.test(f.since))
        throw new AppError("validation_failed", "since must be a date (YYYY-MM-DD)");
      const input = {
        locationIds: [a.location.id],
        ...(f.direction ? { direction: f.direction as "inbound" | "outbound" } : {}),
        ...(f.status ? { status: f.status } : {}),
        ...(f.since ? { since: `${f.since}T00:00:00Z` } : {}),
        ...(f.cursor ? { cursor: f.cursor } : {}),
        limit: PAGE,
      };
      const ctx = requestCtx(deps, request);
      // Validates the filters and the cursor, and is the list whenever no number is searched.
      list = await listMessages({ ctx, input });
      if (f.number) {
        if (!/^\+?[\d\s().-]{3,20}$/.test(f.number) || f.number.replace(/\D/g, "").length < 3)
          throw new AppError("validation_failed", "number: at least 3 digits of a phone number");
        list = await searchMessagesByNumber(ctx, {
          locationId: a.location.id,
          digits: f.number,
          ...(input.direction ? { direction: input.direction } : {}),
          ...(f.status ? { status: f.status } : {}),
          ...(f.since ? { since: Date.parse(`${f.since}T00:00:00Z`) } : {}),
          ...(f.cursor ? { before: f.cursor } : {}),
          limit: PAGE,
        });
      }
    } catch (err) {
      error ??= formError(err);
    }
    const q = request.query as Record<string, unknown>;
    // Only an id goes into the notice: a link cannot make this page say something else.
    const sent =
      q?.done === "sent" && typeof q.sent === "string" && /^msg_[0-9a-z]{10,40}$/.test(q.sent)
        ? q.sent
        : undefined;
    const s = opts.send ?? { phone: "", message: "" };
    const local = localPhone(tz);
    const body = html`${locationHeader(a, "messages", "Messages")}
<div class="card"><h2>Send a test SMS</h2>
<form method="post" action="/locations/${a.location.id}/messages"><input type="hidden" name="_csrf" value="${csrf}">
<div class="row"><div><label for="phone">To <span class="hint">(${
      local.national
        ? `e.g. ${local.e164}, or ${local.national} in ${local.countryName}`
        : `with country code, e.g. ${local.e164}`
    })</span></label>
<input id="phone" name="phone" type="tel" required value="${s.phone}" autocomplete="off" inputmode="tel" placeholder="${local.e164}"></div>
<div><label for="message">Message</label><textarea id="message" name="message" rows="2" required maxlength="${MAX_MESSAGE_CHARS}">${s.message}</textarea></div>
<div class="actions"><button type="submit">Send</button></div></div></form>
<p class="muted">It waits in the queue until one of this location's phones takes it; the status below follows it.</p></div>
<div class="card"><h2>History</h2>
<form method="get" action="/locations/${a.location.id}/messages" class="row">
<div><label for="f-direction">Direction</label><select id="f-direction" name="direction">
${[
  ["", "Both"],
  ["outbound", "Sent by us"],
  ["inbound", "Received"],
].map(
  ([v, l]) => html`<option value="${v}" ${f.direction === v ? "selected" : ""}>${l}</option>`,
)}</select></div>
<div><label for="f-status">Status</label><select id="f-status" name="status"><option value="">Any</option>
${STATUSES.map((st) => html`<option value="${st}" ${f.status === st ? "selected" : ""}>${st}</option>`)}</select></div>
<div><label for="f-number">Number contains</label><input id="f-number" name="number" type="search" inputmode="tel" value="${f.number}"></div>
<div><label for="f-since">Since (UTC day)</label><input id="f-since" name="since" type="date" value="${f.since}"></div>
<div class="actions"><button type="submit" class="secondary">Filter</button>
<a href="/locations/${a.location.id}/messages">Clear</a></div></form>
<div id="messages-live" data-live="/locations/${a.location.id}/messages${filterQuery(f, f.cursor)}">${
      list.data.length === 0
        ? f.direction || f.status || f.since || f.number
          ? html`<p class="muted">No messages match these filters. <a href="/locations/${a.location.id}/messages">Show all</a></p>`
          : html`<p class="muted" data-testid="no-messages">No messages yet. Send a test SMS above; SMS received by this
location's phones, and messages sent by connected apps, appear here too. Messages wait in the queue until one of the
<a href="/locations/${a.location.id}/phones">location's phones</a> takes them.</p>`
        : scrollBox(
            "Messages",
            html`<table class="messages"><thead><tr><th>When</th><th>Direction</th><th>Number</th><th>Message</th><th>Status</th></tr></thead><tbody>
${list.data.map(
  (
    m,
  ) => html`<tr data-message="${m.id}" ${m.id === sent ? html`class="just-sent"` : ""}><td><a href="/locations/${a.location.id}/messages/${m.id}">${when(m.created_at, tz)}</a></td>
<td>${m.direction === "outbound" ? "→ out" : "← in"}</td><td class="mono">${m.phone}</td>
<td>${(m.message ?? "").length > 80 ? `${(m.message ?? "").slice(0, 80)}…` : (m.message ?? "")}${m.attachments.length ? html` <span class="badge">${m.attachments.length} attachment(s)</span>` : ""}</td>
<td>${statusBadge(m.status)}${m.error ? html`<div class="muted">${m.error}</div>` : ""}</td></tr>`,
)}</tbody></table>`,
          )
    }
<nav class="pager" aria-label="Pages">${
      f.cursor ? html`<a href="/locations/${a.location.id}/messages${filterQuery(f)}">Newest</a>` : ""
    }${
      list.next_cursor
        ? html`<a href="/locations/${a.location.id}/messages${filterQuery(f, list.next_cursor)}">Older →</a>`
        : ""
    }</nav></div></div>`;
    return reply
      .code(error?.status ?? 200)
      .type("text/html; charset=utf-8")
      .send(
        page({
          title: `Messages · ${a.location.name}`,
          user: a.session.user,
          current: "messages",
          live: true,
          csrf,
          body,
          flash: flashOf(error, sent ? `Message ${sent} queued.` : undefined),
        }),
      );
  };

  app.get<P>("/locations/:id/messages", async (request, reply) => {
    const a = await requireLocation(deps, request, reply, request.params.id);
    if (!a) return reply;
    return render(request, reply, a);
  });

  app.post<P>("/locations/:id/messages", async (request, reply) => {
    const a = await requireLocation(deps, request, reply, request.params.id);
    if (!a) return reply;
    verifyCsrf(request, deps.secret, deps.config.publicUrl);
    const send = { phone: field(request.body, "phone").trim(), message: field(request.body, "message") };
    const local = localPhone(a.location.time_zone);
    try {
      const r = await sendMessage({
        ctx: requestCtx(deps, request),
        input: {
          locationId: a.location.id,
          phone: toE164(send.phone, local.country),
          message: send.message,
          clientId: null,
          source: "dashboard",
        },
      });
      return reply.redirect(
        `/locations/${a.location.id}/messages?done=sent&sent=${encodeURIComponent(r.message.id)}`,
        303,
      );
    } catch (err) {
      const e = formError(err);
      // The verb speaks of `phone` (API terms); the form's field is "To", and the hint is local.
      if ((err as { code?: string }).code === "invalid_phone") {
        e.text = `To: “${send.phone}” is not a phone number we can send to. Write it with its country code, e.g. ${local.e164}${
          local.national ? `, or as dialled in ${local.countryName}, e.g. ${local.national}` : ""
        }.`;
      }
      return render(request, reply, a, { error: e, send });
    }
  });

  app.get<{ Params: { id: string; messageId: string } }>(
    "/locations/:id/messages/:messageId",
    async (request, reply) => {
      const a = await requireLocation(deps, request, reply, request.params.id);
      if (!a) return reply;
      const csrf = csrfToken(request, reply, deps.secret, isSecure(deps));
      const tz = a.location.time_zone;
      const ctx = requestCtx(deps, request);
      const input = { id: request.params.messageId, locationIds: [a.location.id] };
      const m = await getMessage({ ctx, input });
      // Inbound MMS parts with their types (pictures are shown); outbound attachments are URLs.
      const parts =
        m.direction === "inbound"
          ? await listAttachments({ ctx, input: { messageId: m.id, locationIds: input.locationIds } })
          : [];
      const body = html`${locationHeader(a, "messages", "Message")}
<p><a href="/locations/${a.location.id}/messages">← All messages</a></p>
<div class="card" id="message-live" data-live="/locations/${a.location.id}/messages/${m.id}"><dl class="kv"><dt>Id</dt><dd class="mono">${m.id}</dd>
<dt>Direction</dt><dd>${m.direction === "outbound" ? "Sent by us" : "Received"}</dd>
<dt>${m.direction === "outbound" ? "To" : "From"}</dt><dd class="mono">${m.phone}</dd>
<dt>Status</dt><dd>${statusBadge(m.status)}${m.error ? html` <span class="muted">${m.error}</span>` : ""}</dd>
<dt>Segments</dt><dd>${m.segments} (${m.encoding})</dd>
<dt>Created</dt><dd>${when(m.created_at, tz)}</dd><dt>Sent</dt><dd>${when(m.sent_at, tz)}</dd><dt>Delivered</dt><dd>${when(m.delivered_at, tz)}</dd></dl>
<h2>Text</h2><p class="body">${m.message ?? ""}</p>
${
  parts.length
    ? html`<h2>Attachments</h2><ul>${parts.map(attachmentItem)}</ul>`
    : m.attachments.length
      ? html`<h2>Attachments</h2><ul>${m.attachments.map((u) => html`<li class="mono">${u}</li>`)}</ul>`
      : ""
}
<h2>History</h2>${scrollBox(
        "Status history",
        html`<table><thead><tr><th>When</th><th>Status</th><th>By</th><th>Note</th></tr></thead><tbody>
${m.history.map((h) => html`<tr><td>${when(h.at, tz)}</td><td>${statusBadge(h.status)}</td><td>${h.source}</td><td>${h.error ?? ""}</td></tr>`)}
</tbody></table>`,
      )}</div>`;
      return reply.type("text/html; charset=utf-8").send(
        page({
          title: `Message ${m.id}`,
          user: a.session.user,
          current: "messages",
          csrf,
          body,
          live: true,
        }),
      );
    },
  );
}
