import type { FastifyReply } from "fastify";
import type { NavUser } from "../layout.js";
import { field } from "../guards.js";
import { html, type SafeHtml } from "../html.js";
import { page } from "../layout.js";

/**
 * Destructive actions (unpair, disconnect, disable, remove) take two steps, with or without
 * JavaScript: their button POSTs without `confirm=1` and gets this page back, which says what will
 * happen and POSTs the same action again with `confirm=1` and a fresh CSRF token. Only that second
 * POST acts, so a stray click, or a form replayed without the confirmation, changes nothing.
 */
export function isConfirmed(body: unknown): boolean {
  return field(body, "confirm") === "1";
}

export interface ConfirmStep {
  /** The question, as the page's heading: "Unpair Pixel 7?". */
  title: string;
  /** What happens, in a sentence or two. */
  detail: SafeHtml | string;
  /** Where the confirmed POST goes (the same action). */
  action: string;
  /** The button that acts: "Unpair". */
  confirmLabel: string;
  /** Where "Cancel" leads back to. */
  cancelHref: string;
  /** Form fields the action needs besides the confirmation (e.g. `is_admin`). */
  fields?: Record<string, string>;
  user: NavUser;
  current: string;
  csrf: string;
}

/** Answer with the confirmation step (200; nothing was changed yet). */
export function sendConfirmStep(reply: FastifyReply, c: ConfirmStep): FastifyReply {
  const body = html`<div class="card confirm" data-testid="confirm-step"><h1>${c.title}</h1>
<p>${c.detail}</p>
<form method="post" action="${c.action}"><input type="hidden" name="_csrf" value="${c.csrf}">
<input type="hidden" name="confirm" value="1">${Object.entries(c.fields ?? {}).map(
    ([k, v]) => html`<input type="hidden" name="${k}" value="${v}">`,
  )}
<div class="actions"><button type="submit" class="danger">${c.confirmLabel}</button>
<a class="button secondary" href="${c.cancelHref}">Cancel</a></div></form></div>`;
  return reply
    .type("text/html; charset=utf-8")
    .send(page({ title: c.title, user: c.user, current: c.current, csrf: c.csrf, narrow: true, body }));
}
