import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createRequire } from "node:module";
import { after, before, it } from "node:test";
import { createClient } from "../../src/oauth/index.js";
import { ctxFor, makeLocation, makeUser } from "../helpers/factories.js";
import { authorizeQuery, basic, consent, makeApiToken } from "../helpers/oauth.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { forEachDialect } from "../helpers/store.js";
import { type FormClient, setupAdmin } from "../helpers/web.js";

const COLLECTION = "integrations/postman/myCRMSIM.postman_collection.json";

interface Failure {
  error: { message: string; test?: string };
  source?: { name?: string };
}
interface Summary {
  run: {
    stats: { requests: { total: number }; assertions: { total: number; failed: number } };
    failures: Failure[];
    executions: { item: { name: string }; assertions?: { assertion: string }[] }[];
  };
}
type Newman = {
  run(opts: Record<string, unknown>, cb: (err: Error | null, summary: Summary) => void): unknown;
};
// newman ships no types; this is the one call we use.
const newman = createRequire(import.meta.url)("newman") as Newman;

interface PostmanItem {
  name: string;
  item?: PostmanItem[];
  request?: { auth?: { type: string } };
}
interface Collection {
  auth?: { type: string; oauth2?: { key: string; value: unknown }[] };
  item: PostmanItem[];
}
const collection = JSON.parse(readFileSync(COLLECTION, "utf8")) as Collection;
const requests = (items: PostmanItem[]): PostmanItem[] =>
  items.flatMap((i) => (i.item ? requests(i.item) : [i]));
/** The collection-level OAuth 2.0 helper's settings, `{{var}}` resolved from `vars`. */
function oauth2Helper(vars: Record<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const { key, value } of collection.auth?.oauth2 ?? []) {
    out[key] =
      typeof value === "string" ? value.replace(/\{\{(\w+)\}\}/g, (m, k: string) => vars[k] ?? m) : value;
  }
  return out;
}

function runNewman(environment: Record<string, string>): Promise<Summary> {
  return new Promise((resolve, reject) => {
    newman.run(
      {
        collection: COLLECTION,
        environment: { values: Object.entries(environment).map(([key, value]) => ({ key, value })) },
        reporters: [],
        timeoutRequest: 15_000,
      },
      (err, summary) => (err ? reject(err) : resolve(summary)),
    );
  });
}

forEachDialect("Postman collection run by newman", (dialect) => {
  let s: TestServer;
  let receiver: Server;
  let environment: Record<string, string>;
  let web: FormClient;

  before(async () => {
    s = await startTestServer(dialect);
    // A signed-in user (first-run setup, with one location) for the helper's browser step.
    web = await setupAdmin(s.url);
    // The webhook target: answers 2xx to whatever the server delivers while the run lasts.
    receiver = createServer((_req, res) => res.writeHead(204).end());
    await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
    const ctx = ctxFor(s.db.store);
    const user = await makeUser(ctx);
    const loc = await makeLocation(ctx, user.id);
    const stranger = await makeUser(ctx);
    const other = await makeLocation(ctx, stranger.id);
    const t = await makeApiToken(ctx, { userId: user.id, locationIds: [loc.id] });
    environment = {
      mainUrl: s.url,
      dispatchUrl: s.url,
      clientId: t.clientId,
      clientSecret: t.clientSecret ?? "",
      redirectUri: "https://app.example.com/cb",
      accessToken: t.accessToken,
      refreshToken: t.refreshToken,
      otherLocationId: other.id,
      targetUrl: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`,
    };
  });
  after(async () => {
    await new Promise((r) => receiver.close(r));
    await s.close();
  });

  it("every request of the collection passes its tests against a fresh server", async () => {
    const summary = await runNewman(environment);
    const lines = summary.run.failures.map(
      (f) => `${f.source?.name ?? "?"}: ${f.error.test ? `${f.error.test}: ` : ""}${f.error.message}`,
    );
    assert.equal(lines.length, 0, `newman failures:\n${lines.join("\n")}`);
    assert.ok(summary.run.stats.requests.total >= 42, `ran ${summary.run.stats.requests.total} requests`);
    assert.ok(
      summary.run.stats.assertions.total >= 84,
      `checked ${summary.run.stats.assertions.total} assertions`,
    );
    // Every webhook event is exercised: device_status subscribe, refusals, list and unsubscribe ran with their
    // tests; so is the management of one subscription (get, deliveries, replay, delete), in the collection's order.
    const ran = new Map(summary.run.executions.map((e) => [e.item.name, e.assertions?.length ?? 0]));
    const order = summary.run.executions.map((e) => e.item.name);
    const management = [
      "Get a Webhook",
      "Get a Webhook that does not exist",
      "List Webhook Deliveries",
      "List Webhook Deliveries with a bad status",
      "Replay Webhook Deliveries",
      "Replay Webhook Deliveries with a bad time",
      "Subscribe Webhook to message status",
      "Delete Webhook",
      "Get a Webhook after delete",
      "Delete Webhook again",
      "List Webhook Deliveries after delete",
    ];
    for (const name of [
      "Subscribe Webhook to phone status",
      "Subscribe Webhook to phone status again (same id)",
      "Subscribe Webhook to an unknown event",
      "Subscribe Webhook to phone status of another tenant's location",
      "Unsubscribe Webhook from phone status",
      ...management,
    ])
      assert.ok((ran.get(name) ?? 0) >= 2, `${name}: ran with ${ran.get(name) ?? 0} assertions`);
    // get, deliveries and replay run on the new_message subscription while it exists (after it is created,
    // before it is unsubscribed); delete runs on the message_status one after that one is created.
    const at = (name: string) => order.indexOf(name);
    for (const name of ["Get a Webhook", "List Webhook Deliveries", "Replay Webhook Deliveries"]) {
      assert.ok(at("Subscribe Webhook") < at(name), `${name} after Subscribe Webhook`);
      assert.ok(at(name) < at("Unsubscribe Webhook"), `${name} before Unsubscribe Webhook`);
    }
    assert.ok(at("Subscribe Webhook to message status") < at("Delete Webhook"));
    assert.ok(at("Delete Webhook") < at("Get a Webhook after delete"));
  });

  it("the collection's OAuth 2.0 helper: authorization code with PKCE against this server, as Postman runs it", async () => {
    assert.equal(collection.auth?.type, "oauth2");
    const ctx = ctxFor(s.db.store);
    const client = await createClient({
      ctx,
      input: { name: "Postman", redirectUris: ["https://oauth.pstmn.io/v1/callback"] },
    });
    const h = oauth2Helper({
      mainUrl: s.url,
      clientId: client.client_id,
      clientSecret: client.client_secret ?? "",
      accessToken: environment.accessToken ?? "",
    });
    assert.equal(h.grant_type, "authorization_code_with_pkce");
    assert.equal(h.challengeAlgorithm, "S256");
    assert.equal(h.client_authentication, "header");
    assert.equal(h.addTokenTo, "header");
    // newman sends the environment's token through the helper (the API requests inherit it).
    assert.equal(h.accessToken, environment.accessToken);
    const inheriting = requests(collection.item).filter((i) => !i.request?.auth);
    assert.ok(inheriting.length >= 30, `${inheriting.length} requests inherit the collection's auth`);
    // Its URLs are the ones the server announces.
    const meta = (await (await fetch(`${s.url}/.well-known/oauth-authorization-server`)).json()) as Record<
      string,
      unknown
    >;
    assert.equal(h.authUrl, meta.authorization_endpoint);
    assert.equal(h.accessTokenUrl, meta.token_endpoint);
    assert.equal(h.refreshTokenUrl, meta.token_endpoint);
    const scope = String(h.scope);
    for (const sc of scope.split(" ")) assert.ok((meta.scopes_supported as string[]).includes(sc), sc);
    assert.ok(scope.split(" ").includes("messages:read"), "new_message webhooks need messages:read");
    // What Postman does on "Get New Access Token": the browser step (sign-in and consent), then the code
    // exchange with the PKCE verifier, client credentials in a Basic header, as a form.
    const verifier = randomBytes(48).toString("base64url");
    const challenge = createHash("sha256").update(verifier).digest("base64url");
    const redirect = String(h.redirect_uri);
    const allowed = await consent(
      s.url,
      web.cookies,
      authorizeQuery({
        client_id: client.client_id,
        redirect_uri: redirect,
        response_type: "code",
        state: "postman",
        scope,
        code_challenge: challenge,
        code_challenge_method: "S256",
      }),
    );
    const back = new URL(allowed.headers.get("location") ?? "about:blank");
    assert.equal(`${back.origin}${back.pathname}`, redirect);
    const code = back.searchParams.get("code");
    assert.ok(code, `no code: ${allowed.status} ${back}`);
    const exchange = (body: Record<string, string>) =>
      fetch(String(h.accessTokenUrl), {
        method: "POST",
        headers: {
          authorization: basic(client.client_id, client.client_secret ?? ""),
          "content-type": "application/x-www-form-urlencoded",
        },
        body: new URLSearchParams(body).toString(),
      });
    // Without the verifier the code is refused (PKCE is checked), with it the token comes.
    const noVerifier = await exchange({ grant_type: "authorization_code", code, redirect_uri: redirect });
    assert.equal(noVerifier.status, 400);
    const code2 = new URL(
      (
        await consent(
          s.url,
          web.cookies,
          authorizeQuery({
            client_id: client.client_id,
            redirect_uri: redirect,
            response_type: "code",
            state: "postman",
            scope,
            code_challenge: challenge,
            code_challenge_method: "S256",
          }),
        )
      ).headers.get("location") ?? "about:blank",
    ).searchParams.get("code");
    assert.ok(code2);
    const r = await exchange({
      grant_type: "authorization_code",
      code: code2,
      redirect_uri: redirect,
      code_verifier: verifier,
    });
    const tok = (await r.json()) as Record<string, unknown>;
    assert.equal(r.status, 200, JSON.stringify(tok));
    assert.equal(tok.token_type, "Bearer");
    assert.equal(tok.scope, scope);
    // The token as the helper adds it, and a refresh at refreshTokenUrl.
    const me = await fetch(`${s.url}/api/v1/me`, {
      headers: { authorization: `${String(h.headerPrefix)} ${String(tok.access_token)}` },
    });
    assert.equal(me.status, 200);
    const refreshed = await exchange({
      grant_type: "refresh_token",
      refresh_token: String(tok.refresh_token),
    });
    assert.equal(refreshed.status, 200);
  });
});
