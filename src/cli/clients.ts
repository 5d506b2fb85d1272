import { AppError } from "../core/errors.js";
import { createClient, listClients, rotateClientSecret } from "../oauth/index.js";
import { required } from "./accounts.js";
import type { CommandSpec } from "./commands.js";
import { output, withCommandCtx } from "./context.js";

/** OAuth client registration for operators (the dashboard's admin pages call the same verbs). */
export const clientCommands: CommandSpec[] = [
  {
    path: ["clients", "create"],
    summary: "Register an OAuth client (prints client_id and client_secret once)",
    usage:
      "mycrmsim clients create --name N --redirect-uri U [--redirect-uri U2] [--scope S] [--require-pkce] [--json]",
    options: {
      name: { type: "string" },
      "redirect-uri": { type: "string", multiple: true },
      scope: { type: "string", multiple: true },
      "require-pkce": { type: "boolean" },
    },
    async run({ config, values, json }) {
      const name = required(values, "name");
      const uris = (values["redirect-uri"] as string[] | undefined) ?? [];
      if (uris.length === 0) throw new AppError("invalid_request", "--redirect-uri is required");
      const scopes = ((values.scope as string[] | undefined) ?? []).join(" ");
      const c = await withCommandCtx(config, (ctx) =>
        createClient({
          ctx,
          input: { name, redirectUris: uris, scopes, requirePkce: values["require-pkce"] === true },
        }),
      );
      output(
        json,
        c,
        `created OAuth client "${c.name}"\nclient_id:     ${c.client_id}\nclient_secret: ${c.client_secret}\n(the secret is shown once; store it now)\nredirect URIs: ${c.redirect_uris.join(", ")}\nscopes:        ${c.scopes}`,
      );
    },
  },
  {
    path: ["clients", "list"],
    summary: "List OAuth clients (never their secrets)",
    usage: "mycrmsim clients list [--json]",
    options: {},
    async run({ config, json }) {
      const clients = await withCommandCtx(config, (ctx) => listClients({ ctx }));
      output(
        json,
        { clients },
        clients.length === 0
          ? "no OAuth clients"
          : clients
              .map(
                (c) =>
                  `${c.client_id}  ${c.name}${c.disabled_at ? " (disabled)" : ""}\n    ${c.redirect_uris.join(" ")}\n    ${c.scopes}`,
              )
              .join("\n"),
      );
    },
  },
  {
    path: ["clients", "rotate-secret"],
    summary: "Issue a new client secret (the previous one keeps working until the next rotation)",
    usage: "mycrmsim clients rotate-secret --id CLIENT_ID [--finish] [--json]",
    options: { id: { type: "string" }, finish: { type: "boolean" } },
    async run({ config, values, json }) {
      const id = required(values, "id");
      const r = await withCommandCtx(config, (ctx) =>
        rotateClientSecret({ ctx, input: { clientId: id, finish: values.finish === true } }),
      );
      output(json, r, `client_id:     ${r.client_id}\nclient_secret: ${r.client_secret}\n(shown once)`);
    },
  },
];
