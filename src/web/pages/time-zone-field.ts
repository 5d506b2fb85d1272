import type { FastifyInstance } from "fastify";
import { suggestTimeZone } from "../../accounts/index.js";
import { html, type SafeHtml } from "../html.js";

const LIST_ID = "time-zones";

/** Every IANA zone this Node knows (ICU's list; old names such as Asia/Calcutta included as ICU has them). */
const ZONES: readonly string[] = Intl.supportedValuesOf("timeZone");

/** A default without JavaScript: the server's own zone (usually where the operator is), else UTC. */
export function serverTimeZone(): string {
  const tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
  return tz && ZONES.includes(tz) ? tz : "UTC";
}

/**
 * The time zone picker: a text input with a datalist of every zone, so typing "Kar" offers
 * Asia/Karachi, and any browser without datalist support still has a plain field. With `detect`, the
 * script below replaces the default with the browser's zone (left alone once the user has typed, and
 * after an error, when the field holds what they sent).
 */
export function timeZoneInput(o: {
  id: string;
  value: string;
  detect?: boolean;
  label?: SafeHtml;
}): SafeHtml {
  return html`<label for="${o.id}">${o.label ?? html`Time zone <span class="hint">(Region/City, e.g. Asia/Karachi; start typing a city)</span>`}</label>
<input id="${o.id}" name="time_zone" list="${LIST_ID}" value="${o.value}" required autocomplete="off" spellcheck="false"${
    o.detect ? html` data-tz-detect="${o.value}"` : ""
  }>`;
}

/** The datalist once per page, and the detection script (external: the CSP allows no inline script). */
export function timeZoneList(): SafeHtml {
  return html`<datalist id="${LIST_ID}">${ZONES.map((z) => html`<option value="${z}"></option>`)}</datalist>
<script src="/assets/time-zone.js" defer></script>`;
}

const SCRIPT = `(function(){var z;try{z=Intl.DateTimeFormat().resolvedOptions().timeZone}catch(e){}
if(!z)return;document.querySelectorAll("input[data-tz-detect]").forEach(function(i){
if(i.value===i.getAttribute("data-tz-detect"))i.value=z})})();`;

export function registerTimeZoneScript(app: FastifyInstance): void {
  app.get("/assets/time-zone.js", async (_request, reply) =>
    reply.type("text/javascript; charset=utf-8").header("cache-control", "public, max-age=3600").send(SCRIPT),
  );
}

/**
 * A form error in the form's words: the verbs' `time_zone: not a known IANA time zone` (the CLI's
 * wording) becomes what the user typed, how zones are written and, when one city matches, the zone
 * ("Karachi" → "Did you mean Asia/Karachi?"). Other errors pass unchanged.
 */
export function timeZoneMessage(text: string, typed: string): string {
  if (!text.startsWith("time_zone: ")) return text;
  const suggestion = suggestTimeZone(typed);
  return `Time zone: “${typed.trim().slice(0, 60)}” is not a time zone we know; they are written Region/City.${
    suggestion ? ` Did you mean ${suggestion}?` : " Pick one from the list, e.g. Europe/Berlin."
  }`;
}
