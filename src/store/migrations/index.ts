import { type Migration, type MigrationResultSet, Migrator, sql } from "kysely";
import type { Store } from "../types.js";
import { m0001Accounts } from "./0001_accounts.js";
import { m0002OAuth } from "./0002_oauth.js";
import { m0005Devices } from "./0005_devices.js";
import { m0006OAuthCodes } from "./0006_oauth_codes.js";
import { m0007Messages } from "./0007_messages.js";
import { m0008Webhooks } from "./0008_webhooks.js";
import { m0009MessageLists } from "./0009_message_lists.js";
import { type AppMigration, kitFor, type SchemaDb } from "./kit.js";

/** The whole history, in order. Each domain appends its own files; names sort in apply order. */
export const MIGRATIONS: AppMigration[] = [
  m0001Accounts,
  m0002OAuth,
  m0005Devices,
  m0006OAuthCodes,
  m0007Messages,
  m0008Webhooks,
  m0009MessageLists,
];

/**
 * Bring the schema up to date. Safe to run from several processes at once: Kysely's migrator takes
 * a lock (an advisory lock on PostgreSQL) while it works.
 */
export async function migrate(store: Store): Promise<string[]> {
  const kit = kitFor(store.dialect);
  const migrations: Record<string, Migration> = {};
  for (const m of MIGRATIONS) migrations[m.name] = { up: (db: SchemaDb) => m.up(db, kit) };
  // Name the schema on PostgreSQL: otherwise Kysely looks for its tables in every schema and, when
  // another schema (another test, another tenant) has them, skips creating them in ours.
  const schema =
    store.dialect === "postgres"
      ? (await sql<{ s: string }>`select current_schema() as s`.execute(store.db)).rows[0]?.s
      : undefined;
  const migrator = new Migrator({
    db: store.db,
    provider: { getMigrations: async () => migrations },
    ...(schema ? { migrationTableSchema: schema } : {}),
  });
  const result: MigrationResultSet = await migrator.migrateToLatest();
  if (result.error) throw result.error;
  return (result.results ?? []).filter((r) => r.status === "Success").map((r) => r.migrationName);
}
