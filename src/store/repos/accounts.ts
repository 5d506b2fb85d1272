import type { Insertable, Selectable } from "kysely";
import type { LocationsTable, UsersTable } from "../tables/accounts.js";
import type { Db } from "../types.js";

export type UserRow = Selectable<UsersTable>;
export type LocationRow = Selectable<LocationsTable>;
export type LocationWithRole = LocationRow & { role: string };

/** Users. Emails are stored lower-cased; callers normalise before calling. */
export const users = {
  async insert(db: Db, row: Insertable<UsersTable>): Promise<void> {
    await db.insertInto("users").values(row).execute();
  },
  async byId(db: Db, id: string): Promise<UserRow | undefined> {
    return db.selectFrom("users").selectAll().where("id", "=", id).executeTakeFirst();
  },
  async byEmail(db: Db, email: string): Promise<UserRow | undefined> {
    return db.selectFrom("users").selectAll().where("email", "=", email).executeTakeFirst();
  },
  async count(db: Db): Promise<number> {
    const r = await db
      .selectFrom("users")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirst();
    return Number(r?.n ?? 0);
  },
  async list(db: Db): Promise<UserRow[]> {
    return db.selectFrom("users").selectAll().orderBy("id").execute();
  },
  async setPasswordHash(db: Db, id: string, hash: string, now: number): Promise<void> {
    await db
      .updateTable("users")
      .set({ password_hash: hash, updated_at: now })
      .where("id", "=", id)
      .execute();
  },
  async setAdmin(db: Db, id: string, isAdmin: boolean, now: number): Promise<void> {
    await db
      .updateTable("users")
      .set({ is_admin: isAdmin ? 1 : 0, updated_at: now })
      .where("id", "=", id)
      .execute();
  },
  /** Disable (`disabledAt` set) or enable (null) an account. */
  async setDisabled(db: Db, id: string, disabledAt: number | null, now: number): Promise<void> {
    await db
      .updateTable("users")
      .set({ disabled_at: disabledAt, updated_at: now })
      .where("id", "=", id)
      .execute();
  },
  /** Enabled administrators other than `exceptId`. */
  async countOtherEnabledAdmins(db: Db, exceptId: string): Promise<number> {
    const r = await db
      .selectFrom("users")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("is_admin", "=", 1)
      .where("disabled_at", "is", null)
      .where("id", "!=", exceptId)
      .executeTakeFirst();
    return Number(r?.n ?? 0);
  },
  /**
   * Serialise changes to who administers the installation: an upsert of one settings row, which
   * PostgreSQL locks until the transaction ends (SQLite runs one writer at a time anyway). Without it
   * two admins demoting each other at once under READ COMMITTED could both see the other still admin.
   */
  async lockAdminRoster(db: Db, now: number): Promise<void> {
    await db
      .insertInto("settings")
      .values({ key: "admin_roster_changed", value: String(now) })
      .onConflict((oc) => oc.column("key").doUpdateSet({ value: String(now) }))
      .execute();
  },
};

export const locations = {
  async insert(db: Db, row: LocationRow): Promise<void> {
    await db.insertInto("locations").values(row).execute();
  },
  async byId(db: Db, id: string): Promise<LocationRow | undefined> {
    return db.selectFrom("locations").selectAll().where("id", "=", id).executeTakeFirst();
  },
  async rename(db: Db, id: string, name: string, now: number): Promise<boolean> {
    const r = await db
      .updateTable("locations")
      .set({ name, updated_at: now })
      .where("id", "=", id)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  },
  async setTimeZone(db: Db, id: string, timeZone: string, now: number): Promise<void> {
    await db
      .updateTable("locations")
      .set({ time_zone: timeZone, updated_at: now })
      .where("id", "=", id)
      .execute();
  },
  async listAll(db: Db): Promise<LocationRow[]> {
    return db.selectFrom("locations").selectAll().orderBy("id").execute();
  },
  /** The locations a user belongs to, with the user's role, oldest first. */
  async listForUser(db: Db, userId: string): Promise<LocationWithRole[]> {
    return db
      .selectFrom("locations")
      .innerJoin("memberships", "memberships.location_id", "locations.id")
      .selectAll("locations")
      .select("memberships.role")
      .where("memberships.user_id", "=", userId)
      .orderBy("locations.id")
      .execute();
  },
};

export const memberships = {
  async insert(db: Db, row: { user_id: string; location_id: string; role: string; created_at: number }) {
    await db.insertInto("memberships").values(row).execute();
  },
  async get(db: Db, userId: string, locationId: string) {
    return db
      .selectFrom("memberships")
      .selectAll()
      .where("user_id", "=", userId)
      .where("location_id", "=", locationId)
      .executeTakeFirst();
  },
  async setRole(db: Db, userId: string, locationId: string, role: string): Promise<boolean> {
    const r = await db
      .updateTable("memberships")
      .set({ role })
      .where("user_id", "=", userId)
      .where("location_id", "=", locationId)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  },
  async remove(db: Db, userId: string, locationId: string): Promise<boolean> {
    const r = await db
      .deleteFrom("memberships")
      .where("user_id", "=", userId)
      .where("location_id", "=", locationId)
      .executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  },
  async listMembers(db: Db, locationId: string) {
    return db
      .selectFrom("memberships")
      .innerJoin("users", "users.id", "memberships.user_id")
      .select(["users.id", "users.email", "users.name", "memberships.role", "memberships.created_at"])
      .where("memberships.location_id", "=", locationId)
      .orderBy("memberships.created_at")
      .execute();
  },
};

export const invitations = {
  /** Create, or renew (role, inviter, times) the open invitation of this email to this location. */
  async upsert(
    db: Db,
    row: {
      id: string;
      location_id: string;
      email: string;
      role: string;
      invited_by: string;
      created_at: number;
      expires_at: number;
    },
  ): Promise<void> {
    await db
      .insertInto("location_invitations")
      .values(row)
      .onConflict((oc) =>
        oc.columns(["location_id", "email"]).doUpdateSet({
          role: row.role,
          invited_by: row.invited_by,
          created_at: row.created_at,
          expires_at: row.expires_at,
        }),
      )
      .execute();
  },
  async byId(db: Db, id: string) {
    return db.selectFrom("location_invitations").selectAll().where("id", "=", id).executeTakeFirst();
  },
  /** Open invitations of an email address, with the location's name and the inviter's name. */
  async listForEmail(db: Db, email: string, now: number) {
    return db
      .selectFrom("location_invitations")
      .innerJoin("locations", "locations.id", "location_invitations.location_id")
      .leftJoin("users", "users.id", "location_invitations.invited_by")
      .select([
        "location_invitations.id",
        "location_invitations.location_id",
        "location_invitations.role",
        "location_invitations.created_at",
        "locations.name as location_name",
        "users.name as invited_by_name",
      ])
      .where("location_invitations.email", "=", email)
      .where("location_invitations.expires_at", ">", now)
      .orderBy("location_invitations.created_at")
      .execute();
  },
  async listForLocation(db: Db, locationId: string, now: number) {
    return db
      .selectFrom("location_invitations")
      .select(["id", "email", "role", "created_at", "expires_at"])
      .where("location_id", "=", locationId)
      .where("expires_at", ">", now)
      .orderBy("created_at")
      .execute();
  },
  async remove(db: Db, id: string): Promise<boolean> {
    const r = await db.deleteFrom("location_invitations").where("id", "=", id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  },
};

export const sessions = {
  async insert(
    db: Db,
    row: { id_hash: string; user_id: string; created_at: number; expires_at: number; last_seen_at: number },
  ) {
    await db.insertInto("sessions").values(row).execute();
  },
  async byHash(db: Db, idHash: string) {
    return db.selectFrom("sessions").selectAll().where("id_hash", "=", idHash).executeTakeFirst();
  },
  async touch(db: Db, idHash: string, now: number, expiresAt: number): Promise<void> {
    await db
      .updateTable("sessions")
      .set({ last_seen_at: now, expires_at: expiresAt })
      .where("id_hash", "=", idHash)
      .execute();
  },
  async remove(db: Db, idHash: string): Promise<void> {
    await db.deleteFrom("sessions").where("id_hash", "=", idHash).execute();
  },
  /** Ends a user's sessions, all of them or all but `exceptHash`. */
  async removeForUser(db: Db, userId: string, exceptHash?: string): Promise<void> {
    let q = db.deleteFrom("sessions").where("user_id", "=", userId);
    if (exceptHash) q = q.where("id_hash", "!=", exceptHash);
    await q.execute();
  },
  async removeExpired(db: Db, now: number): Promise<number> {
    const r = await db.deleteFrom("sessions").where("expires_at", "<", now).executeTakeFirst();
    return Number(r.numDeletedRows);
  },
};

export const settings = {
  async get(db: Db, key: string): Promise<string | undefined> {
    const r = await db.selectFrom("settings").select("value").where("key", "=", key).executeTakeFirst();
    return r?.value;
  },
  /** Insert unless present, then return the stored value: every node ends up with the same one. */
  async getOrInit(db: Db, key: string, value: string): Promise<string> {
    await db
      .insertInto("settings")
      .values({ key, value })
      .onConflict((oc) => oc.column("key").doNothing())
      .execute();
    const stored = await settings.get(db, key);
    return stored ?? value;
  },
  /** Insert or replace (the last writer wins). */
  async put(db: Db, key: string, value: string): Promise<void> {
    await db
      .insertInto("settings")
      .values({ key, value })
      .onConflict((oc) => oc.column("key").doUpdateSet({ value }))
      .execute();
  },
};
