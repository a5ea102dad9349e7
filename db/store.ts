// The store: the one data interface every feature uses, whichever engine is under it
// (db/engines/sqlite.ts, db/engines/postgres.ts). Features never learn which engine runs:
// they write SQL that both engines take (docs/ARCHITECTURE.md, "The data layer") and ask the
// dialect for the few fragments that differ.
//
// - Builder queries: db.select() / insert() / update() / delete() are drizzle's, over the one
//   schema of db/schema.ts, and are always awaited (never .all() / .get() / .run(): those are
//   SQLite's synchronous calls and do not exist on PostgreSQL).
// - Hand-written SQL: db.all / get / value / column / run with `?` placeholders.
// - Writes happen inside db.tx(fn): on SQLite one IMMEDIATE transaction, on PostgreSQL one
//   transaction that first takes the writers' advisory lock, so on either engine writers follow
//   one another and a read-check-write inside fn is never interleaved with another writer.
//   Queries made while fn runs (in its async context) belong to the transaction, whichever
//   function makes them. A builder write outside db.tx is refused on both engines.
import type { BetterSQLite3Database } from "drizzle-orm/better-sqlite3";
import type * as schema from "./schema.ts";

export type Engine = "sqlite" | "postgres";
export type Params = readonly unknown[];
type Orm = BetterSQLite3Database<typeof schema>;

/** SQL fragments that differ between the engines; everything else is written once. */
export type Dialect = {
  /**
   * A subquery of the integers in one JSON-array parameter, for `col IN (${d.jsonInts})`:
   * the parameter is JSON.stringify(ids). One statement text for any number of ids.
   */
  jsonInts: string;
  /** the same for a JSON array of strings */
  jsonTexts: string;
  /** days from ISO day/time text a to b as a number (b − a), e.g. for ages and lateness */
  daysBetween(a: string, b: string): string;
  /** the current moment as ISO-8601 UTC text with milliseconds, as the schema's defaults write it */
  nowIso: string;
  /** string_agg / group_concat of a text expression with a separator literal */
  groupConcat(expr: string, sep: string): string;
};

export interface Db {
  /** for db/ and bench/ only: a feature that reads it is refused by test/lib/store-neutral.test.ts */
  readonly engine: Engine;
  readonly dialect: Dialect;
  /**
   * Is every query a round trip to a database server (PostgreSQL: yes; SQLite, answered in this
   * process: no)? A cache read "once per turn of the event loop" is then kept per request
   * instead (stats-version.ts), because each query ends a turn.
   */
  readonly roundTrips: boolean;
  readonly select: Orm["select"];
  readonly selectDistinct: Orm["selectDistinct"];
  readonly insert: Orm["insert"];
  readonly update: Orm["update"];
  readonly delete: Orm["delete"];
  all<T = Record<string, unknown>>(text: string, params?: Params): Promise<T[]>;
  get<T = Record<string, unknown>>(text: string, params?: Params): Promise<T | undefined>;
  /**
   * A read that walks many rows (a grouped count over every task): the same rows as all(), but
   * the engine keeps the server's event loop free while it runs (SQLite: on a worker thread's
   * own connection, seeing the last commit; PostgreSQL: as all(), the server does the work).
   * Inside db.tx it is all(), on the transaction. `long`: a read of seconds at a province's size
   * (the overview's figures, the reminder planner's load); SQLite gives those a thread of their
   * own, so that a short scan (a leader's search) never waits behind one.
   */
  scan<T = Record<string, unknown>>(text: string, params?: Params, opts?: { long?: boolean }): Promise<T[]>;
  /** the first column of the first row */
  value<T = unknown>(text: string, params?: Params): Promise<T | undefined>;
  /** the first column of every row */
  column<T = unknown>(text: string, params?: Params): Promise<T[]>;
  /**
   * Does the engine read this statement's rows in its ORDER BY from an index, with no sort of
   * its own? Asked of the engine's plan once per statement text and kept. A feature chooses
   * between one query and two with it (the task list): only speed depends on the answer.
   */
  readsInOrder(text: string, params?: Params): Promise<boolean>;
  /** a writing statement; outside db.tx it runs in a transaction of its own. Returns the rows changed. */
  run(text: string, params?: Params): Promise<number>;
  /** Several statements separated by semicolons, no parameters (maintenance, tests). */
  exec(text: string): Promise<void>;
  tx<T>(fn: () => Promise<T>): Promise<T>;
  /** true inside this store's db.tx */
  inTx(): boolean;
  /** how many writing statements this process has run on this store (stats-version.ts reads it) */
  writes(): number;
  migrate(): Promise<void>;
  /** An online copy of the whole database into a new file (SQLite); PostgreSQL refuses: pg_dump keeps its backups. */
  backup(file: string): Promise<void>;
  /** the query planner's statistics refreshed (the nightly maintenance) */
  analyze(): Promise<void>;
  close(): Promise<void>;
}

export class WriteOutsideTx extends Error {
  constructor(sql: string) {
    super(`写操作须在 db.tx() 之内：${sql.slice(0, 80)}`);
  }
}

/** `insert / update / delete …`: the builder's statements that must be in a transaction */
export function isWrite(sql: string): boolean {
  return /^\s*(insert|update|delete|replace)\b/i.test(sql);
}

/**
 * An answer kept per statement text, asked once (the engines' plan questions): at most `max`
 * texts, all forgotten when that is reached. A failed ask is not kept.
 */
export function keptByText<T>(max = 2000): (text: string, ask: () => Promise<T>) => Promise<T> {
  const kept = new Map<string, T>();
  return async (text, ask) => {
    if (kept.has(text)) return kept.get(text)!;
    const answer = await ask();
    if (kept.size >= max) kept.clear();
    kept.set(text, answer);
    return answer;
  };
}

/**
 * An answer kept per key for `ms` after it was asked, for answers that may be a little old (the
 * planner's statistics, a number that only picks between plans): every caller meanwhile gets
 * the one ask's promise, and the next after `ms` asks again. A failed ask is not kept.
 */
export function keptFor<T>(ms: number): (key: string, ask: () => Promise<T>) => Promise<T> {
  const kept = new Map<string, { at: number; answer: Promise<T> }>();
  return (key, ask) => {
    const hit = kept.get(key);
    if (hit && Date.now() - hit.at < ms) return hit.answer;
    const entry = { at: Date.now(), answer: ask() };
    kept.set(key, entry);
    entry.answer.catch(() => {
      if (kept.get(key) === entry) kept.delete(key);
    });
    return entry.answer;
  };
}

/**
 * What a store has under way (statements, reads on other threads, transactions), for its close():
 * `quiet()` waits until nothing is and nothing has ended for `quietMs` (a request's handler sends
 * its next statement within that), at most `waitMs`. A server stopped under load so lets the
 * requests it is still answering finish their statements instead of failing them on a closed
 * connection (a client that has gone does not stop its handler).
 */
export function activity(waitMs = 10_000, quietMs = 100) {
  let busy = 0;
  let lastEnd = 0;
  return {
    async around<T>(work: () => Promise<T>): Promise<T> {
      busy++;
      try {
        return await work();
      } finally {
        busy--;
        lastEnd = Date.now();
      }
    },
    async quiet(): Promise<void> {
      const until = Date.now() + waitMs;
      while (Date.now() < until && (busy > 0 || Date.now() - lastEnd < quietMs)) await new Promise((r) => setTimeout(r, 10));
    },
  };
}
