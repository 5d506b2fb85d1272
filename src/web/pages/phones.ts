import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import QRCode from "qrcode";
import { createPairing, listDevices, type Pairing, removeDevice, updatePacing } from "../../devices/index.js";
import { type AppDeps, requestCtx } from "../../http/deps.js";
import { isSecure } from "../auth.js";
import { csrfToken, verifyCsrf } from "../csrf.js";
import {
  ago,
  field,
  formError,
  type LocationAccess,
  locationHeader,
  requireLocation,
  when,
} from "../guards.js";
import { html, raw, type SafeHtml } from "../html.js";
import { flashOf, page } from "../layout.js";

type P = { Params: { id: string } };
type PD = { Params: { id: string; deviceId: string } };
const DONE: Record<string, string> = {
  pacing: "Pacing saved; the phone was told.",
  removed: "Phone removed.",
};

const PACING = [
  { key: "perMinute", label: "SMS per minute" },
  { key: "perHour", label: "SMS per hour" },
  { key: "perDay", label: "SMS per day" },
  { key: "sendIntervalMin", label: "Min seconds between SMS" },
  { key: "sendIntervalMax", label: "Max seconds between SMS" },
] as const;

/** The address the SMSGate app is given ("API URL" in its Cloud server settings). */
export function mobileApiUrl(deps: AppDeps): string {
  return `${deps.config.dispatchUrl.replace(/\/$/, "")}/api/mobile/v1`;
}

/** The pairing token as a QR code: our own SVG (no script, no style attribute), labelled for screen readers. */
async function qrSvg(text: string): Promise<SafeHtml> {
  const svg = await QRCode.toString(text, { type: "svg", margin: 2, errorCorrectionLevel: "M" });
  return raw(svg.replace("<svg ", '<svg role="img" aria-label="QR code of the pairing token" '));
}

async function pairingPanel(deps: AppDeps, p: Pairing, locationId: string, tz: string): Promise<SafeHtml> {
  const minutes = Math.round(deps.config.pairingTtlSeconds / 60);
  return html`<div class="card" id="pairing"><h2>Pair a phone: enter these in the SMSGate app</h2>
<div class="pair"><div class="qr">${await qrSvg(p.token)}</div>
<div><ol>
<li>Install <strong>SMS Gateway for Android</strong> (SMSGate) on a phone with a SIM card; allow SMS and turn off battery optimisation for it.</li>
<li>In the app open <strong>Settings → Cloud server</strong> and enter:
<dl class="kv"><dt>API URL</dt><dd><code class="secret" data-testid="server-url">${mobileApiUrl(deps)}</code></dd>
<dt>Private token</dt><dd><code class="secret" data-testid="pairing-token">${p.token}</code></dd>
<dt>or one-time code</dt><dd><span class="code mono" data-testid="pairing-code">${p.code}</span></dd></dl></li>
<li>Set the <strong>notification channel to SSE only</strong> (no Firebase needed).</li>
<li>Switch the app to <strong>Cloud server</strong> and start it. The phone shows up below as online.</li>
</ol>
<p class="muted">Single use; expires ${when(p.expiresAt, tz)} (in ${minutes} min). Release builds of the app need an https API URL.
The token and code are shown only now.</p>
<p><a class="button secondary" href="/locations/${locationId}/phones">I've entered it: show my phones</a></p></div></div></div>`;
}

/**
 * `/locations/:id/phones`: the location's phones (online, last seen, SIMs, pacing), pairing a new one
 * with a QR code and one-time code, pacing edits and unpairing.
 */
export function registerPhonePages(app: FastifyInstance, deps: AppDeps): void {
  const onlineMs = () => deps.config.deviceOnlineSeconds * 1000;

  const render = async (
    request: FastifyRequest,
    reply: FastifyReply,
    a: LocationAccess,
    opts: {
      error?: { status: number; text: string; deviceId?: string };
      pairing?: Pairing;
      values?: Record<string, string>;
    } = {},
  ) => {
    const csrf = csrfToken(request, reply, deps.secret, isSecure(deps));
    const ctx = requestCtx(deps, request);
    const phones = await listDevices({ ctx, input: { locationIds: [a.location.id], onlineMs: onlineMs() } });
    const now = ctx.clock.now();
    const tz = a.location.time_zone;
    const queued = phones[0]?.queueDepth ?? 0;
    const done = DONE[String((request.query as Record<string, unknown>)?.done ?? "")];
    const online = phones.filter((p) => p.online).length;
    const body = html`${locationHeader(a, "phones", "Phones")}
${opts.pairing ? await pairingPanel(deps, opts.pairing, a.location.id, a.location.time_zone) : ""}
<div id="phones-live" data-live="/locations/${a.location.id}/phones">
<div class="grid">
<div class="card"><div class="muted">Phones online</div><div class="stat" data-testid="online-count">${online} / ${phones.length}</div></div>
<div class="card"><div class="muted">Messages waiting for a phone</div><div class="stat">${queued}</div></div>
<div class="card"><form method="post" action="/locations/${a.location.id}/phones/pair"><input type="hidden" name="_csrf" value="${csrf}">
<p class="muted">Connect an Android phone running the SMSGate app to this location.</p>
<button type="submit">Pair a phone</button></form></div></div>
${
  phones.length === 0
    ? html`<div class="card"><p class="muted">No phone yet. Pair one to start sending: messages wait in the queue until a phone of this location takes them.</p></div>`
    : phones.map((p) => {
        const err = opts.error?.deviceId === p.id ? opts.error : undefined;
        const v = (k: keyof typeof p.pacing) =>
          err && opts.values ? (opts.values[k] ?? "") : p.pacing[k] === null ? "" : String(p.pacing[k]);
        return html`<div class="card phone" data-device="${p.id}"><div class="loc-head"><h2>${p.name}
<span class="badge ${p.online ? "ok" : "bad"}">${p.online ? "online" : "offline"}</span></h2>
<span class="muted">last seen ${ago(now, p.lastSeenAt)}</span></div>
<dl class="kv"><dt>Id</dt><dd class="mono">${p.id}</dd><dt>Paired</dt><dd>${when(p.createdAt, tz)}</dd>
<dt>SIMs</dt><dd>${
          p.simCards.length === 0
            ? html`<span class="muted">none reported (default SIM)</span>`
            : p.simCards.map(
                (s) =>
                  html`<div>SIM ${s.simNumber}${s.phoneNumber ? html` · <span class="mono">${s.phoneNumber}</span>` : ""}${s.carrierName ? html` · ${s.carrierName}` : ""}</div>`,
              )
        }</dd></dl>
<form method="post" action="/locations/${a.location.id}/phones/${p.id}/pacing"><input type="hidden" name="_csrf" value="${csrf}">
<fieldset><legend>Pacing per SIM <span class="muted">(empty = no limit)</span></legend>
${err ? html`<p class="flash error" role="alert">${err.text}</p>` : ""}
<div class="row">${PACING.map(
          (f) =>
            html`<div><label for="${f.key}-${p.id}">${f.label}</label><input id="${f.key}-${p.id}" name="${f.key}" type="number" min="1" step="1" inputmode="numeric" value="${v(f.key)}"></div>`,
        )}</div>
<div class="actions"><button type="submit">Save pacing</button></div></fieldset></form>
<form method="post" action="/locations/${a.location.id}/phones/${p.id}/remove" class="actions"><input type="hidden" name="_csrf" value="${csrf}">
<button type="submit" class="danger">Unpair ${p.name}</button><span class="muted">Its token stops working at once; it needs a new pairing to come back.</span></form></div>`;
      })
}</div>`;
    const general = opts.error && !opts.error.deviceId ? opts.error : undefined;
    return reply
      .code(opts.error?.status ?? 200)
      .type("text/html; charset=utf-8")
      .header("cache-control", "no-store")
      .send(
        page({
          title: `Phones · ${a.location.name}`,
          user: a.session.user,
          current: "phones",
          live: true,
          csrf,
          body,
          flash: flashOf(general, done),
        }),
      );
  };

  app.get<P>("/locations/:id/phones", async (request, reply) => {
    const a = await requireLocation(deps, request, reply, request.params.id);
    if (!a) return reply;
    return render(request, reply, a);
  });

  // The token is shown once, so this answers with the page itself rather than a redirect.
  app.post<P>("/locations/:id/phones/pair", async (request, reply) => {
    const a = await requireLocation(deps, request, reply, request.params.id);
    if (!a) return reply;
    verifyCsrf(request, deps.secret, deps.config.publicUrl);
    const pairing = await createPairing({
      ctx: requestCtx(deps, request),
      input: {
        locationId: a.location.id,
        createdBy: a.session.user.id,
        ttlMs: deps.config.pairingTtlSeconds * 1000,
      },
    });
    return render(request, reply, a, { pairing });
  });

  app.post<PD>("/locations/:id/phones/:deviceId/pacing", async (request, reply) => {
    const a = await requireLocation(deps, request, reply, request.params.id);
    if (!a) return reply;
    verifyCsrf(request, deps.secret, deps.config.publicUrl);
    const values: Record<string, string> = {};
    const pacing: Record<string, number | null> = {};
    for (const f of PACING) {
      const raw = field(request.body, f.key).trim();
      values[f.key] = raw;
      pacing[f.key] = raw === "" ? null : /^-?\d+$/.test(raw) ? Number(raw) : Number.NaN;
    }
    try {
      await updatePacing({
        ctx: requestCtx(deps, request),
        input: {
          deviceId: request.params.deviceId,
          locationIds: [a.location.id],
          pacing,
          onlineMs: onlineMs(),
        },
      });
    } catch (err) {
      const e = formError(err);
      return render(request, reply, a, { error: { ...e, deviceId: request.params.deviceId }, values });
    }
    return reply.redirect(`/locations/${a.location.id}/phones?done=pacing`, 303);
  });

  app.post<PD>("/locations/:id/phones/:deviceId/remove", async (request, reply) => {
    const a = await requireLocation(deps, request, reply, request.params.id);
    if (!a) return reply;
    verifyCsrf(request, deps.secret, deps.config.publicUrl);
    try {
      await removeDevice({
        ctx: requestCtx(deps, request),
        input: { deviceId: request.params.deviceId, locationIds: [a.location.id] },
      });
    } catch (err) {
      return render(request, reply, a, { error: formError(err) });
    }
    return reply.redirect(`/locations/${a.location.id}/phones?done=removed`, 303);
  });
}
