import type { AppMigration } from "./kit.js";

/**
 * Invitations to a location: an owner names an email and a role, and the person with that email
 * accepts (or declines) from their account page; nobody becomes a member without saying yes. Keyed by
 * email, not user, so inviting an address says nothing about whether it has an account.
 */
export const m0014LocationInvitations: AppMigration = {
  name: "0014_location_invitations",
  async up(db) {
    await db.schema
      .createTable("location_invitations")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("location_id", "text", (c) => c.notNull().references("locations.id").onDelete("cascade"))
      .addColumn("email", "text", (c) => c.notNull())
      .addColumn("role", "text", (c) => c.notNull())
      .addColumn("invited_by", "text", (c) => c.references("users.id").onDelete("set null"))
      .addColumn("created_at", "bigint", (c) => c.notNull())
      .addColumn("expires_at", "bigint", (c) => c.notNull())
      .execute();
    // One open invitation per address and location (inviting again renews it).
    await db.schema
      .createIndex("location_invitations_location_email")
      .on("location_invitations")
      .columns(["location_id", "email"])
      .unique()
      .execute();
    // The invitee's list.
    await db.schema
      .createIndex("location_invitations_email")
      .on("location_invitations")
      .column("email")
      .execute();
  },
};
