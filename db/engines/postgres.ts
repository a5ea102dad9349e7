// The store on PostgreSQL (15, and the 信创 databases that follow it): node-postgres's pool,
// the same schema and SQL as SQLite with `?` placeholders numbered here, and the few fragments
// that differ (the dialect below). Several Rectify servers share one database:
// - db.tx(fn) takes one transaction-scoped advisory lock before fn runs, so writers follow one
//   another across every server exactly as SQLite's IMMEDIATE transactions do in one file, and
//   a read-check-write in fn is never interleaved. Reads never wait for it.
// - Queries made in fn's async context (AsyncLocalStorage) use fn's connection, whichever
//   function makes them; all others take any pooled connection.
import pg from "pg";
import { AsyncLocalStorage } from "node:async_hooks";
import { drizzle } from "drizzle-orm/node-postgres";
import { migrate } from "drizzle-orm/node-postgres/migrator";
import * as schema from "../schema.ts";
import { activity, isWrite, keptByText, WriteOutsideTx, type Db, type Dialect, type Params } from "../store.ts";
import { fromRoot } from "../../server/lib/root.ts";

export const postgresMigrations = fromRoot("db", "migrations-pg");

/** pg_advisory_xact_lock key of the writers' turn, and pg_advisory_lock key of migrations */
export const WRITE_LOCK = 724_001;
const MIGRATE_LOCK = 724_002;

export const postgresDialect: Dialect = {
  jsonInts: "SELECT CAST(jsonb_array_elements_text(CAST(? AS jsonb)) AS bigint)",
  jsonTexts: "SELECT jsonb_array_elements_text(CAST(? AS jsonb))",
  daysBetween: (a, b) => `(EXTRACT(EPOCH FROM (CAST(${b} AS timestamptz) - CAST(${a} AS timestamptz))) / 86400.0)`,
  nowIso: `to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`,
  groupConcat: (expr, sep) => `string_agg(${expr}, ${sep})`,
};

/** `?` → `$1, $2, …`, outside quoted strings and identifiers; kept per text */
const numbered = new Map<string, string>();
export function numberPlaceholders(text: string): string {
  const hit = numbered.get(text);
  if (hit !== undefined) return hit;
  let out = "";
  let n = 0;
  let quote: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = null;
      out += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      out += c;
    } else if (c === "?") out += `$${++n}`;
    else out += c;
  }
  if (numbered.size > 5000) numbered.clear();
  numbered.set(text, out);
  return out;
}

/**
 * A name per statement text, so that node-postgres prepares it once per connection and the
 * server parses it once (a page's dozen short queries spent much of their time being parsed).
 * The first 2,000 texts get names (each connection keeps its prepared statements while it
 * lives); a text made from data rather than from the code's shapes, past that, runs unnamed.
 * A text that starts with VARIED takes its name from a pool of its own (500): search's
 * combined steps (search-postgres.ts), whose texts vary with the state of each kind's walk, the
 * role and the terms (thousands of shapes), so that they cannot use up the app's names; their
 * commonest shapes, met first, are named (unnamed, a search cost 10-20% more: 1,109-1,318 →
 * 899-938 req/s for short words at 100,000 tasks), the rare ones past the pool run unnamed.
 */
export const VARIED = "/* varied */ ";
/** a pool of statement names: a text's name, given from `prefix`1 on while fewer than `max` are given */
function namePool(prefix: string, max: number): (text: string) => string | undefined {
  const names = new Map<string, string>();
  return (text) => {
    const hit = names.get(text);
    if (hit !== undefined || names.size >= max) return hit;
    const name = `${prefix}${names.size + 1}`;
    names.set(text, name);
    return name;
  };
}
const appNames = namePool("r", 2000);
const variedNames = namePool("v", 500);
export function statementName(text: string): string | undefined {
  return text.startsWith(VARIED) ? variedNames(text) : appNames(text);
}

// counts come back as int8, sums of integers as numeric: numbers here, as on SQLite
const types = {
  getTypeParser(oid: number, format?: "text" | "binary") {
    if (oid === 20) return (v: string) => Number(v);
    if (oid === 1700) return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format);
  },
};

export async function openPostgres(url: string, opts: { max?: number } = {}): Promise<Db> {
  // jit off: PostgreSQL compiles a plan whose estimated cost passes jit_above_cost (100,000) to
  // machine code first, and a search step's custom plan at a million tasks is estimated at
  // ~600,000 (a walk by primary key under a LIMIT the planner cannot see through): 0.5 s of
  // compiling for a 50 ms statement, on every one of a prepared statement's first runs. The
  // app's statements are short reads by index; JIT pays for itself only in long analytic scans.
  const pool = new pg.Pool({ connectionString: url, max: opts.max ?? Number(process.env.PG_POOL_MAX ?? 10), types, options: "-c TimeZone=UTC -c jit=off" });
  pool.on("error", () => {}); // an idle client's error: the next query gets its own
  // fail now, with the server's words, rather than on the first request
  await (await pool.connect()).release();
  const als = new AsyncLocalStorage<pg.PoolClient>();
  let writes = 0;
  const target = () => als.getStore() ?? pool;
  const active = activity(); // close() waits for what is under way
  const ordered = keptByText<boolean>(); // readsInOrder's answers

  // drizzle's client: every builder query runs on the transaction's connection when there is one
  const client = {
    query(q: string | pg.QueryConfig, params?: unknown[]) {
      const text = typeof q === "string" ? q : q.text;
      if (isWrite(text)) {
        if (!als.getStore()) throw new WriteOutsideTx(text);
        writes++;
      }
      // drizzle sets its own type parsers per query (for timestamp types the schema does not use);
      // ours make counts and sums numbers, as SQLite gives them
      const config: pg.QueryConfig = typeof q === "string" ? { text: q, values: params } : { ...q, values: params ?? q.values, types };
      if (typeof q === "string") config.types = types;
      config.name ??= statementName(text);
      return active.around(() => target().query(config));
    },
  };
  const orm = drizzle({ client: client as unknown as pg.Pool, schema });

  const query = async (text: string, params?: Params, rowMode?: "array", once = false): Promise<pg.QueryResult> => {
    const sql = numberPlaceholders(text);
    const config: pg.QueryConfig = { text: sql, values: (params ?? []) as unknown[], name: once ? undefined : statementName(sql) };
    if (rowMode) (config as pg.QueryArrayConfig).rowMode = rowMode;
    return active.around(() => target().query(config) as Promise<pg.QueryResult>);
  };

  const transaction = async <T>(fn: () => Promise<T>): Promise<T> => {
    const c = await pool.connect();
    try {
      await c.query(`BEGIN; SELECT pg_advisory_xact_lock(${WRITE_LOCK})`); // one round trip
      const out = await als.run(c, fn);
      await c.query("COMMIT");
      return out;
    } catch (e) {
      await c.query("ROLLBACK").catch(() => {});
      throw e;
    } finally {
      c.release();
    }
  };

  const store: Db = {
    engine: "postgres",
    dialect: postgresDialect,
    roundTrips: true,
    select: orm.select.bind(orm) as unknown as Db["select"],
    selectDistinct: orm.selectDistinct.bind(orm) as unknown as Db["selectDistinct"],
    insert: orm.insert.bind(orm) as unknown as Db["insert"],
    update: orm.update.bind(orm) as unknown as Db["update"],
    delete: orm.delete.bind(orm) as unknown as Db["delete"],
    async all<T>(text: string, params?: Params): Promise<T[]> {
      if (isWrite(text)) {
        if (!als.getStore()) return store.tx(() => store.all<T>(text, params)); // INSERT … RETURNING
        writes++;
      }
      return (await query(text, params)).rows as T[];
    },
    async get<T>(text: string, params?: Params): Promise<T | undefined> {
      if (isWrite(text)) {
        if (!als.getStore()) return store.tx(() => store.get<T>(text, params));
        writes++;
      }
      return (await query(text, params)).rows[0] as T | undefined;
    },
    scan<T>(text: string, params?: Params, _opts?: { long?: boolean }): Promise<T[]> {
      return store.all<T>(text, params); // the database server does the work; a long read holds one pooled connection
    },
    async value<T>(text: string, params?: Params) {
      return (await query(text, params, "array")).rows[0]?.[0] as T | undefined;
    },
    async column<T>(text: string, params?: Params) {
      return (await query(text, params, "array")).rows.map((r: unknown[]) => r[0] as T);
    },
    readsInOrder(text: string, params?: Params) {
      return ordered(text, async () => {
        const plan = (await query(`EXPLAIN (FORMAT JSON) ${text}`, params, undefined, true)).rows[0]["QUERY PLAN"] as unknown;
        return !/"Node Type":"(Incremental )?Sort"/.test(JSON.stringify(plan)); // no sort node anywhere
      });
    },
    async run(text: string, params?: Params) {
      if (!als.getStore()) return store.tx(() => store.run(text, params));
      writes++;
      return (await query(text, params)).rowCount ?? 0;
    },
    async exec(text: string) {
      if (!als.getStore()) return store.tx(() => store.exec(text));
      writes++;
      await als.getStore()!.query(text);
    },
    async tx<T>(fn: () => Promise<T>): Promise<T> {
      if (als.getStore()) return fn(); // nested: part of the open transaction
      return active.around(() => transaction(fn));
    },
    inTx: () => als.getStore() !== undefined,
    writes: () => writes,
    async migrate() {
      // several servers may start at once: one migrates, the others wait and find nothing to do
      const c = await pool.connect();
      try {
        await c.query(`SELECT pg_advisory_lock(${MIGRATE_LOCK})`);
        await migrate(drizzle({ client: c }), { migrationsFolder: postgresMigrations });
      } finally {
        await c.query(`SELECT pg_advisory_unlock(${MIGRATE_LOCK})`).catch(() => {});
        c.release();
      }
    },
    async backup() {
      throw new Error("PostgreSQL 的备份请用 pg_dump");
    },
    async analyze() {
      await pool.query("ANALYZE");
    },
    /** once the statements and transactions under way are done (activity, db/store.ts) */
    async close() {
      await active.quiet();
      await pool.end();
    },
  };
  return store;
}
