import { randomBytes } from "node:crypto";
import { type AppDefinition, component, type Json, loadApp } from "./definition.js";
import { ImlError, render, type Scope } from "./iml.js";
import { MakeError, type Outcome, runRequest, target } from "./request.js";

export { MakeError } from "./request.js";

/** Make's fixed callback for custom apps on make.com (what `oauth.localRedirectUri` is there). */
export const MAKE_REDIRECT_URI = "https://www.make.com/oauth/cb/app";

export interface ConnectionParameters {
  serverUrl: string;
  dispatchUrl?: string;
  clientId?: string;
  clientSecret?: string;
}

export interface MakeOptions {
  /** Origins the app may call → where they really listen (any other host is refused). */
  hosts: Record<string, string>;
  /** The connection's parameters as the user fills them in (server URL, advanced OAuth client). */
  connection: ConnectionParameters;
  /** Common data (the app's own OAuth client, on the hosted service); none by default. */
  common?: Json;
  /** Shared with the server (a ManualClock), so `now` in IML moves when the test moves time. */
  now: () => number;
  /** Body type for `token` and `refresh` (the definition says json; Make's templates use urlencoded). */
  tokenType?: "json" | "urlencoded";
  app?: AppDefinition;
}

/**
 * Plays Make's part for one connection of our custom app: every step reads the definition and
 * evaluates its IML; nothing about our API is hard-coded here.
 */
export class MakeHarness {
  readonly app: AppDefinition;
  /** What Make keeps for the connection (`data.*`, readable as `connection.*`). */
  data: Json = {};
  /** When Make would force reauthorization (`response.expires` of token/refresh). */
  expires: unknown;
  /** Every call's log line after `log.sanitize`: tests assert no secret leaks into them. */
  readonly logs: string[] = [];
  private temp: Json = {};
  private state = "";

  constructor(readonly opts: MakeOptions) {
    this.app = opts.app ?? loadApp();
    const conn = component(this.app, "connection", "mycrmsim");
    checkParameters("connection", conn.code.params as Json[], opts.connection as unknown as Json);
  }

  private get comm(): Record<string, Json> {
    return component(this.app, "connection", "mycrmsim").code.communication as Record<string, Json>;
  }

  scope(extra: Scope = {}): Scope {
    // The connection's own sections read its parameters as `parameters.*`; modules, RPCs and webhooks
    // read them, with what the connection stored, as `connection.*`.
    return {
      common: this.opts.common ?? {},
      parameters: this.opts.connection,
      data: this.data,
      connection: { ...this.opts.connection, ...this.data },
      temp: this.temp,
      oauth: { localRedirectUri: MAKE_REDIRECT_URI, scope: this.defaultScope() },
      now: () => new Date(this.opts.now()),
      ...extra,
    };
  }

  private defaultScope(): string[] {
    return component(this.app, "connection", "mycrmsim").code.defaultScope as string[];
  }

  private call(spec: Json, scope: Scope, withBase: boolean, type?: string): Promise<Outcome> {
    return runRequest(spec, scope, {
      base: withBase ? this.app.base : undefined,
      hosts: this.opts.hosts,
      type,
      log: (l) => this.logs.push(l),
    });
  }

  /** The URL Make opens in the user's browser (Make adds `state` itself). */
  authorizeUrl(): string {
    const spec = this.comm.authorize as Json;
    this.state = randomBytes(12).toString("base64url");
    const qs = render(spec.qs, this.scope()) as Json;
    const url = target(String(render(spec.url, this.scope())), this.opts.hosts);
    for (const [k, v] of Object.entries(qs)) url.searchParams.set(k, String(v));
    url.searchParams.set("state", this.state);
    return url.href;
  }

  /** Make's callback received the browser: check `state`, keep `response.temp` (the code). */
  callback(redirected: string): void {
    const url = new URL(redirected);
    if (`${url.origin}${url.pathname}` !== MAKE_REDIRECT_URI) throw new Error(`redirected to ${redirected}`);
    const query = Object.fromEntries(url.searchParams);
    if (query.state !== this.state) throw new Error(`state mismatch: sent ${this.state}, got ${query.state}`);
    if (query.error) throw new MakeError("AuthorizationError", String(query.error), 0);
    const response = (this.comm.authorize as Json).response as Json;
    const temp = render(response.temp, this.scope({ query })) as Json;
    for (const k of Object.keys(response.temp as Json))
      if (!temp[k]) throw new ImlError(`authorize response.temp.${k} evaluated to nothing`);
    this.temp = temp;
  }

  private keep(o: Outcome): Outcome {
    // Make stores connection data as JSON: dates become ISO strings, as `data.expires` is read later.
    if (o.data) this.data = { ...this.data, ...(JSON.parse(JSON.stringify(o.data)) as Json) };
    if (o.expires !== undefined) this.expires = JSON.parse(JSON.stringify(o.expires));
    return o;
  }

  async token(): Promise<Outcome> {
    return this.keep(await this.call(this.comm.token as Json, this.scope(), false, this.opts.tokenType));
  }

  async info(): Promise<Outcome> {
    return this.call(this.comm.info as Json, this.scope(), false);
  }

  /** Runs only when the section's condition holds (the access token expires within 15 minutes). */
  async refresh(): Promise<Outcome> {
    return this.keep(await this.call(this.comm.refresh as Json, this.scope(), false, this.opts.tokenType));
  }

  async invalidate(): Promise<Outcome> {
    return this.call(this.comm.invalidate as Json, this.scope(), false);
  }

  /** An RPC's `{label, value}` options. */
  async rpc(id: string, parameters: Json = {}): Promise<unknown[]> {
    const spec = component(this.app, "rpc", id).code.communication as Json;
    return (await this.call(spec, this.scope({ parameters }), true)).output as unknown[];
  }

  /** A module run with mapped parameters; parameters are validated against the module's specs. */
  async module(id: string, parameters: Json): Promise<unknown> {
    const c = component(this.app, "module", id);
    checkParameters(
      id,
      [...((c.code.staticParams as Json[]) ?? []), ...((c.code.mappableParams as Json[]) ?? [])],
      parameters,
    );
    const spec = c.code.communication as Json;
    const scope = this.scope({ parameters });
    if (spec.pagination !== undefined) return this.paged(spec, scope);
    return (await this.call(spec, scope, true)).output;
  }

  /**
   * Make's pagination: after each page, while `pagination.condition` holds and the page had items, the
   * `pagination` directive (evaluated against that response) is merged into the request for the next
   * page; bundles stop at `response.limit`.
   */
  private async paged(spec: Json, scope: Scope): Promise<unknown[]> {
    const { pagination, ...first } = spec;
    const p = pagination as Json;
    const limitTemplate = (spec.response as Json | undefined)?.limit;
    const limit =
      limitTemplate === undefined ? Number.POSITIVE_INFINITY : Number(render(limitTemplate, scope));
    const out: unknown[] = [];
    let page: Json = first;
    for (let n = 1; ; n++) {
      if (n > 100) throw new Error("more than 100 pages: the pagination never ends");
      const o = await this.call(page, scope, true);
      const items = (o.output as unknown[] | undefined) ?? [];
      out.push(...items);
      if (out.length >= limit) return out.slice(0, limit);
      const rs = { ...scope, body: o.body, headers: o.headers, statusCode: o.statusCode };
      if (items.length === 0 || (p.condition !== undefined && !render(p.condition, rs))) return out;
      const next = render({ url: p.url, qs: p.qs, headers: p.headers, body: p.body }, rs) as Json;
      page = {
        ...first,
        ...(next.url !== undefined ? { url: next.url } : {}),
        qs: { ...((first.qs as Json) ?? {}), ...((next.qs as Json) ?? {}) },
        headers: { ...((first.headers as Json) ?? {}), ...((next.headers as Json) ?? {}) },
        ...(next.body !== undefined
          ? { body: { ...((first.body as Json) ?? {}), ...(next.body as Json) } }
          : {}),
      };
    }
  }

  /** Attach a dedicated webhook: returns what Make keeps as `webhook.*` for detach. */
  async attach(id: string, url: string, parameters: Json): Promise<Json> {
    const spec = component(this.app, "webhook", id).code.attach as Json;
    const o = await this.call(spec, this.scope({ parameters, webhook: { url } }), true);
    return { url, ...(o.data ?? {}) };
  }

  async detach(id: string, webhook: Json): Promise<Outcome> {
    const spec = component(this.app, "webhook", id).code.detach as Json;
    return this.call(spec, this.scope({ webhook }), true);
  }

  /** What the instant trigger outputs for one request arriving at the webhook's URL. */
  bundle(id: string, request: { body: unknown; headers: Json; query?: Json }): unknown {
    const spec = component(this.app, "webhook", id).code.communication as Json;
    return render(
      spec.output,
      this.scope({ body: request.body, headers: request.headers, query: request.query ?? {} }),
    );
  }
}

/** Required parameters, select values and `validate.pattern`, as Make's form enforces them. */
export function checkParameters(module: string, specs: Json[], parameters: Json): void {
  for (const p of specs) {
    const name = String(p.name);
    const v = parameters[name];
    if (p.required && (v === undefined || v === ""))
      throw new MakeError("DataError", `${module}: ${name} is required`, 0);
    if (v === undefined) continue;
    const options = Array.isArray(p.options) ? (p.options as Json[]) : undefined;
    if (options && !options.some((o) => o.value === v))
      throw new MakeError("DataError", `${module}: ${name} must be one of the options`, 0);
    const pattern = (p.validate as Json | undefined)?.pattern;
    if (pattern && !new RegExp(String(pattern)).test(String(v)))
      throw new MakeError("DataError", `${module}: ${name} does not match ${pattern}`, 0);
  }
}
