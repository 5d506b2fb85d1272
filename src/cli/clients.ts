import { closest } from "../config/suggest.js";
import { AppError } from "../core/errors.js";
import { SCOPES } from "../oauth/scopes.js";
import type { CommandSpec } from "./commands.js";

// Loaded when a command runs (see accounts.ts).
const load = async () => ({ ...(await import("../oauth/index.js")), ...(await import("./context.js")) });

/** OAuth client registration for operators (the dashboard's admin pages call the same verbs). */
export const clientCommands: CommandSpec[] = [
  {
    path: ["clients", "create"],
    summary: "Register an OAuth client (prints client_id and client_secret once)",
    usage:
      "mycrmsim clients create --name N --redirect-uri U [--redirect-uri U2] [--scope S] [--require-pkce] [--json]",
    options: {
      name: { type: "string", required: true },
      "redirect-uri": { type: "string", multiple: true, required: true },
      scope: { type: "string", multiple: true },
      "require-pkce": { type: "boolean" },
    },
    async run({ config, values }) {
      const name = values.name as string;
      const uris = values["redirect-uri"] as string[];
      const list = ((values.scope as string[] | undefined) ?? [])
        .flatMap((x) => x.split(/[\s,]+/))
        .filter(Boolean);
      for (const s of list) {
        if ((SCOPES as readonly string[]).includes(s)) continue;
        const hint = closest(s, SCOPES);
        throw new AppError(
          "validation_failed",
          `--scope: unknown scope ${s}${hint ? ` (did you mean ${hint}?)` : ""}; the scopes are ${SCOPES.join(", ")}`,
        );
      }
      const scopes = list.join(" ");
      const { createClient, withCommandCtx } = await load();
      const c = await withCommandCtx(config, (ctx) =>
        createClient({
          ctx,
          input: { name, redirectUris: uris, scopes, requirePkce: values["require-pkce"] === true },
        }),
      );
      return {
        data: c,
        human: `created OAuth client "${c.name}"\nclient_id:     ${c.client_id}\nclient_secret: ${c.client_secret}\n(the secret is shown once; store it now)\nredirect URIs: ${c.redirect_uris.join(", ")}\nscopes:        ${c.scopes}`,
      };
    },
  },
  {
    path: ["clients", "list"],
    summary: "List OAuth clients (never their secrets)",
    usage: "mycrmsim clients list [--json]",
    options: {},
    async run({ config }) {
      const { listClients, withCommandCtx } = await load();
      const clients = await withCommandCtx(config, (ctx) => listClients({ ctx }));
      return {
        data: { clients },
        human:
          clients.length === 0
            ? "no OAuth clients"
            : clients
                .map(
                  (c) =>
                    `${c.client_id}  ${c.name}${c.disabled_at ? " (disabled)" : ""}\n    ${c.redirect_uris.join(" ")}\n    ${c.scopes}`,
                )
                .join("\n"),
      };
    },
  },
  {
    path: ["clients", "rotate-secret"],
    summary: "Issue a new client secret (the previous one keeps working until the next rotation)",
    usage: "mycrmsim clients rotate-secret --id CLIENT_ID [--finish] [--json]",
    options: { id: { type: "string", required: true }, finish: { type: "boolean" } },
    async run({ config, values }) {
      const id = values.id as string;
      const { rotateClientSecret, withCommandCtx } = await load();
      const r = await withCommandCtx(config, (ctx) =>
        rotateClientSecret({ ctx, input: { clientId: id, finish: values.finish === true } }),
      );
      return {
        data: r,
        human: `client_id:     ${r.client_id}\nclient_secret: ${r.client_secret}\n(shown once)`,
      };
    },
  },
];
