import type { Kysely } from "kysely";
import type { Dialect } from "../types.js";

// Migrations describe the schema as it was when they were written, not today's `Database` type.
// biome-ignore lint/suspicious/noExplicitAny: the schema builder is untyped by design here.
export type SchemaDb = Kysely<any>;

export interface MigrationKit {
  dialect: Dialect;
  /** Column type for an auto-incrementing integer key. */
  serial: "integer" | "bigserial";
}

/** One step of the single, dialect-neutral migration history. Never edit one that has shipped. */
export interface AppMigration {
  /** Sortable, unique: `0001_accounts`. */
  name: string;
  up(db: SchemaDb, kit: MigrationKit): Promise<void>;
}

export function kitFor(dialect: Dialect): MigrationKit {
  return { dialect, serial: dialect === "postgres" ? "bigserial" : "integer" };
}
