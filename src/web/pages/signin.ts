import type { FastifyInstance, FastifyRequest } from "fastify";
import { authenticate, endSession, needsSetup, startSession } from "../../accounts/index.js";
import { isAppError } from "../../core/errors.js";
import { type AppDeps, requestCtx } from "../../http/deps.js";
import { checkAuthorizeRequest } from "../../oauth/index.js";
import {
  clearSessionCookie,
  isKnownDevice,
  isSecure,
  rememberDevice,
  SESSION_COOKIE,
  safeNext,
  setSessionCookie,
} from "../auth.js";
import { csrfToken, verifyCsrf } from "../csrf.js";
import { html } from "../html.js";
import { page } from "../layout.js";

/**
 * The app asking, when sign-in was reached from /oauth/authorize (its `next`): named only when the
 * request is one we would go on with (known, enabled client and registered redirect URI), so a crafted
 * link cannot make this page name an app that is not asking.
 */
async function appAsking(deps: AppDeps, request: FastifyRequest, next: string): Promise<string | undefined> {
  if (!next.startsWith("/oauth/authorize?")) return undefined;
  const params: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(next.slice(next.indexOf("?") + 1))) params[k] ??= v;
  try {
    const check = await checkAuthorizeRequest({ ctx: requestCtx(deps, request), input: { params } });
    return check.ok ? check.client.name : undefined;
  } catch {
    return undefined;
  }
}

function signinPage(csrf: string, next: string, email: string, error?: string, app?: string): string {
  return page({
    title: app ? `Sign in to connect ${app}` : "Sign in",
    narrow: true,
    flash: error ? { kind: "error", text: error } : undefined,
    body: html`<div class="card">${
      app
        ? html`<h1>Sign in to connect <strong>${app}</strong></h1>
<p class="muted" data-testid="app-asking">${app} asks to use your myCRMSIM account. After you sign in, you see what it
may do and choose the locations it may reach, then allow or deny.</p>`
        : html`<h1>Sign in</h1>`
    }
<form method="post" action="/signin">
<input type="hidden" name="_csrf" value="${csrf}"><input type="hidden" name="next" value="${next}">
<label for="email">Email</label><input id="email" name="email" type="email" required autocomplete="username" value="${email}">
<label for="password">Password</label><input id="password" name="password" type="password" required autocomplete="current-password">
<div class="actions"><button type="submit">Sign in</button></div>
</form></div>`,
  });
}

/** Sign-in and sign-out, shared by the dashboard and the OAuth authorize flow (`next`). */
export function registerSigninPages(app: FastifyInstance, deps: AppDeps): void {
  const origin = new URL(deps.config.publicUrl).origin;
  app.get<{ Querystring: { next?: string } }>("/signin", async (request, reply) => {
    if (await needsSetup({ ctx: requestCtx(deps, request) })) return reply.redirect("/setup", 303);
    const csrf = csrfToken(request, reply, deps.secret, isSecure(deps));
    const next = safeNext(request.query.next);
    return reply
      .type("text/html; charset=utf-8")
      .send(signinPage(csrf, next, "", undefined, await appAsking(deps, request, next)));
  });

  app.post<{ Body: { email?: string; password?: string; next?: string } }>(
    "/signin",
    async (request, reply) => {
      verifyCsrf(request, deps.secret, origin);
      const ctx = requestCtx(deps, request);
      const body = request.body ?? {};
      const next = safeNext(body.next);
      const email = String(body.email ?? "");
      try {
        const knownDevice = isKnownDevice(deps, request, email, ctx.clock.now());
        const user = await authenticate({
          ctx,
          input: { email, password: String(body.password ?? ""), ip: request.ip, knownDevice },
        });
        setSessionCookie(deps, reply, await startSession({ ctx, input: { userId: user.id } }));
        rememberDevice(deps, request, reply, user.email, ctx.clock.now());
        return reply.redirect(next, 303);
      } catch (e) {
        if (isAppError(e) && e.status < 500) {
          if (e.retryAfter !== undefined) reply.header("retry-after", String(Math.ceil(e.retryAfter)));
          const csrf = csrfToken(request, reply, deps.secret, isSecure(deps));
          return reply
            .code(e.status)
            .type("text/html; charset=utf-8")
            .send(signinPage(csrf, next, email, e.message, await appAsking(deps, request, next)));
        }
        throw e;
      }
    },
  );

  app.post("/signout", async (request, reply) => {
    verifyCsrf(request, deps.secret, origin);
    const token = request.cookies[SESSION_COOKIE];
    if (token) await endSession({ ctx: requestCtx(deps, request), input: { token } });
    clearSessionCookie(deps, reply);
    return reply.redirect("/signin", 303);
  });
}
