import type { Ctx } from "../context.js";
import { AppError } from "../core/errors.js";
import { newId } from "../core/ids.js";
import { accounts } from "../store/repos/index.js";
import { hashPassword } from "./password.js";
import { presentUser, type UserView } from "./presenters.js";
import { checkName, checkPassword, normalizeEmail } from "./validate.js";

export interface CreateUserInput {
  email: string;
  name: string;
  password: string;
  isAdmin?: boolean;
}

/** Create a user with an argon2id password hash. 409 `email_taken` if the email is in use. */
export async function createUser({ ctx, input }: { ctx: Ctx; input: CreateUserInput }): Promise<UserView> {
  const email = normalizeEmail(input.email);
  const name = checkName(input.name);
  checkPassword(input.password);
  const passwordHash = await hashPassword(input.password);
  const now = ctx.clock.now();
  const row = {
    id: newId("user", now),
    email,
    name,
    password_hash: passwordHash,
    is_admin: input.isAdmin ? 1 : 0,
    created_at: now,
    updated_at: now,
    disabled_at: null,
  };
  if (await accounts.users.byEmail(ctx.db, email)) {
    throw new AppError("email_taken", "email: a user with this email already exists", {
      details: { field: "email" },
    });
  }
  try {
    await accounts.users.insert(ctx.db, row);
  } catch (e) {
    // Two concurrent creations with the same email: the unique index decides.
    if (await accounts.users.byEmail(ctx.db, email)) {
      throw new AppError("email_taken", "email: a user with this email already exists", { cause: e });
    }
    throw e;
  }
  return presentUser(row);
}
