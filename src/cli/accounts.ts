import { randomToken } from "../core/crypto.js";
import { AppError } from "../core/errors.js";
import type { CommandSpec } from "./commands.js";

// The domain and storage modules are loaded when a command runs, not when the CLI starts: `--help`
// and a mistyped flag then answer in a fraction of the time (most of the program is never loaded).
const domain = () => import("../accounts/index.js");
const storage = () => import("./context.js");

/** 24 characters of base64url (144 bits): strong, and survives copy-paste from a terminal. */
const generatedPassword = () => randomToken(18);

export const accountCommands: CommandSpec[] = [
  {
    path: ["migrate"],
    summary: "Apply database migrations and exit",
    usage: "mycrmsim migrate [--json]",
    options: {},
    async run({ config }) {
      const { openCommandStore } = await storage();
      const { migrate } = await import("../store/index.js");
      const store = await openCommandStore(config);
      try {
        const applied = await migrate(store);
        return {
          data: { applied, database: store.dialect },
          human: applied.length ? `applied: ${applied.join(", ")}` : "up to date",
        };
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
      email: { type: "string", required: true },
      name: { type: "string", required: true },
      password: { type: "string" },
      admin: { type: "boolean" },
    },
    async run({ config, values }) {
      const given = values.password as string | undefined;
      const password = given ?? generatedPassword();
      const [{ createUser }, { withCommandCtx }] = await Promise.all([domain(), storage()]);
      const user = await withCommandCtx(config, (ctx) =>
        createUser({
          ctx,
          input: {
            email: values.email as string,
            name: values.name as string,
            password,
            isAdmin: values.admin === true,
          },
        }),
      );
      const shown = given ? undefined : password;
      return {
        data: { user, ...(shown ? { password: shown } : {}) },
        human: `created user ${user.id} <${user.email}>${user.is_admin ? " (admin)" : ""}${shown ? `\npassword (shown once): ${shown}` : ""}`,
      };
    },
  },
  {
    path: ["users", "set-password"],
    summary:
      "Set a user's password (a forgotten one, the only admin's); generates and prints one when --password is not given. Signs the user out everywhere",
    usage: "mycrmsim users set-password --email E [--password P] [--json]",
    options: { email: { type: "string", required: true }, password: { type: "string" } },
    async run({ config, values }) {
      const given = values.password as string | undefined;
      const password = given ?? generatedPassword();
      const [{ setUserPassword }, { withCommandCtx }] = await Promise.all([domain(), storage()]);
      const { user } = await withCommandCtx(config, (ctx) =>
        setUserPassword(ctx, { email: values.email as string, password }),
      );
      const shown = given ? undefined : password;
      return {
        data: { user, ...(shown ? { password: shown } : {}) },
        human: `password set for ${user.email}; their sessions were ended${shown ? `\npassword (shown once): ${shown}` : ""}`,
      };
    },
  },
  {
    path: ["users", "disable"],
    summary: "Disable a user: no sign-in, sessions ended, app connections revoked (not the last admin)",
    usage: "mycrmsim users disable --email E [--json]",
    options: { email: { type: "string", required: true } },
    async run({ config, values }) {
      const [{ setUserDisabled }, { withCommandCtx }] = await Promise.all([domain(), storage()]);
      const { user } = await withCommandCtx(config, (ctx) =>
        setUserDisabled(ctx, { email: values.email as string, disabled: true }),
      );
      return {
        data: { user },
        human: `disabled ${user.email}: signed out, app connections revoked; \`users enable\` lets them sign in again`,
      };
    },
  },
  {
    path: ["users", "enable"],
    summary: "Enable a disabled user again (sign-in only: apps must be connected again)",
    usage: "mycrmsim users enable --email E [--json]",
    options: { email: { type: "string", required: true } },
    async run({ config, values }) {
      const [{ setUserDisabled }, { withCommandCtx }] = await Promise.all([domain(), storage()]);
      const { user } = await withCommandCtx(config, (ctx) =>
        setUserDisabled(ctx, { email: values.email as string, disabled: false }),
      );
      return { data: { user }, human: `enabled ${user.email}: they can sign in again` };
    },
  },
  {
    path: ["locations", "create"],
    summary: "Create a location owned by an existing user",
    usage: "mycrmsim locations create --owner EMAIL --name N [--time-zone TZ] [--json]",
    options: {
      owner: { type: "string", required: true },
      name: { type: "string", required: true },
      "time-zone": { type: "string" },
    },
    async run({ config, values }) {
      const ownerEmail = values.owner as string;
      const [{ createLocation, findUserByEmail }, { withCommandCtx }] = await Promise.all([
        domain(),
        storage(),
      ]);
      const location = await withCommandCtx(config, async (ctx) => {
        const owner = await findUserByEmail({ ctx, input: { email: ownerEmail } });
        if (!owner) throw new AppError("user_not_found", `--owner: no user with email ${ownerEmail}`);
        return createLocation({
          ctx,
          input: {
            ownerUserId: owner.id,
            name: values.name as string,
            timeZone: values["time-zone"] as string | undefined,
          },
        });
      });
      return { data: { location }, human: `created location ${location.id} (${location.name})` };
    },
  },
];
