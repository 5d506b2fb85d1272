import { html, type SafeHtml } from "./html.js";
import type { DayCounts } from "./queries.js";

const W = 560;
const H = 170;
const TOP = 14;
const BOTTOM = 22;
const SERIES = [
  { key: "sent", label: "sent" },
  { key: "received", label: "received" },
  { key: "failed", label: "failed" },
] as const;
const CLASS = { sent: "sent", received: "recv", failed: "fail" } as const;

/**
 * Messages per day as grouped bars: an inline SVG (no script; colours come from the stylesheet's
 * classes), with the numbers in its accessible name.
 */
export function dayChart(days: DayCounts[], title: string): SafeHtml {
  const max = Math.max(1, ...days.flatMap((d) => [d.sent, d.received, d.failed]));
  const group = W / Math.max(1, days.length);
  const bar = Math.min(18, (group - 16) / 3);
  const plot = H - TOP - BOTTOM;
  const label = days
    .map(
      (d) =>
        `${new Date(d.day).toISOString().slice(5, 10)}: ${d.sent} sent, ${d.received} received, ${d.failed} failed`,
    )
    .join("; ");
  const bars = days.map((d, i) => {
    const x0 = i * group + (group - bar * 3) / 2;
    const day = new Date(d.day);
    const name = day.toLocaleDateString("en-GB", { weekday: "short", day: "numeric", timeZone: "UTC" });
    return html`<g>${SERIES.map((s, j) => {
      const v = d[s.key];
      const h = Math.round((v / max) * plot);
      const x = Math.round(x0 + j * bar);
      const y = TOP + plot - h;
      return html`<rect class="${CLASS[s.key]}" x="${x}" y="${y}" width="${Math.max(1, Math.round(bar) - 2)}" height="${h}"></rect>${
        v > 0
          ? html`<text x="${x + Math.round(bar / 2) - 1}" y="${y - 3}" text-anchor="middle">${v}</text>`
          : ""
      }`;
    })}<text x="${Math.round(i * group + group / 2)}" y="${H - 6}" text-anchor="middle">${name}</text></g>`;
  });
  return html`<svg class="chart" viewBox="0 0 ${W} ${H}" role="img" aria-label="${title}: ${label}">
<line x1="0" y1="${TOP + plot}" x2="${W}" y2="${TOP + plot}" stroke="#e3e6ee"></line>${bars}</svg>
<p class="legend muted">${SERIES.map((s) => html`<span><i class="${CLASS[s.key]}"></i>${s.label}</span>`)}</p>`;
}
