// openDb(target) → the store (db/store.ts) on the engine the target names: a postgres:// URL
// (db/engines/postgres.ts) or an SQLite file (db/engines/sqlite.ts). Features import the store's
// type and the helpers below from here, never an engine.
import { getTableColumns, type Table } from "drizzle-orm";
import type { Db } from "./store.ts";
import { openSqlite } from "./engines/sqlite.ts";
import { openPostgres } from "./engines/postgres.ts";
import { sqliteSearchIndex } from "./engines/search-sqlite.ts";
import { postgresSearchIndex } from "./engines/search-postgres.ts";
import type { SearchIndex } from "../server/features/search/search-index.ts";

export type { Db, Dialect, Params } from "./store.ts";
export { keptFor, WriteOutsideTx } from "./store.ts";

export const isPostgresUrl = (target: string) => /^postgres(ql)?:\/\//i.test(target);

/** Opens the store; migrations are applied by migrateDb (npm start and the CLI call both). */
export async function openDb(target: string): Promise<Db> {
  return isPostgresUrl(target) ? openPostgres(target) : openSqlite(target);
}

export async function migrateDb(db: Db): Promise<void> {
  await db.migrate();
}

/**
 * Every column of a drizzle table as `"sql_name" AS "tsName"`, for hand-written SQL whose rows
 * must look like drizzle's. Only for tables without boolean or JSON columns (those need converting).
 */
export function columnsOf(table: Table, alias?: string): string {
  return Object.entries(getTableColumns(table))
    .map(([key, c]) => `${alias ? `${alias}.` : ""}"${c.name}" AS "${key}"`)
    .join(", ");
}

/** How many writing statements this process has run on the store. */
export function writeCount(db: Db): number {
  return db.writes();
}

/** One value per open store, built on first use: prepared texts, caches and the like. */
export function perDb<T>(build: (db: Db) => T): (db: Db) => T {
  const made = new WeakMap<Db, T>();
  return (db) => {
    let v = made.get(db);
    if (v === undefined) made.set(db, (v = build(db)));
    return v;
  };
}

const searchIndexes = new WeakMap<Db, SearchIndex>();

/**
 * The text index of the store's engine (the search feature's contract, search-index.ts, which
 * each engine implements: FTS5 tables on SQLite, a GIN index of grams and scope tokens a table on PostgreSQL).
 */
export function searchIndexOf(db: Db): SearchIndex {
  let index = searchIndexes.get(db);
  if (!index) searchIndexes.set(db, (index = db.engine === "postgres" ? postgresSearchIndex(db) : sqliteSearchIndex(db)));
  return index;
}
