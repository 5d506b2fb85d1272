import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import QRCode from "qrcode";
import {
  createPairing,
  type DeviceView,
  listDevices,
  type Pairing,
  removeDevice,
  updatePacing,
} from "../../devices/index.js";
import {
  checkReachability,
  lanAddresses,
  MIN_APP_VERSION,
  phoneApiUrl,
  type Reachability,
} from "../../devices/reachability.js";
import { AppError } from "../../core/errors.js";
import { type AppDeps, requestCtx } from "../../http/deps.js";
import { isSecure } from "../auth.js";
import { csrfToken, verifyCsrf } from "../csrf.js";
import {
  field,
  formError,
  type LocationAccess,
  locationHeader,
  requireLocation,
  seen,
  when,
} from "../guards.js";
import { html, raw, type SafeHtml } from "../html.js";
import { flashOf, page } from "../layout.js";
import { isConfirmed, sendConfirmStep } from "./confirm.js";

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
  return phoneApiUrl(deps.config.dispatchUrl);
}

/** The pairing token as a QR code: our own SVG (no script, no style attribute), labelled for screen readers. */
async function qrSvg(text: string): Promise<SafeHtml> {
  const svg = await QRCode.toString(text, { type: "svg", margin: 2, errorCorrectionLevel: "M" });
  return raw(svg.replace("<svg ", '<svg role="img" aria-label="QR code of the pairing token" '));
}

/** Said plainly when no phone can reach the API URL (loopback, or a server listening on loopback only). */
function reachabilityNotice(r: Reachability): SafeHtml {
  const blocked = r.loopback || r.listensLoopbackOnly;
  const https = html`Release builds of the SMSGate app also refuse plain http (they allow it only to 127.0.0.1):
on a local network http works only with the app's <strong>insecure</strong> build; otherwise give phones an https
URL through a tunnel or a reverse proxy (see <code>docs/phone-setup.md</code>).`;
  if (!blocked) {
    return r.cleartext
      ? html`<p data-testid="cleartext"><span class="badge warn">Note</span> ${https}</p>`
      : html``;
  }
  const why = r.loopback
    ? html`<code>${r.phoneUrl}</code> points at this computer itself (loopback): on a phone it would mean the
phone. Pairing cannot work until phones are given an address they can reach.`
    : html`This server listens on loopback only (<code>HOST</code>), so a phone cannot connect to
<code>${r.phoneUrl}</code>.`;
  const fixes =
    r.suggestions.length === 0
      ? html`<p>No network address was found on this machine: connect it to the phones' network, or use a
tunnel.</p>`
      : html`<p>This machine's network addresses, and what to set for each:</p>
<ul data-testid="lan-addresses">${r.suggestions.map(
          (s) =>
            html`<li><strong>${s.address}</strong> (${s.iface}): set <code>${r.variable}=${s.url}</code>${
              s.host ? html` and <code>HOST=${s.host}</code>` : ""
            }, then restart myCRMSIM.</li>`,
        )}</ul>`;
  return html`<div class="flash error" role="alert" data-testid="unreachable">
<h3>Warning: a phone cannot reach this API URL</h3>
<p>${why}</p>
${fixes}
<p>${https}</p></div>`;
}

async function pairingPanel(
  deps: AppDeps,
  p: Pairing,
  locationId: string,
  tz: string,
  port: number,
): Promise<SafeHtml> {
  const minutes = Math.round(deps.config.pairingTtlSeconds / 60);
  const url = mobileApiUrl(deps);
  const reach = checkReachability(
    {
      phoneUrl: url,
      variable: deps.config.dispatchUrl === deps.config.publicUrl ? "PUBLIC_URL" : "DISPATCH_URL",
      host: deps.config.host,
      port,
    },
    lanAddresses(),
  );
  return html`<section class="card" id="pairing" aria-labelledby="pairing-title">
<h2 id="pairing-title">Pair a phone: enter these in the SMSGate app</h2>
${reachabilityNotice(reach)}
<div class="pair"><div class="qr">${await qrSvg(p.token)}
<p class="muted">The private token as a QR code, to copy it to the phone by other means: the app has no scanner.</p></div>
<div><ol>
<li>Install <strong>SMS Gateway for Android</strong> (SMSGate) <strong data-testid="min-app-version">${MIN_APP_VERSION} or newer</strong>
on a phone with a SIM card; allow SMS and turn off battery optimisation for it.</li>
<li>In the app open <strong>Settings → Cloud server</strong> and set:
<dl class="kv"><dt>API URL</dt><dd><code class="secret" data-testid="server-url">${url}</code></dd>
<dt>Notification channel</dt><dd><strong>SSE only</strong> (with "Auto" the app waits for Firebase and never opens its event stream)</dd></dl></li>
<li>Switch the app to <strong>Cloud server</strong>, start it and choose <strong>Sign in by code</strong> with this one-time code:
<p class="code mono" data-testid="pairing-code">${p.code}</p>
<p>Or choose <strong>Sign up</strong> after entering this private token in Settings → Cloud server → Private token:</p>
<code class="secret" data-testid="pairing-token">${p.token}</code></li>
<li>The app asks for a restart once it has received its settings from this server: accept it. The phone then shows up below as online.</li>
</ol>
<p class="muted">Single use; expires ${when(p.expiresAt, tz)} (in ${minutes} min). The code and token are shown only now.</p>
<p><a class="button secondary" href="/locations/${locationId}/phones">I've entered it: show my phones</a></p></div></div></section>`;
}

const TRANSPORT: Record<string, string> = { wifi: "Wi-Fi", cellular: "mobile data", ethernet: "Ethernet" };
const HEALTH: Record<string, { text: string; badge: string }> = {
  pass: { text: "OK", badge: "ok" },
  warn: { text: "warning", badge: "warn" },
  fail: { text: "failing", badge: "bad" },
};

/**
 * An offline phone while messages wait: what to check, most likely first (the causes seen in the
 * field; docs/phone-setup.md "Nothing happens?" has the long form).
 */
function offlineHelp(queued: number, apiUrl: string): SafeHtml {
  return html`<div class="flash error" data-testid="offline-help"><p><strong>Offline, and ${queued} message${queued === 1 ? " is" : "s are"} waiting.</strong> Check on the phone:</p>
<ol>
<li>The SMSGate app is running and switched to <strong>Cloud server</strong> (private mode), not Local server.</li>
<li><strong>Battery optimisation is off</strong> for SMSGate (Android settings → Apps → SMSGate → Battery → Unrestricted), or Android stops it in the background.</li>
<li>The phone can reach the server: its browser opens <code>${apiUrl.replace(/\/api\/mobile\/v1$/, "")}/healthz</code> (Wi-Fi or mobile data on, same network or a public https address).</li>
<li>Notification channel is <strong>SSE only</strong>, and the app was restarted after it imported its settings.</li>
</ol>
<p class="muted">More in <code>docs/phone-setup.md</code>, section “5. Check it” → “Nothing happens?”.</p></div>`;
}

/** What needs the owner's hand on a phone, in words (the colour only repeats them). */
function phoneWarnings(p: DeviceView): SafeHtml {
  const items: SafeHtml[] = [];
  if (p.pushOnly)
    items.push(html`<li data-testid="push-only"><strong>Notification channel:</strong> set it to SSE only in the app
(Settings → Cloud server), then restart the app. This phone registered for Firebase push ("Auto"), so it opens no
event stream and picks up messages only every 15 minutes.</li>`);
  if (p.appOutdated)
    items.push(html`<li data-testid="app-outdated"><strong>App too old:</strong> SMSGate ${p.appVersion} needs
updating; myCRMSIM needs SMSGate ${MIN_APP_VERSION} or newer (the first with "SSE only").</li>`);
  if (p.batteryLow)
    items.push(html`<li data-testid="battery-low"><strong>Battery low:</strong> ${p.health?.batteryLevel} % and not
charging. Plug the phone in: a phone that switches off stops sending.</li>`);
  if (items.length === 0) return html``;
  return html`<div class="flash error"><p><strong>Warning</strong></p><ul>${items}</ul></div>`;
}

function phoneHealth(p: DeviceView, tz: string): SafeHtml {
  const h = p.health;
  const app = p.appVersion
    ? html`SMSGate ${p.appVersion}${p.appOutdated ? html` <span class="badge bad">outdated</span>` : ""}`
    : html`<span class="muted">not reported yet</span>`;
  if (!h) {
    return html`<dt>App</dt><dd data-testid="app-version">${app}</dd>
<dt>Health</dt><dd><span class="muted">no report yet (the app sends one every few minutes once it has its settings)</span></dd>`;
  }
  const battery =
    h.batteryLevel === null
      ? html`<span class="muted">not reported</span>`
      : html`${h.batteryLevel} %${h.charging === true ? ", charging" : h.charging === false ? ", not charging" : ""}${
          p.batteryLow ? html` <span class="badge bad">low</span>` : ""
        }`;
  const transports = h.transport.filter((t) => t !== "unknown").map((t) => TRANSPORT[t] ?? t);
  const connection =
    h.internet === null
      ? html`<span class="muted">not reported</span>`
      : html`${h.internet ? "internet" : html`<span class="badge bad">no internet</span>`}${
          transports.length > 0 ? ` via ${transports.join(", ")}` : ""
        }`;
  const status = HEALTH[h.status] ?? { text: h.status, badge: "" };
  return html`<dt>App</dt><dd data-testid="app-version">${app}</dd>
<dt>Battery</dt><dd data-testid="battery">${battery}</dd>
<dt>Connection</dt><dd data-testid="connection">${connection}</dd>
<dt>Failed sends, last hour</dt><dd data-testid="failed-last-hour">${
    h.failedLastHour === null ? html`<span class="muted">not reported</span>` : h.failedLastHour
  }</dd>
<dt>Health report</dt><dd data-testid="health-at"><span class="badge ${status.badge}">${status.text}</span> ${when(p.healthAt, tz)}</dd>`;
}

/**
 * `/locations/:id/phones`: the location's phones (online, last seen, SIMs, pacing), pairing a new one
 * with a QR code and one-time code, pacing edits and unpairing.
 */
export function registerPhonePages(app: FastifyInstance, deps: AppDeps): void {
  const onlineMs = () => deps.config.deviceOnlineSeconds * 1000;
  // The port this listener really has (PORT=0 picks one), for the "set PUBLIC_URL=…" advice.
  const listeningPort = () => {
    const address = app.server.address();
    return address && typeof address === "object" ? address.port : deps.config.port;
  };

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
${opts.pairing ? await pairingPanel(deps, opts.pairing, a.location.id, a.location.time_zone, listeningPort()) : ""}
<div id="phones-live" data-live="/locations/${a.location.id}/phones">
<div class="grid">
<div class="card"><div class="muted">Phones online</div><div class="stat" data-testid="online-count">${online} / ${phones.length}</div></div>
<div class="card"><div class="muted">Messages waiting for a phone</div><div class="stat">${queued}</div></div>
<div class="card"><form method="post" action="/locations/${a.location.id}/phones/pair"><input type="hidden" name="_csrf" value="${csrf}">
<p class="muted">Connect an Android phone running the SMSGate app (${MIN_APP_VERSION} or newer) to this location.</p>
<button type="submit">Pair a phone</button></form></div></div>
${
  phones.length === 0
    ? html`<div class="card" data-testid="no-phone"><p><strong>No phone yet.</strong> Pair one to start sending: press <strong>Pair a phone</strong>
above, then enter the code in the SMSGate app on an Android phone with a SIM card.${
        queued > 0 ? ` ${queued} message${queued === 1 ? " is" : "s are"} already waiting for it.` : ""
      }</p>
<p class="muted">Step by step: <code>docs/phone-setup.md</code>. To try without a phone: <code>npx mycrmsim device simulate --server URL --token TOKEN</code> with the token the pairing shows.</p></div>`
    : phones.map((p) => {
        const err = opts.error?.deviceId === p.id ? opts.error : undefined;
        const v = (k: keyof typeof p.pacing) =>
          err && opts.values ? (opts.values[k] ?? "") : p.pacing[k] === null ? "" : String(p.pacing[k]);
        return html`<div class="card phone" data-device="${p.id}"><div class="loc-head"><h2>${p.name}
<span class="badge ${p.online ? "ok" : "bad"}">${p.online ? "online" : "offline"}</span></h2>
<span class="muted">last seen ${seen(now, p.lastSeenAt)}</span></div>
${p.online || queued === 0 ? "" : offlineHelp(queued, mobileApiUrl(deps))}
${phoneWarnings(p)}
<dl class="kv"><dt>Id</dt><dd class="mono">${p.id}</dd><dt>Paired</dt><dd>${when(p.createdAt, tz)}</dd>
${phoneHealth(p, tz)}
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
      if (!isConfirmed(request.body)) {
        const phones = await listDevices({
          ctx: requestCtx(deps, request),
          input: { locationIds: [a.location.id], onlineMs: onlineMs() },
        });
        const p = phones.find((x) => x.id === request.params.deviceId);
        // The verb's answer for a phone of another location.
        if (!p) throw new AppError("device_not_found", `No device ${request.params.deviceId}`);
        return sendConfirmStep(reply, {
          title: `Unpair ${p.name}?`,
          detail: `${p.name} stops sending and receiving for ${a.location.name} at once: its token no longer works, and messages waiting for a phone stay queued. To use it again, pair it anew.`,
          action: `/locations/${a.location.id}/phones/${p.id}/remove`,
          confirmLabel: "Unpair",
          cancelHref: `/locations/${a.location.id}/phones`,
          user: a.session.user,
          current: "phones",
          csrf: csrfToken(request, reply, deps.secret, isSecure(deps)),
        });
      }
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
