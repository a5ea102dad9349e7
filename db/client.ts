// openDb(file) → drizzle over better-sqlite3, WAL, foreign keys on; migrations applied by migrateDb.
import Database from "better-sqlite3";
import { drizzle, type BetterSQLite3Database } from "drizzle-orm/better-sqlite3";
import { getTableColumns, type Table } from "drizzle-orm";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { fromRoot } from "../server/lib/root.ts";
import * as schema from "./schema.ts";
import { searchGrams } from "../server/features/search/grams.ts";

export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

export const migrationsFolder = fromRoot("db", "migrations");

export function openDb(file: string): Db {
  if (file !== ":memory:") mkdirSync(dirname(file), { recursive: true });
  const sqlite = new Database(file);
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("foreign_keys = ON");
  sqlite.pragma("synchronous = NORMAL");
  sqlite.pragma("busy_timeout = 5000");
  sqlite.pragma("cache_size = -32000");
  // the bigram search index's tokens, made by the triggers of 0008_search_bigrams.sql: every connection that writes needs it
  sqlite.function("search_grams", { deterministic: true }, (text: unknown) => searchGrams(text as string | null));
  cacheStatements(sqlite);
  const exec = sqlite.exec.bind(sqlite);
  sqlite.exec = ((source: string) => {
    countWrite(sqlite);
    return exec(source);
  }) as typeof sqlite.exec;
  return drizzle(sqlite, { schema }) as Db;
}

/**
 * drizzle prepares every query anew; SQLite's parse and plan were a large part of a page's time
 * in the benchmark (10+ queries a page). Prepared statements are kept by their SQL text and
 * handed out again with their row mode reset (drizzle sets raw() itself where it wants arrays).
 * Nothing here iterates a statement, so a statement is never busy when handed out again.
 */
function cacheStatements(sqlite: Database.Database, max = 2000): void {
  const prepare = sqlite.prepare.bind(sqlite);
  const cache = new Map<string, Database.Statement>();
  sqlite.prepare = ((source: string) => {
    const hit = cache.get(source);
    if (hit) {
      if (hit.reader) hit.raw(true).raw(false); // back to plain rows, whatever pluck()/raw()/expand() the last user set
      return hit;
    }
    const stmt = prepare(source);
    if (!stmt.reader) {
      // count this connection's writes: a figure read earlier in the same turn is then read again (stats-version.ts)
      const run = stmt.run.bind(stmt);
      stmt.run = ((...params: unknown[]) => {
        countWrite(sqlite);
        return run(...params);
      }) as typeof stmt.run;
    }
    if (cache.size >= max) cache.clear();
    cache.set(source, stmt);
    return stmt;
  }) as typeof sqlite.prepare;
}

/**
 * Every column of a drizzle table as `"sql_name" AS "tsName"`, for hand-written SQL whose rows
 * must look like drizzle's. Only for tables without boolean or JSON columns (those need converting).
 */
export function columnsOf(table: Table): string {
  return Object.entries(getTableColumns(table))
    .map(([key, c]) => `"${c.name}" AS "${key}"`)
    .join(", ");
}

const writes = new WeakMap<Database.Database, number>();
const countWrite = (sqlite: Database.Database) => writes.set(sqlite, (writes.get(sqlite) ?? 0) + 1);

/** How many writing statements this connection has run (through prepare(); exec() is counted as one). */
export function writeCount(db: Db): number {
  return writes.get(db.$client) ?? 0;
}

/** One value per open database, built on first use: prepared queries and the like. */
export function perDb<T>(build: (db: Db) => T): (db: Db) => T {
  const made = new WeakMap<Db, T>();
  return (db) => {
    let v = made.get(db);
    if (v === undefined) made.set(db, (v = build(db)));
    return v;
  };
}

export function migrateDb(db: Db): void {
  migrate(db, { migrationsFolder });
}

/**
 * Runs fn in one IMMEDIATE transaction (the write lock is taken at the start, so two
 * processes never interleave a read-check-write).
 */
export function tx<T>(db: Db, fn: () => T): T {
  return db.$client.transaction(fn).immediate();
}
