import type { FastifyInstance } from "fastify";
import { forInstance } from "../../api/openapi/document.js";
import type { AppDeps } from "../../http/deps.js";
import { html, type SafeHtml, scrollBox } from "../html.js";
import { page } from "../layout.js";
import { curlExample, firstExample, type Parameter } from "./docs-examples.js";

type Json = Record<string, unknown>;
type Response = { description?: string; content?: Record<string, Json> };
const METHODS = ["get", "post", "put", "patch", "delete"] as const;

interface Op {
  path: string;
  method: string;
  op: Json;
  tag: string;
  id: string;
}

/** The document's descriptions use Markdown code spans only: `x` becomes <code>x</code>. */
function text(s: unknown): SafeHtml {
  const parts = String(s ?? "").split("`");
  return html`${parts.map((p, i) => (i % 2 === 1 ? html`<code>${p}</code>` : p))}`;
}

/** A scrollable code block: it scrolls inside its box (never the page) and takes focus to do so. */
function code(label: string, body: string): SafeHtml {
  return html`<pre class="doc-code" tabindex="0" aria-label="${label}"><code>${body}</code></pre>`;
}

const json = (v: unknown) => JSON.stringify(v, null, 2);

function auth(op: Json, schemes: Json): SafeHtml {
  const security = (op.security as Record<string, string[]>[] | undefined) ?? [];
  const ways = security.filter((s) => Object.keys(s).length > 0);
  if (ways.length === 0) return html`none (public)`;
  const one = (req: Record<string, string[]>) =>
    Object.entries(req).map(([name, scopes]) =>
      name === "oauth2"
        ? html`OAuth 2.0 access token${scopes.length ? html` with scope ${scopes.map((x) => html`<code>${x}</code> `)}` : html` (any scope)`}`
        : html`${text((schemes[name] as { description?: string } | undefined)?.description ?? name)}`,
    );
  const optional = security.length > ways.length ? html` — or none` : "";
  return html`${ways.map((w, i) => html`${i > 0 ? html`; or ` : ""}${one(w)}`)}${optional}`;
}

function parameters(op: Json, name: string): SafeHtml | string {
  const params = (op.parameters as Parameter[] | undefined) ?? [];
  if (params.length === 0) return "";
  const type = (p: Parameter) => {
    const s = p.schema ?? {};
    return Array.isArray(s.enum) ? s.enum.join(" | ") : String(s.type ?? "");
  };
  return html`<h4>Parameters</h4>${scrollBox(
    `Parameters of ${name}`,
    html`<table><thead><tr><th>Name</th><th>In</th><th>Type</th><th>Description</th></tr></thead><tbody>${params.map(
      (p) =>
        html`<tr><td class="mono">${p.name}${p.required ? html` <span class="muted">(required)</span>` : ""}</td><td>${p.in}</td><td class="mono">${type(p)}</td><td>${text(p.description ?? "")}</td></tr>`,
    )}</tbody></table>`,
  )}`;
}

function errorTable(op: Json, name: string): SafeHtml {
  const responses = (op.responses as Record<string, Response>) ?? {};
  const rows = ((op["x-error-codes"] as string[] | undefined) ?? [])
    .map((c) => {
      const found = Object.entries(responses).find(([, r]) =>
        Object.values(r.content ?? {}).some((m) => (m.examples as Json | undefined)?.[c]),
      );
      const media = found ? Object.values(found[1].content ?? {})[0] : undefined;
      const meaning = (media?.examples as Record<string, { summary?: string }> | undefined)?.[c]?.summary;
      return { status: found?.[0] ?? "", code: c, meaning: meaning ?? "" };
    })
    .sort((a, b) => a.status.localeCompare(b.status))
    .map(
      (r) =>
        html`<tr><td class="mono">${r.status}</td><td class="mono">${r.code}</td><td>${text(r.meaning)}</td></tr>`,
    );
  return html`<h4>Errors</h4>${scrollBox(
    `Errors of ${name}`,
    html`<table><thead><tr><th>Status</th><th>Code</th><th>Meaning</th></tr></thead><tbody>${rows}</tbody></table>`,
  )}`;
}

function operation(o: Op, base: string, schemes: Json): SafeHtml {
  const { op } = o;
  const name = `${o.method.toUpperCase()} ${o.path}`;
  const servers = op.servers as { url: string }[] | undefined;
  const reqMedia = Object.entries(
    ((op.requestBody as { content?: Record<string, Json> } | undefined)?.content ?? {}) as Record<
      string,
      Json
    >,
  )[0];
  const reqExample = firstExample(reqMedia?.[1]);
  const [status, okResponse] =
    Object.entries((op.responses as Record<string, Response>) ?? {}).find(([s]) => /^2/.test(s)) ?? [];
  const okMedia = Object.values(okResponse?.content ?? {})[0];
  const okExample = firstExample(okMedia);
  const schemas = { request: reqMedia?.[1]?.schema, answer: okMedia?.schema };
  return html`<section class="card doc-op" id="${o.id}" aria-labelledby="${o.id}-h">
<h3 id="${o.id}-h"><span class="badge">${o.method.toUpperCase()}</span> <span class="mono">${o.path}</span></h3>
<p><strong>${text(op.summary)}</strong></p>${op.description ? html`<p>${text(op.description)}</p>` : ""}
<p><strong>Authentication:</strong> ${auth(op, schemes)}</p>
${parameters(op, name)}
<h4>Example</h4>${code(`Example request: ${name}`, curlExample(servers?.[0]?.url ?? base, o.method, o.path, op))}
${reqExample ? html`<h4>Request body${reqExample.summary ? html` <span class="muted">(${reqExample.summary})</span>` : ""}</h4>${code(`Request body example of ${name}`, json(reqExample.value))}` : ""}
<h4>Answer <span class="mono">${status ?? ""}</span></h4><p>${text(okResponse?.description ?? "")}</p>
${okExample ? code(`Answer example of ${name}`, typeof okExample.value === "string" ? okExample.value : json(okExample.value)) : ""}
${errorTable(op, name)}
${schemas.request || schemas.answer ? html`<details><summary>Schemas</summary>${code(`JSON Schemas of ${name}`, json(schemas))}</details>` : ""}
</section>`;
}

/** The API reference, rendered on the server from the OpenAPI document (no scripts, no CDN). */
export function docsPage(doc: Json): string {
  const paths = (doc.paths as Record<string, Record<string, Json>>) ?? {};
  const ops: Op[] = Object.entries(paths).flatMap(([path, item]) =>
    METHODS.filter((m) => item[m]).map((m) => {
      const op = item[m] as Json;
      const tag = ((op.tags as string[] | undefined) ?? ["Other"])[0] ?? "Other";
      return {
        path,
        method: m,
        op,
        tag,
        id: `op-${String(op.operationId ?? `${m}-${path}`)}`.replace(/[^\w-]+/g, "-"),
      };
    }),
  );
  const tags = (doc.tags as { name: string; description?: string }[] | undefined) ?? [];
  const used = [...new Set([...tags.map((t) => t.name), ...ops.map((o) => o.tag)])].filter((t) =>
    ops.some((o) => o.tag === t),
  );
  const base = ((doc.servers as { url: string }[] | undefined) ?? [])[0]?.url ?? "";
  const schemes = ((doc.components as Json | undefined)?.securitySchemes ?? {}) as Json;
  const flows = (schemes.oauth2 as { flows?: { authorizationCode?: { scopes?: Record<string, string> } } })
    ?.flows?.authorizationCode;
  const tagId = (t: string) => `tag-${t.replace(/[^\w-]+/g, "-")}`;
  return page({
    title: "API reference",
    body: html`<div class="docs"><h1>API reference</h1>
<section class="card" aria-labelledby="start-h"><h2 id="start-h">Getting started</h2>
<p>Base URL: <span class="mono">${base}</span>. Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1).</p>
<ol><li>An administrator registers your integration as an OAuth client (Admin → OAuth apps, or
<span class="mono">npx mycrmsim clients create --name … --redirect-uri …</span>) and gives you its id and secret.</li>
<li>Send the user to <span class="mono">/oauth/authorize</span>; they sign in, choose locations and allow. Exchange the
code at <span class="mono">/oauth/token</span> (see <a href="/.well-known/oauth-authorization-server">server metadata</a>).</li>
<li>Call the API with <span class="mono">Authorization: Bearer $ACCESS_TOKEN</span>; refresh before it expires (1 hour).</li></ol>
${flows?.scopes ? html`<h3>Scopes</h3>${scrollBox("Scopes", html`<table><thead><tr><th>Scope</th><th>Allows</th></tr></thead><tbody>${Object.entries(flows.scopes).map(([s, d]) => html`<tr><td class="mono">${s}</td><td>${d}</td></tr>`)}</tbody></table>`)}` : ""}
<h3>Errors</h3><p>API errors are <span class="mono">{"error": "code", "message": "…", "request_id": "req_…"}</span>,
plus <span class="mono">field</span> when one field is at fault. <span class="mono">error</span> is stable; each operation
lists the codes it can return. OAuth endpoints answer RFC 6749's <span class="mono">{"error", "error_description"}</span>.
Past a rate limit: 429 <span class="mono">rate_limited</span> with <span class="mono">Retry-After</span> and
<span class="mono">RateLimit</span> headers.</p></section>
<nav aria-label="Operations" class="card"><h2>Operations</h2>${used.map(
      (t) =>
        html`<h3><a href="#${tagId(t)}">${t}</a></h3><ul>${ops
          .filter((o) => o.tag === t)
          .map(
            (o) =>
              html`<li><a href="#${o.id}"><span class="mono">${o.method.toUpperCase()} ${o.path}</span></a> — ${text(o.op.summary)}</li>`,
          )}</ul>`,
    )}</nav>
${used.map(
  (t) =>
    html`<h2 id="${tagId(t)}">${t}</h2><p>${text(tags.find((x) => x.name === t)?.description ?? "")}</p>${ops
      .filter((o) => o.tag === t)
      .map((o) => operation(o, base, schemes))}`,
)}</div>`,
  });
}

/** GET /openapi.json (from the route schemas) and GET /docs, both with this instance's URLs. */
export async function docsPlugin(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const doc = () => forInstance(app.swagger() as unknown as Json, deps.config);
  app.get("/openapi.json", { schema: { hide: true } }, async () => doc());
  app.get("/docs", { schema: { hide: true } }, async (_request, reply) =>
    reply.type("text/html; charset=utf-8").send(docsPage(doc())),
  );
}
