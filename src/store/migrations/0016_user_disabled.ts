import type { AppMigration } from "./kit.js";

/**
 * Administrators can disable an account (someone left, a password leaked) without deleting it: their
 * messages, webhooks and audit trail keep a name. Null means enabled; the time says since when.
 */
export const m0016UserDisabled: AppMigration = {
  name: "0016_user_disabled",
  async up(db) {
    await db.schema.alterTable("users").addColumn("disabled_at", "bigint").execute();
  },
};
