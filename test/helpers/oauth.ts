import type { Ctx } from "../../src/context.js";
import { createClient, createGrant, type Scope, SCOPES } from "../../src/oauth/index.js";

/** An OAuth client plus a grant for `userId` on `locationIds`, without a browser: for API tests. */
export async function makeApiToken(
  ctx: Ctx,
  input: { userId: string; locationIds: string[]; scopes?: Scope[]; clientName?: string; clientId?: string },
): Promise<{
  accessToken: string;
  refreshToken: string;
  clientId: string;
  clientSecret?: string;
  grantId: string;
}> {
  let clientId = input.clientId;
  let clientSecret: string | undefined;
  if (!clientId) {
    const c = await createClient({
      ctx,
      input: { name: input.clientName ?? "Test app", redirectUris: ["https://app.example.com/cb"] },
    });
    clientId = c.client_id;
    clientSecret = c.client_secret;
  }
  const { grantId, tokens } = await createGrant({
    ctx,
    input: {
      clientId,
      userId: input.userId,
      scopes: input.scopes ?? [...SCOPES],
      locationIds: input.locationIds,
    },
  });
  return {
    accessToken: tokens.access_token,
    refreshToken: tokens.refresh_token,
    clientId,
    clientSecret,
    grantId,
  };
}

/** What the consent page offers: its CSRF token, the carried request, and the location checkboxes. */
export function parseConsent(page: string): { csrf: string; request: string; locations: string[] } {
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page)?.[1] ?? "";
  const request = (/name="request" value="([^"]*)"/.exec(page)?.[1] ?? "").replace(/&amp;/g, "&");
  const locations = [...page.matchAll(/name="location" value="([^"]+)"/g)].map((m) => m[1] ?? "");
  return { csrf, request, locations };
}

/**
 * Drive the consent page like a browser would with a signed-in cookie jar: GET the authorize URL, then
 * POST the decision (Allow with `locations`, default all; or Deny). Returns the final redirect.
 */
export async function consent(
  base: string,
  cookies: Map<string, string>,
  query: string,
  opts: { decision?: "allow" | "deny"; locations?: string[]; csrf?: string } = {},
): Promise<Response> {
  const cookie = () => [...cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  const keep = (r: Response) => {
    for (const c of r.headers.getSetCookie()) {
      const [pair] = c.split(";");
      const i = pair?.indexOf("=") ?? -1;
      if (pair && i > 0) cookies.set(pair.slice(0, i), pair.slice(i + 1));
    }
  };
  const page = await fetch(`${base}/oauth/authorize?${query}`, {
    redirect: "manual",
    headers: { cookie: cookie() },
  });
  keep(page);
  const text = await page.text();
  if (page.status !== 200) throw new Error(`authorize answered ${page.status}: ${text.slice(0, 300)}`);
  const found = parseConsent(text);
  const form = new URLSearchParams({ _csrf: opts.csrf ?? found.csrf, request: found.request });
  form.set("decision", opts.decision ?? "allow");
  for (const l of opts.locations ?? found.locations) form.append("location", l);
  return fetch(`${base}/oauth/authorize`, {
    method: "POST",
    redirect: "manual",
    headers: { cookie: cookie(), "content-type": "application/x-www-form-urlencoded" },
    body: form.toString(),
  });
}

/** Query string for an authorization request. */
export function authorizeQuery(p: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(p)) if (v !== undefined) q.append(k, v);
  return q.toString();
}

export function basic(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${id}:${secret}`).toString("base64")}`;
}
