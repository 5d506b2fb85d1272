/**
 * Examples for the /docs page, derived from the OpenAPI document alone: a curl command (or, for the
 * browser flow, the URL to open) with this instance's URL, and the first example of each body.
 */
type Json = Record<string, unknown>;

export interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  description?: string;
  example?: unknown;
  schema?: Json;
}

interface Media {
  example?: unknown;
  examples?: Record<string, { summary?: string; value?: unknown }>;
  schema?: unknown;
}

/** The first example of a media type (named examples first, as the document lists them). */
export function firstExample(media: Media | undefined): { summary?: string; value: unknown } | undefined {
  if (!media) return undefined;
  const named = Object.values(media.examples ?? {})[0];
  if (named && named.value !== undefined) return { summary: named.summary, value: named.value };
  return media.example !== undefined ? { value: media.example } : undefined;
}

/** Shell placeholders a reader replaces, per security scheme. */
const AUTH: Record<string, string[]> = {
  oauth2: ["-H 'Authorization: Bearer $ACCESS_TOKEN'"],
  clientBasic: ['-u "$CLIENT_ID:$CLIENT_SECRET"'],
  deviceToken: ["-H 'Authorization: Bearer $DEVICE_TOKEN'"],
  pairingToken: ["-H 'Authorization: Bearer $PAIRING_TOKEN'"],
  pairingCode: ["-H 'Authorization: Code $PAIRING_CODE'"],
  phoneSignature: ["-H 'X-Signature: $SIGNATURE'"],
  phoneTimestamp: ["-H 'X-Timestamp: $TIMESTAMP'"],
};

const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

function url(base: string, path: string, params: Parameter[]): string {
  let p = path;
  for (const x of params.filter((q) => q.in === "path")) {
    p = p.replace(`{${x.name}}`, x.example !== undefined ? String(x.example) : `{${x.name}}`);
  }
  const query = params
    .filter((q) => q.in === "query" && q.example !== undefined)
    .map((q) => `${encodeURIComponent(q.name)}=${encodeURIComponent(String(q.example))}`);
  return `${base}${p}${query.length ? `?${query.join("&")}` : ""}`;
}

/**
 * A curl command for the operation. A page flow (an HTML answer) is a URL to open instead. The body
 * is the request's first example, in its first media type (form fields become `-d name=value`).
 */
export function curlExample(base: string, method: string, path: string, op: Json): string {
  const params = (op.parameters as Parameter[] | undefined) ?? [];
  const target = url(base, path, params);
  const ok = (op.responses as Record<string, { content?: Record<string, unknown> }> | undefined)?.["200"];
  if (ok?.content?.["text/html"]) return `Open in the browser:\n${target}`;
  const lines = [`curl -sS${method === "get" ? "" : ` -X ${method.toUpperCase()}`} ${quote(target)}`];
  const security = (op.security as Record<string, string[]>[] | undefined) ?? [];
  for (const scheme of Object.keys(security[0] ?? {})) lines.push(...(AUTH[scheme] ?? []));
  for (const h of params.filter((q) => q.in === "header" && q.example !== undefined)) {
    lines.push(`-H ${quote(`${h.name}: ${String(h.example)}`)}`);
  }
  const content = (op.requestBody as { content?: Record<string, Media> } | undefined)?.content ?? {};
  const [type, media] = Object.entries(content)[0] ?? [];
  const body = firstExample(media)?.value;
  if (type && body !== undefined) {
    if (type === "application/x-www-form-urlencoded" && body && typeof body === "object") {
      for (const [k, v] of Object.entries(body as Json)) lines.push(`-d ${quote(`${k}=${String(v)}`)}`);
    } else {
      lines.push(`-H 'Content-Type: ${type}'`, `-d ${quote(JSON.stringify(body))}`);
    }
  }
  return lines.join(" \\\n  ");
}
