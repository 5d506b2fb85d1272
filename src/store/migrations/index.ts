import {
  type DatabaseIntrospector,
  type Migration,
  type MigrationResultSet,
  Migrator,
  sql,
  type TableMetadata,
} from "kysely";
import type { Db, Store } from "../types.js";
import { m0001Accounts } from "./0001_accounts.js";
import { m0002OAuth } from "./0002_oauth.js";
import { m0005Devices } from "./0005_devices.js";
import { m0006OAuthCodes } from "./0006_oauth_codes.js";
import { m0007Messages } from "./0007_messages.js";
import { m0008Webhooks } from "./0008_webhooks.js";
import { m0009MessageLists } from "./0009_message_lists.js";
import { m0010PhoneState } from "./0010_phone_state.js";
import { m0011MessageAttachments } from "./0011_message_attachments.js";
import { m0014LocationInvitations } from "./0014_location_invitations.js";
import { m0015IdempotencyPerConnection } from "./0015_idempotency_per_connection.js";
import { m0016UserDisabled } from "./0016_user_disabled.js";
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
  m0010PhoneState,
  m0011MessageAttachments,
  m0014LocationInvitations,
  m0015IdempotencyPerConnection,
  m0016UserDisabled,
];

/**
 * Bring the schema up to date. Safe to run from several processes at once: Kysely's migrator takes
 * a lock (an advisory lock on PostgreSQL) while it works.
 */
export async function migrate(
  store: Store,
  /** Run a migration missing from the record even when later ones ran (tests that replay one). */
  opts: { allowUnordered?: boolean } = {},
): Promise<string[]> {
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
    db: schema ? inSchemaOnly(store.db, schema) : store.db,
    provider: { getMigrations: async () => migrations },
    ...(schema ? { migrationTableSchema: schema } : {}),
    allowUnorderedMigrations: opts.allowUnordered ?? false,
  });
  const result: MigrationResultSet = await migrator.migrateToLatest();
  if (result.error) throw result.error;
  return (result.results ?? []).filter((r) => r.status === "Success").map((r) => r.migrationName);
}

/**
 * The database as the migrator should see it on PostgreSQL: the same connections, but an
 * introspector that looks at our schema only. Kysely's own lists every schema of the database and
 * calls `has_schema_privilege` on each, which fails ("schema … does not exist") when another
 * process drops its schema during the scan (tests do that all the time; so may other tenants).
 */
function inSchemaOnly(db: Db, schema: string): Db {
  const introspection: DatabaseIntrospector = {
    async getSchemas() {
      return [{ name: schema }];
    },
    async getTables(): Promise<TableMetadata[]> {
      const r = await sql<{ name: string }>`
        select table_name as name from information_schema.tables where table_schema = ${schema}`.execute(db);
      return r.rows.map((t) => ({ name: t.name, schema, isView: false, columns: [] }));
    },
    async getMetadata() {
      return { tables: await this.getTables() };
    },
  };
  return new Proxy(db, {
    get(target, prop) {
      if (prop === "introspection") return introspection;
      const v = Reflect.get(target, prop, target);
      // Kysely keeps its state in private fields: methods must run on the real instance.
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
}
