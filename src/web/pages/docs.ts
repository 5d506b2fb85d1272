import type { FastifyInstance } from "fastify";
import { html, type SafeHtml } from "../html.js";
import { page } from "../layout.js";

type Json = Record<string, unknown>;
const METHODS = ["get", "post", "put", "patch", "delete"] as const;

function schemaText(s: unknown): string {
  return JSON.stringify(s ?? {}, null, 2);
}

function operation(path: string, method: string, op: Json): SafeHtml {
  const params = (op.parameters as Json[] | undefined) ?? [];
  const body = (op.requestBody as { content?: Record<string, { schema?: unknown }> } | undefined)?.content;
  const responses = (op.responses as Record<string, { description?: string; content?: Json }>) ?? {};
  const security = (op.security as Record<string, string[]>[] | undefined) ?? [];
  const scopes = security.flatMap((s) => Object.values(s).flat());
  return html`<section class="card" id="${`${method}-${path}`.replace(/[^a-z0-9]+/gi, "-")}">
<h3><span class="badge">${method.toUpperCase()}</span> <span class="mono">${path}</span></h3>
<p>${(op.summary as string) ?? ""}</p>${op.description ? html`<p class="muted">${op.description as string}</p>` : ""}
<p><strong>Auth:</strong> ${
    security.length
      ? html`OAuth 2.0 Bearer token${scopes.length ? html` with scope <span class="mono">${scopes.join(", ")}</span>` : ""}`
      : path.startsWith("/oauth/token") || path.startsWith("/oauth/introspect")
        ? "client credentials (HTTP Basic or body)"
        : "none"
  }</p>
${
  params.length
    ? html`<h4>Parameters</h4><table><thead><tr><th>Name</th><th>In</th><th>Required</th><th>Schema</th></tr></thead><tbody>${params.map(
        (p) =>
          html`<tr><td class="mono">${String(p.name)}</td><td>${String(p.in)}</td><td>${p.required ? "yes" : "no"}</td><td class="mono">${schemaText(p.schema)}</td></tr>`,
      )}</tbody></table>`
    : ""
}
${body ? Object.entries(body).map(([type, c]) => html`<h4>Body <span class="muted mono">${type}</span></h4><pre class="mono">${schemaText(c.schema)}</pre>`) : ""}
<h4>Responses</h4><table><tbody>${Object.entries(responses).map(
    ([code, r]) =>
      html`<tr><td class="mono">${code}</td><td>${r.description ?? ""}${
        r.content
          ? Object.values(r.content as Record<string, { schema?: unknown }>).map(
              (c) => html`<pre class="mono">${schemaText(c.schema)}</pre>`,
            )
          : ""
      }</td></tr>`,
  )}</tbody></table></section>`;
}

/** The API reference, rendered on the server from the OpenAPI document (no scripts, no CDN). */
export function docsPage(doc: Json): string {
  const paths = (doc.paths as Record<string, Record<string, Json>>) ?? {};
  const ops = Object.entries(paths).flatMap(([path, item]) =>
    METHODS.filter((m) => item[m]).map((m) => ({ path, method: m, op: item[m] as Json })),
  );
  const tags = [...new Set(ops.map((o) => ((o.op.tags as string[] | undefined) ?? ["Other"])[0] ?? "Other"))];
  return page({
    title: "API reference",
    body: html`<h1>API reference</h1>
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1). Authentication: OAuth 2.0
authorization code flow (see <a href="/.well-known/oauth-authorization-server">server metadata</a>); send
<span class="mono">Authorization: Bearer &lt;access token&gt;</span>. Errors:
<span class="mono">{"error", "message", "request_id"}</span> (OAuth endpoints:
<span class="mono">{"error", "error_description"}</span>).</p>
<nav aria-label="Endpoints"><ul>${ops.map(
      (o) =>
        html`<li><a href="#${`${o.method}-${o.path}`.replace(/[^a-z0-9]+/gi, "-")}"><span class="mono">${o.method.toUpperCase()} ${o.path}</span></a></li>`,
    )}</ul></nav>
${tags.map(
  (t) =>
    html`<h2>${t}</h2>${ops
      .filter((o) => (((o.op.tags as string[] | undefined) ?? ["Other"])[0] ?? "Other") === t)
      .map((o) => operation(o.path, o.method, o.op))}`,
)}`,
  });
}

/** GET /openapi.json (from the route schemas) and GET /docs. */
export async function docsPlugin(app: FastifyInstance): Promise<void> {
  app.get("/openapi.json", { schema: { hide: true } }, async () => app.swagger());
  app.get("/docs", { schema: { hide: true } }, async (_request, reply) =>
    reply.type("text/html; charset=utf-8").send(docsPage(app.swagger() as unknown as Json)),
  );
}
