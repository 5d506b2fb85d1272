import type { FastifyInstance } from "fastify";
import { listUserLocations, needsSetup } from "../../accounts/index.js";
import { devicePresence } from "../../devices/index.js";
import { type AppDeps, requestCtx } from "../../http/deps.js";
import { currentSession, isSecure } from "../auth.js";
import { dayChart } from "../chart.js";
import { csrfToken } from "../csrf.js";
import { html } from "../html.js";
import { page } from "../layout.js";
import { locationStats } from "../queries.js";

/** `/`: setup on an empty installation, sign-in when signed out, else the overview of each location. */
export function registerHomePage(app: FastifyInstance, deps: AppDeps): void {
  app.get("/", async (request, reply) => {
    const ctx = requestCtx(deps, request);
    if (await needsSetup({ ctx })) return reply.redirect("/setup", 303);
    const session = await currentSession(deps, request);
    if (!session) return reply.redirect("/signin", 303);
    const locations = await listUserLocations({ ctx, input: { userId: session.user.id } });
    const ids = locations.map((l) => l.id);
    const [presence, stats] = await Promise.all([
      devicePresence({ ctx, input: { locationIds: ids, onlineMs: deps.config.deviceOnlineSeconds * 1000 } }),
      locationStats(ctx, ids, 7),
    ]);
    const csrf = csrfToken(request, reply, deps.secret, isSecure(deps));
    const body = html`<h1>Overview</h1>
<div id="overview-live" data-live="/" data-every="15">${
      locations.length === 0
        ? html`<div class="card" data-testid="first-steps"><h2>Get started</h2><ol>
<li><a href="/locations">Create your first location →</a> <span class="muted">(a business or branch that sends SMS)</span></li>
<li>Pair an Android phone running SMSGate to it.</li>
<li>Send a test SMS, then connect Make, Zapier or n8n under Integrations.</li></ol></div>`
        : locations.map((l) => {
            const p = presence[l.id] ?? { online: 0, offline: 0, devices: [] };
            const s = stats.get(l.id);
            const stat = (label: string, value: number | string, key: string, href: string, bad = false) =>
              html`<a class="card stat-card ${bad ? "bad" : ""}" href="${href}" data-stat="${key}"><span class="muted">${label}</span><span class="stat">${value}</span></a>`;
            return html`<section class="card" data-location="${l.id}" aria-labelledby="h-${l.id}">
<div class="loc-head"><h2 id="h-${l.id}">${l.name}</h2><span class="muted">${l.role ?? ""} · <span class="mono">${l.id}</span></span></div>
${
  p.online + p.offline === 0
    ? html`<p class="next-step" data-testid="pair-first"><a class="button" href="/locations/${l.id}/phones">Pair your first phone →</a>
<span class="muted">Messages wait in the queue until a phone of this location takes them.</span></p>`
    : ""
}
<div class="stats">
${stat("Phones online", `${p.online} / ${p.online + p.offline}`, "online", `/locations/${l.id}/phones`, p.offline > 0 && p.online === 0)}
${stat("Queued", s?.queued ?? 0, "queued", `/locations/${l.id}/messages?status=queued`)}
${stat("Sent today", s?.sentToday ?? 0, "sent", `/locations/${l.id}/messages?direction=outbound`)}
${stat("Received today", s?.receivedToday ?? 0, "received", `/locations/${l.id}/messages?direction=inbound`)}
${stat("Failed today", s?.failedToday ?? 0, "failed", `/locations/${l.id}/messages?status=failed`, (s?.failedToday ?? 0) > 0)}
${stat("Webhooks failing", s?.webhooksFailing ?? 0, "webhooks", `/locations/${l.id}/webhooks`, (s?.webhooksFailing ?? 0) > 0)}
</div>
<h3>Last 7 days <span class="muted">(UTC)</span></h3>
${s ? dayChart(s.days, `Messages per day at ${l.name}`) : ""}</section>`;
          })
    }</div>`;
    return reply
      .type("text/html; charset=utf-8")
      .send(page({ title: "Overview", user: session.user, current: "overview", csrf, body, live: true }));
  });
}
