import { createLocation, createUser, findUserByEmail } from "../accounts/index.js";
import { randomToken } from "../core/crypto.js";
import { AppError } from "../core/errors.js";
import { migrate } from "../store/index.js";
import type { CommandSpec } from "./commands.js";
import { output, withCommandCtx } from "./context.js";

export const accountCommands: CommandSpec[] = [
  {
    path: ["migrate"],
    summary: "Apply database migrations and exit",
    usage: "mycrmsim migrate [--json]",
    options: {},
    async run({ config, json }) {
      const { openStore } = await import("../store/index.js");
      const store = await openStore(config);
      try {
        const applied = await migrate(store);
        output(
          json,
          { applied, database: store.dialect },
          applied.length ? `applied: ${applied.join(", ")}` : "up to date",
        );
      } finally {
        await store.close();
      }
    },
  },
  {
    path: ["users", "create"],
    summary: "Create a user (prints a generated password once when none is given)",
    usage: "mycrmsim users create --email E --name N [--password P] [--admin] [--json]",
    options: {
      email: { type: "string" },
      name: { type: "string" },
      password: { type: "string" },
      admin: { type: "boolean" },
    },
    async run({ config, values, json }) {
      const email = required(values, "email");
      const name = required(values, "name");
      const given = typeof values.password === "string" ? values.password : undefined;
      const password = given ?? randomToken(15);
      const user = await withCommandCtx(config, (ctx) =>
        createUser({ ctx, input: { email, name, password, isAdmin: values.admin === true } }),
      );
      const shown = given ? undefined : password;
      output(
        json,
        { user, ...(shown ? { password: shown } : {}) },
        `created user ${user.id} <${user.email}>${user.is_admin ? " (admin)" : ""}${shown ? `\npassword (shown once): ${shown}` : ""}`,
      );
    },
  },
  {
    path: ["locations", "create"],
    summary: "Create a location owned by an existing user",
    usage: "mycrmsim locations create --owner EMAIL --name N [--time-zone TZ] [--json]",
    options: { owner: { type: "string" }, name: { type: "string" }, "time-zone": { type: "string" } },
    async run({ config, values, json }) {
      const ownerEmail = required(values, "owner");
      const name = required(values, "name");
      const location = await withCommandCtx(config, async (ctx) => {
        const owner = await findUserByEmail({ ctx, input: { email: ownerEmail } });
        if (!owner) throw new AppError("user_not_found", `--owner: no user with email ${ownerEmail}`);
        return createLocation({
          ctx,
          input: { ownerUserId: owner.id, name, timeZone: values["time-zone"] as string | undefined },
        });
      });
      output(json, { location }, `created location ${location.id} (${location.name})`);
    },
  },
];

export function required(values: Record<string, unknown>, name: string): string {
  const v = values[name];
  if (typeof v !== "string" || v === "") throw new AppError("invalid_request", `--${name} is required`);
  return v;
}
