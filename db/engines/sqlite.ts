// The store on SQLite (the embedded default): better-sqlite3, WAL, one writing connection and
// one for reading. better-sqlite3 answers synchronously; the store's promises are already
// settled when returned, so a page costs what it did before the store was async.
//
// Transactions: db.tx(fn) waits its turn (one writer at a time in this process; SQLite's
// IMMEDIATE lock orders processes), opens BEGIN IMMEDIATE on the writing connection and runs fn
// in an AsyncLocalStorage context: every query made in that context uses the transaction. A
// query from any other request while a transaction is open reads on the second connection,
// which sees only what is committed, and a write from another request waits for its own turn.
import Database from "better-sqlite3";
import { AsyncLocalStorage } from "node:async_hooks";
import { Worker } from "node:worker_threads";
import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import * as schema from "../schema.ts";
import { scopeTokens, searchGrams } from "../../server/features/search/grams.ts";
import { activity, isWrite, keptByText, WriteOutsideTx, type Db, type Dialect, type Params } from "../store.ts";
import { fromRoot } from "../../server/lib/root.ts";

export const sqliteMigrations = fromRoot("db", "migrations");

export const sqliteDialect: Dialect = {
  jsonInts: "SELECT value FROM json_each(?)",
  jsonTexts: "SELECT value FROM json_each(?)",
  daysBetween: (a, b) => `(julianday(${b}) - julianday(${a}))`,
  nowIso: "strftime('%Y-%m-%dT%H:%M:%fZ','now')",
  groupConcat: (expr, sep) => `group_concat(${expr}, ${sep})`,
};

function connect(file: string, readonly = false): Database.Database {
  const sqlite = new Database(file, { readonly });
  if (!readonly) sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("foreign_keys = ON");
  sqlite.pragma("synchronous = NORMAL");
  sqlite.pragma("busy_timeout = 5000");
  sqlite.pragma("cache_size = -32000");
  // the bigram search index's tokens, made by the triggers of 0013_search_bigrams.sql: every connection that writes needs it
  sqlite.function("search_grams", { deterministic: true }, (text: unknown) => searchGrams(text as string | null));
  // and who may see each row, by 0023_search_scope.sql's triggers
  sqlite.function("search_scope", { deterministic: true }, (path: unknown, unit: unknown, owner: unknown, leader: unknown) => scopeTokens(path as string | null, unit as number | null, owner as number | null, leader as number | null));
  return sqlite;
}

/**
 * drizzle prepares every query anew; SQLite's parse and plan were a large part of a page's time
 * in the benchmark (10+ queries a page). Prepared statements are kept by their SQL text and
 * handed out again with their row mode reset (drizzle sets raw() itself where it wants arrays).
 * Nothing here iterates a statement, so a statement is never busy when handed out again.
 */
function statementCache(sqlite: Database.Database, seen: Set<(sql: string) => void>, max = 2000): (source: string) => Database.Statement {
  const cache = new Map<string, Database.Statement>();
  return (source) => {
    if (seen.size) for (const f of seen) f(source);
    const hit = cache.get(source);
    if (hit) {
      if (hit.reader) hit.raw(false).pluck(false);
      return hit;
    }
    const stmt = sqlite.prepare(source);
    if (cache.size >= max) cache.clear();
    cache.set(source, stmt);
    return stmt;
  };
}

/**
 * A statement's rows as objects, made here from its rows as arrays: better-sqlite3 builds each
 * row object through V8's API property by property, and a page's 50 rows of 8 columns cost more
 * than reading them; a function made once per statement builds them as one object literal (one
 * hidden class). The same objects: later columns of the same name win, as in better-sqlite3.
 */
type RowMaker = (r: unknown[]) => Record<string, unknown>;
const rowMakers = new WeakMap<Database.Statement, RowMaker>();
function rowMaker(stmt: Database.Statement): RowMaker {
  let make = rowMakers.get(stmt);
  if (!make) {
    const names = stmt.columns().map((c) => c.name);
    const last = new Map(names.map((n, i) => [n, i]));
    make = new Function("r", `return {${[...last].map(([n, i]) => `${JSON.stringify(n)}: r[${i}]`).join(", ")}};`) as RowMaker;
    rowMakers.set(stmt, make);
  }
  return make;
}

/** fn's value as a promise already settled (its throw as a rejection): no async function's promise and turn */
function settled<T>(fn: () => T | Promise<T>): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (e) {
    return Promise.reject(e);
  }
}

type Turn = { release: () => void };

type Reader = { all<T>(sql: string, params: unknown[]): Promise<T[]>; close(): Promise<void>; /** reads sent and not yet answered */ pending(): number };

/** The worker thread of sqlite-reader.ts: one read-only connection, queries answered in order. */
function startReader(file: string): Reader {
  // in the build, the .js beside the bundle; from the sources (tests, npm run dev), the .ts beside
  // this file, loaded through tsx's loader, which a worker thread does not inherit on Node 20
  const fromSources = import.meta.url.endsWith(".ts");
  const url = new URL(fromSources ? "./sqlite-reader.ts" : "./sqlite-reader.js", import.meta.url);
  const boot = fromSources
    ? new URL(`data:text/javascript,${encodeURIComponent(`import { register } from ${JSON.stringify(import.meta.resolve("tsx/esm/api"))}; register(); await import(${JSON.stringify(url.href)});`)}`)
    : url;
  const worker = new Worker(boot, { workerData: { file } });
  worker.unref(); // an idle reader never keeps the process alive
  const waiting = new Map<number, { resolve: (rows: unknown[]) => void; reject: (e: Error) => void }>();
  let next = 0;
  let failed: Error | null = null;
  const failAll = (e: Error) => {
    failed = e;
    for (const w of waiting.values()) w.reject(e);
    waiting.clear();
  };
  worker.on("message", (m: { id: number; rows?: unknown[]; error?: string; code?: string }) => {
    const w = waiting.get(m.id);
    if (!w) return;
    waiting.delete(m.id);
    if (waiting.size === 0) worker.unref();
    if (m.error !== undefined) w.reject(Object.assign(new Error(m.error), { code: m.code }));
    else w.resolve(m.rows!);
  });
  worker.on("error", failAll);
  worker.on("exit", (code) => failAll(new Error(`SQLite reader thread exited (${code})`)));
  return {
    all<T>(sql: string, params: unknown[]) {
      if (failed) return Promise.reject(failed);
      const id = next++;
      worker.ref(); // an answer is awaited
      return new Promise<T[]>((resolve, reject) => {
        waiting.set(id, { resolve: resolve as (rows: unknown[]) => void, reject });
        worker.postMessage({ id, sql, params });
      });
    },
    async close() {
      worker.removeAllListeners("exit");
      await worker.terminate();
    },
    pending: () => waiting.size,
  };
}

/**
 * One writers' queue per database file in this process, shared by every store opened on it (the
 * server's and, in tests, a second one): a transaction stays open across awaits, and a second
 * store's BEGIN IMMEDIATE on the same file would otherwise wait for a lock that this very event
 * loop holds.
 */
const queues = new Map<string, { tail: Promise<void> }>();
const queueOf = (file: string) => {
  let q = queues.get(file);
  if (!q) queues.set(file, (q = { tail: Promise.resolve() }));
  return q;
};

/**
 * BEGIN IMMEDIATE without blocking the event loop: another process holding the write lock (the
 * CLI's reminder run, a second server on the same file) is waited for with timers, not
 * better-sqlite3's synchronous busy wait, so this server keeps answering reads meanwhile.
 */
async function beginImmediate(sqlite: Database.Database, timeoutMs = 5000): Promise<void> {
  const started = Date.now();
  for (let wait = 2; ; wait = Math.min(wait * 2, 50)) {
    sqlite.pragma("busy_timeout = 0");
    try {
      sqlite.exec("BEGIN IMMEDIATE");
      return;
    } catch (e) {
      if ((e as { code?: string }).code !== "SQLITE_BUSY" || Date.now() - started > timeoutMs) throw e;
    } finally {
      sqlite.pragma("busy_timeout = 5000");
    }
    await new Promise((r) => setTimeout(r, wait));
  }
}

export function openSqlite(file: string): Db {
  if (file !== ":memory:") mkdirSync(dirname(file), { recursive: true });
  const main = connect(file);
  // a second connection for reads while another request's transaction is open (WAL: it sees the last commit)
  const reader = file === ":memory:" ? main : connect(file);
  const observers = new Set<(sql: string) => void>();
  const prepMain = statementCache(main, observers);
  const prepReader = reader === main ? prepMain : statementCache(reader, observers);
  const als = new AsyncLocalStorage<Db>();
  let writes = 0;
  let open = false; // a transaction is open on `main`
  // db.scan()'s threads, each started on first need: two for short reads (a second when the first
  // is busy: a scoped search's four kinds read side by side, and a second core works on them),
  // and one of its own for long reads (opts.long), so that a short read never waits behind one
  const short: Reader[] = [];
  let longWorker: Reader | null = null;
  const shortReader = (): Reader => {
    const idle = short.find((r) => r.pending() === 0);
    if (idle) return idle;
    if (short.length < 2) {
      const r = startReader(file);
      short.push(r);
      return r;
    }
    return short[0].pending() <= short[1].pending() ? short[0] : short[1];
  };
  const ordered = keptByText<boolean>(); // readsInOrder's answers
  const queue = queueOf(file === ":memory:" ? `:memory:${Math.random()}` : resolve(file));

  const mine = () => als.getStore() === store;
  /** the connection's prepare for a statement made now: outside any transaction, or in ours, `main`; else `reader` */
  const prepareFor = (source: string, write: boolean): Database.Statement => {
    if (!open || mine()) {
      const stmt = prepMain(source);
      if (!stmt.readonly) writes++;
      return stmt;
    }
    if (write) throw new WriteOutsideTx(source);
    return prepReader(source);
  };
  /**
   * A hand-written read's statement, or null for a writing one made outside this store's
   * transaction (INSERT … RETURNING through all/get: it runs in a transaction of its own). The
   * prepared statement says whether it writes (readonly); no text is matched on the way.
   */
  const readFor = (text: string): Database.Statement | null => {
    const ours = open && mine();
    const stmt = !open || ours ? prepMain(text) : prepReader(text);
    if (stmt.readonly) return stmt;
    if (!ours) return null;
    writes++;
    return stmt;
  };

  // drizzle's client: it calls prepare() when a query runs; builder writes must be in db.tx
  const client = {
    prepare(source: string) {
      const write = isWrite(source);
      if (write && !mine()) throw new WriteOutsideTx(source);
      return prepareFor(source, write);
    },
  };
  const orm = drizzle({ client: client as unknown as Database.Database, schema });

  const args = (params?: Params) => (params ?? []) as unknown[];

  const takeTurn = async (): Promise<Turn> => {
    let release!: () => void;
    const prev = queue.tail;
    queue.tail = new Promise<void>((r) => (release = r));
    await prev;
    return { release };
  };

  const active = activity(); // close() waits for what is under way
  const transaction = async <T>(fn: () => Promise<T>): Promise<T> => {
    const turn = await takeTurn();
    try {
      await beginImmediate(main);
      open = true;
      try {
        const out = await als.run(store, fn);
        main.exec("COMMIT");
        return out;
      } catch (e) {
        if (main.inTransaction) main.exec("ROLLBACK");
        throw e;
      } finally {
        open = false;
        // Between transactions the store's context is switched off: on Node 20 an enabled
        // AsyncLocalStorage runs a hook on every promise the process makes (every request's,
        // not only ours), which cost the pages a tenth of their speed. run() switches it on again.
        als.disable();
      }
    } finally {
      turn.release();
    }
  };

  const store: Db = {
    engine: "sqlite",
    dialect: sqliteDialect,
    roundTrips: false,
    select: orm.select.bind(orm),
    selectDistinct: orm.selectDistinct.bind(orm),
    insert: orm.insert.bind(orm),
    update: orm.update.bind(orm),
    delete: orm.delete.bind(orm),
    // The reads below are synchronous underneath: their promises are settled when returned
    // (settled()), without an async function's own promise and turn on the way.
    all<T>(text: string, params?: Params): Promise<T[]> {
      return settled(() => {
        const stmt = readFor(text);
        if (!stmt) return store.tx(() => store.all<T>(text, params)); // INSERT … RETURNING
        if (!stmt.reader) return stmt.all(...args(params)) as T[]; // better-sqlite3's own error
        const rows = stmt.raw(true).all(...args(params)) as unknown[][];
        const make = rowMaker(stmt);
        const out = new Array<T>(rows.length);
        for (let i = 0; i < rows.length; i++) out[i] = make(rows[i]) as T;
        return out;
      });
    },
    get<T>(text: string, params?: Params): Promise<T | undefined> {
      return settled(() => {
        const stmt = readFor(text);
        if (!stmt) return store.tx(() => store.get<T>(text, params));
        if (!stmt.reader) return stmt.get(...args(params)) as T | undefined;
        const row = stmt.raw(true).get(...args(params)) as unknown[] | undefined;
        return row && (rowMaker(stmt)(row) as T);
      });
    },
    async scan<T>(text: string, params?: Params, opts?: { long?: boolean }): Promise<T[]> {
      if (mine() || file === ":memory:") return store.all<T>(text, params);
      if (observers.size) for (const f of observers) f(text); // the statements a thread runs are the store's too
      const thread = opts?.long ? (longWorker ??= startReader(file)) : shortReader();
      return active.around(() => thread.all<T>(text, (params ?? []) as unknown[]));
    },
    value<T>(text: string, params?: Params): Promise<T | undefined> {
      return settled(() => prepareFor(text, false).pluck(true).get(...args(params)) as T | undefined);
    },
    column<T>(text: string, params?: Params): Promise<T[]> {
      return settled(() => prepareFor(text, false).pluck(true).all(...args(params)) as T[]);
    },
    readsInOrder(text: string, params?: Params) {
      return ordered(text, async () => {
        const plan = (open && !mine() ? reader : main).prepare(`EXPLAIN QUERY PLAN ${text}`).all(...args(params)) as { detail: string }[];
        return !plan.some((p) => /TEMP B-TREE FOR (ORDER BY|RIGHT PART OF ORDER BY|LAST TERM OF ORDER BY)/.test(p.detail));
      });
    },
    async run(text: string, params?: Params) {
      if (!mine()) return store.tx(() => store.run(text, params));
      const stmt = prepMain(text);
      writes++;
      if (stmt.reader) return (stmt.all(...args(params)), 0);
      return stmt.run(...args(params)).changes;
    },
    async exec(text: string) {
      if (!mine()) return store.tx(() => store.exec(text));
      writes++;
      main.exec(text);
    },
    async tx<T>(fn: () => Promise<T>): Promise<T> {
      if (mine()) return fn(); // nested: part of the open transaction
      return active.around(() => transaction(fn));
    },
    inTx: mine,
    writes: () => writes,
    async migrate() {
      migrate(drizzle(main, { schema }), { migrationsFolder: sqliteMigrations });
    },
    /**
     * ANALYZE (on a sample: analysis_limit), keeping the per-index row counts and dropping
     * sqlite_stat4's per-value samples. With samples, SQLite plans a statement again on every run
     * whose bound values it compares with an indexed column (unit_id = ?, id = ?), which cost the
     * task list more than any plan they could improve; without them a prepared statement keeps its plan.
     */
    async analyze() {
      main.pragma("analysis_limit = 1000");
      await store.tx(async () => {
        main.exec("ANALYZE");
        if (main.prepare("SELECT 1 FROM sqlite_schema WHERE name = 'sqlite_stat4'").get()) main.exec("DELETE FROM sqlite_stat4");
      });
      main.exec("ANALYZE sqlite_schema"); // the connections read the statistics again: stat1 alone
      if (reader !== main) reader.exec("ANALYZE sqlite_schema");
    },
    async backup(target: string) {
      await main.backup(target);
    },
    async close() {
      await active.quiet(); // the reads and transactions under way first (activity, db/store.ts)
      for (const r of short.splice(0)) await r.close();
      await longWorker?.close();
      if (reader !== main) reader.close();
      main.close();
    },
  };
  internals.set(store, { main, reader, observers });
  return store;
}

type Internals = { main: Database.Database; reader: Database.Database; observers: Set<(sql: string) => void> };
const internals = new WeakMap<Db, Internals>();

/** For SQLite's own tests (statement texts, planner statistics, FTS segments): undefined on another engine. */
export function sqliteInternals(db: Db): Internals | undefined {
  return internals.get(db);
}
