import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { AppError } from "../../core/errors.js";
import { type AppDeps, requestCtx } from "../../http/deps.js";
import { listDeliveries, type Owner, replayDeliveries } from "../../webhooks/index.js";
import { isSecure } from "../auth.js";
import { csrfToken, verifyCsrf } from "../csrf.js";
import { field, formError, type LocationAccess, locationHeader, requireLocation, when } from "../guards.js";
import { html, scrollBox } from "../html.js";
import { page } from "../layout.js";
import { deliveryOutcome, deliverySubject, errorText, httpAnswer } from "./delivery-log.js";
import { type LocationSubscription, locationSubscriptions } from "../queries.js";

type PW = { Params: { id: string; webhookId: string } };

const SINCE: { value: string; label: string; ms: number }[] = [
  { value: "1h", label: "the last hour", ms: 3600_000 },
  { value: "24h", label: "the last 24 hours", ms: 86_400_000 },
  { value: "3d", label: "the last 3 days", ms: 3 * 86_400_000 },
  { value: "7d", label: "the last 7 days", ms: 7 * 86_400_000 },
];

/**
 * The webhook verbs act for the app that owns a subscription; the dashboard acts for a member of the
 * location, so it speaks as that app, bounded to this one location.
 */
function ownerOf(a: LocationAccess, s: LocationSubscription): Owner {
  return { clientId: s.client_id, userId: a.session.user.id, grantId: "", locationIds: [a.location.id] };
}

/**
 * `/locations/:id/webhooks`: the location's webhook subscriptions (whichever app made them) with
 * their status and recent deliveries (attempts, status codes, latency); replay, which also re-enables
 * a disabled endpoint.
 */
export function registerWebhookPages(app: FastifyInstance, deps: AppDeps): void {
  const render = async (
    request: FastifyRequest,
    reply: FastifyReply,
    a: LocationAccess,
    opts: { error?: { status: number; text: string }; ok?: string } = {},
  ) => {
    const csrf = csrfToken(request, reply, deps.secret, isSecure(deps));
    const ctx = requestCtx(deps, request);
    const subs = await locationSubscriptions(ctx, a.location.id);
    const tz = a.location.time_zone;
    const logs = await Promise.all(
      subs.map((s) => listDeliveries({ ctx, input: { owner: ownerOf(a, s), id: s.id, limit: 10 } })),
    );
    const body = html`${locationHeader(a, "webhooks", "Webhooks")}
<div id="webhooks-live" data-live="/locations/${a.location.id}/webhooks" data-every="10">${
      subs.length === 0
        ? html`<div class="card"><p class="muted">No webhook subscription. Apps subscribe through the API
(<span class="mono">POST /api/v1/webhooks/subscribe</span>) after you connect them; Make, Zapier and n8n do it for you.</p></div>`
        : subs.map((s, i) => {
            const log = logs[i]?.data ?? [];
            return html`<div class="card" data-webhook="${s.id}"><div class="loc-head"><h2><span class="mono">${s.event}</span> → <span class="mono">${s.targetUrl}</span></h2>
<span>${
              s.status === "active"
                ? s.failing_since
                  ? html`<span class="badge warn">failing since ${when(s.failing_since, tz)}</span>`
                  : html`<span class="badge ok">active</span>`
                : html`<span class="badge bad">${s.status}${s.status_reason ? ` (${s.status_reason})` : ""}</span>`
            }${s.authorised ? "" : html` <span class="badge">paused: app disconnected</span>`}</span></div>
<p class="muted">By ${s.client_name} · <span class="mono">${s.id}</span> · since ${when(s.created_at, tz)}</p>
${
  log.length === 0
    ? html`<p class="muted">No delivery yet.</p>`
    : scrollBox(
        `Deliveries of ${s.event} to ${s.targetUrl}`,
        html`<table><thead><tr><th>Created</th><th>What</th><th>Webhook</th><th>Attempts</th><th>Last answer</th><th>Latency</th><th>Next try</th></tr></thead><tbody>
${log.map((d) => {
  const last = d.attempt_log[d.attempt_log.length - 1];
  return html`<tr><td>${when(d.created_at, tz)}</td><td>${deliverySubject(d, a.location.id)}</td><td>${deliveryOutcome(d)}</td><td>${
    d.attempt_log.length === 0
      ? d.attempts
      : html`<details><summary>${d.attempts}</summary><ol class="attempts">${d.attempt_log.map(
          (t) =>
            html`<li>${when(t.started_at, tz)}: ${httpAnswer(t.status_code)} · ${t.duration_ms} ms${errorText(t.error)}</li>`,
        )}</ol></details>`
  }</td>
<td>${d.attempts > 0 ? httpAnswer(d.last_status_code) : ""}${errorText(d.last_error)}</td>
<td>${last ? `${last.duration_ms} ms` : ""}</td><td>${when(d.next_attempt_at, tz)}</td></tr>`;
})}</tbody></table>`,
      )
}
<form method="post" action="/locations/${a.location.id}/webhooks/${s.id}/replay" class="row"><input type="hidden" name="_csrf" value="${csrf}">
<div><label for="since-${s.id}">Send again what failed in</label><select id="since-${s.id}" name="since">
${SINCE.map((o) => html`<option value="${o.value}" ${o.value === "24h" ? "selected" : ""}>${o.label}</option>`)}</select></div>
<div class="checks"><label><input type="checkbox" name="include_delivered" value="1"> also those already delivered</label></div>
<div class="actions"><button type="submit" class="secondary">${s.status === "active" ? "Replay" : "Re-enable and replay"}</button></div></form></div>`;
          })
    }</div>`;
    return reply
      .code(opts.error?.status ?? 200)
      .type("text/html; charset=utf-8")
      .send(
        page({
          title: `Webhooks · ${a.location.name}`,
          user: a.session.user,
          current: "locations",
          live: true,
          csrf,
          body,
          flash: opts.error
            ? { kind: "error", text: opts.error.text }
            : opts.ok
              ? { kind: "ok", text: opts.ok }
              : undefined,
        }),
      );
  };

  app.get<{ Params: { id: string } }>("/locations/:id/webhooks", async (request, reply) => {
    const a = await requireLocation(deps, request, reply, request.params.id);
    if (!a) return reply;
    const q = request.query as Record<string, unknown>;
    const n = typeof q?.requeued === "string" && /^\d+$/.test(q.requeued) ? q.requeued : undefined;
    return render(
      request,
      reply,
      a,
      n !== undefined ? { ok: `Replay: ${n} delivery(ies) queued again.` } : {},
    );
  });

  app.post<PW>("/locations/:id/webhooks/:webhookId/replay", async (request, reply) => {
    const a = await requireLocation(deps, request, reply, request.params.id);
    if (!a) return reply;
    verifyCsrf(request, deps.secret, deps.config.publicUrl);
    try {
      const ctx = requestCtx(deps, request);
      const sub = (await locationSubscriptions(ctx, a.location.id)).find(
        (s) => s.id === request.params.webhookId,
      );
      if (!sub) throw new AppError("webhook_not_found", "No such webhook subscription at this location");
      const since = SINCE.find((o) => o.value === field(request.body, "since"));
      if (!since) throw new AppError("validation_failed", "since: choose one of the offered periods");
      const r = await replayDeliveries({
        ctx,
        input: {
          owner: ownerOf(a, sub),
          id: sub.id,
          since: ctx.clock.now() - since.ms,
          includeDelivered: field(request.body, "include_delivered") === "1",
        },
      });
      return reply.redirect(`/locations/${a.location.id}/webhooks?requeued=${r.requeued}`, 303);
    } catch (err) {
      return render(request, reply, a, { error: formError(err) });
    }
  });
}
