import { inTransaction, type Ctx } from "../context.js";
import { AppError } from "../core/errors.js";
import { accounts } from "../store/repos/index.js";
import { createLocation } from "./create-location.js";
import { createUser } from "./create-user.js";
import type { LocationView, UserView } from "./presenters.js";

export interface SetupInput {
  email: string;
  name: string;
  password: string;
  /** Optional first location, so the new admin can pair a phone straight away. */
  locationName?: string;
  timeZone?: string;
}

/** True while the installation has no user: the dashboard then offers the setup page. */
export async function needsSetup({ ctx }: { ctx: Ctx }): Promise<boolean> {
  return (await accounts.users.count(ctx.db)) === 0;
}

/**
 * First run: create the admin (and optionally a location). Nothing is pre-seeded with a known
 * password; this works exactly once. The `setup_completed` row makes two racing requests safe: only
 * one transaction can insert it.
 */
export async function setupInstance({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: SetupInput;
}): Promise<{ user: UserView; location: LocationView | undefined }> {
  return inTransaction(ctx, async (tx) => {
    if ((await accounts.users.count(tx.db)) > 0) {
      throw new AppError("already_set_up", "This installation already has an administrator");
    }
    const marker = new Date(tx.clock.now()).toISOString();
    const stored = await accounts.settings.getOrInit(tx.db, "setup_completed", marker);
    if (stored !== marker)
      throw new AppError("already_set_up", "This installation already has an administrator");
    const user = await createUser({ ctx: tx, input: { ...input, isAdmin: true } });
    const location = input.locationName?.trim()
      ? await createLocation({
          ctx: tx,
          input: { ownerUserId: user.id, name: input.locationName, timeZone: input.timeZone },
        })
      : undefined;
    return { user, location };
  });
}
