// db/schema.ts (SQLite, which the app's queries are built from on both engines) and
// db/schema.pg.ts (PostgreSQL's, which drizzle-kit makes db/migrations-pg from) describe the same
// tables: same columns (name, storage type, not null, default, primary key, enum values), same
// primary keys, indexes (name, unique, columns or expressions, partial condition), checks and
// foreign keys. A column or index added to one file only fails here. The last test runs the same
// statements on both engines' migrated databases and compares what the hand-written migrations'
// triggers do (the change counters, the audit log's refusals) and the constraints.
import { test } from "node:test";
import assert from "node:assert/strict";
import Database from "better-sqlite3";
import pg from "pg";
import { drizzle as sqliteDrizzle } from "drizzle-orm/better-sqlite3";
import { migrate as sqliteMigrate } from "drizzle-orm/better-sqlite3/migrator";
import { fileURLToPath } from "node:url";
import { freshDatabase, dropDatabase, NO_POSTGRES } from "../helpers/pg.ts";
import { is, SQL, Column, Table, getTableName } from "drizzle-orm";
import { getTableConfig as sqliteConfig, SQLiteSyncDialect, sqliteTable, integer as sInteger, text as sText, index as sIndex } from "drizzle-orm/sqlite-core";
import { getTableConfig as pgConfig, PgDialect, pgTable, integer as pInteger, text as pText, index as pIndex } from "drizzle-orm/pg-core";
import * as sqliteSchema from "../../db/schema.ts";
import * as pgSchema from "../../db/schema.pg.ts";

const sqliteDialect = new SQLiteSyncDialect();
const pgDialect = new PgDialect();

/** SQL text with quoting and "table". prefixes taken away, spaces collapsed, lower case */
function normalize(text: string, tableName: string): string {
  return text
    .replaceAll(`"${tableName}".`, "")
    .replaceAll(`\`${tableName}\`.`, "")
    .replace(/["`]/g, "")
    .replace(/\s+/g, " ")
    .trim()
    .toLowerCase();
}

function render(x: unknown, engine: "sqlite" | "pg", tableName: string): string {
  if (is(x, SQL)) return normalize((engine === "sqlite" ? sqliteDialect : pgDialect).sqlToQuery(x).sql, tableName);
  if (is(x, Column)) return x.name;
  // pg-core's index columns are IndexedColumn: the column's name with its order options
  if (x && typeof x === "object" && typeof (x as { name?: unknown }).name === "string") return (x as { name: string }).name;
  throw new Error(`cannot describe ${String(x)}`);
}

/** a default as it will be stored: SQLite's boolean-mode true/false are PostgreSQL's 1/0 */
function defaultValue(c: Column): string | null {
  if (!c.hasDefault) return null;
  if (c.default === undefined) return "(generated)"; // autoincrement / identity
  if (is(c.default, SQL)) return "(sql)"; // e.g. the ISO timestamp: each engine's own function
  if (typeof c.default === "boolean") return c.default ? "1" : "0";
  return JSON.stringify(c.default);
}

type Described = ReturnType<typeof describeTable>;

function describeTable(table: Table, engine: "sqlite" | "pg") {
  const cfg = engine === "sqlite" ? sqliteConfig(table as never) : pgConfig(table as never);
  const name = cfg.name;
  return {
    name,
    columns: cfg.columns.map((c: Column) => ({
      name: c.name,
      type: c.getSQLType().toLowerCase(),
      notNull: c.notNull,
      hasDefault: c.hasDefault,
      default: defaultValue(c),
      primary: c.primary,
      enumValues: c.enumValues ?? null,
    })),
    primaryKeys: cfg.primaryKeys.map((k) => k.columns.map((c) => c.name).join(",")).sort(),
    indexes: cfg.indexes
      .map((i) => {
        const ic = i.config as { name?: string; unique?: boolean; columns: unknown[]; where?: SQL; method?: string };
        if (engine === "pg" && ic.method && ic.method !== "btree") throw new Error(`${name}.${ic.name}: ${ic.method} (SQLite has only b-trees)`);
        return {
          name: ic.name ?? "",
          unique: Boolean(ic.unique),
          columns: ic.columns.map((c) => render(c, engine, name)),
          where: ic.where ? render(ic.where, engine, name) : null,
        };
      })
      .sort((a, b) => a.name.localeCompare(b.name)),
    checks: cfg.checks.map((c) => ({ name: c.name, value: render(c.value, engine, name) })).sort((a, b) => a.name.localeCompare(b.name)),
    foreignKeys: cfg.foreignKeys
      .map((fk) => {
        const r = fk.reference();
        return `${r.columns.map((c) => c.name).join(",")} → ${getTableName(r.foreignTable)}(${r.foreignColumns.map((c) => c.name).join(",")}) on delete ${fk.onDelete ?? "no action"} on update ${fk.onUpdate ?? "no action"}`;
      })
      .sort(),
  };
}

function tables(schema: Record<string, unknown>): Map<string, Table> {
  return new Map(Object.entries(schema).filter((e): e is [string, Table] => is(e[1], Table)));
}

/** every difference between the two descriptions, one line each */
function differences(a: Described, b: Described): string[] {
  const out: string[] = [];
  const byName = <T extends { name: string }>(xs: T[]) => new Map(xs.map((x) => [x.name, x]));
  const compare = <T extends { name: string }>(what: string, xs: T[], ys: T[]) => {
    const mx = byName(xs);
    const my = byName(ys);
    for (const [n, x] of mx) {
      const y = my.get(n);
      if (!y) out.push(`${a.name}: ${what} ${n} only in db/schema.ts`);
      else if (JSON.stringify(x) !== JSON.stringify(y)) out.push(`${a.name}: ${what} ${n} differs: sqlite ${JSON.stringify(x)} / pg ${JSON.stringify(y)}`);
    }
    for (const n of my.keys()) if (!mx.has(n)) out.push(`${a.name}: ${what} ${n} only in db/schema.pg.ts`);
  };
  if (a.name !== b.name) out.push(`table name ${a.name} / ${b.name}`);
  compare("column", a.columns, b.columns);
  compare("index", a.indexes, b.indexes);
  compare("check", a.checks, b.checks);
  if (JSON.stringify(a.primaryKeys) !== JSON.stringify(b.primaryKeys)) out.push(`${a.name}: primary keys ${a.primaryKeys} / ${b.primaryKeys}`);
  for (const fk of a.foreignKeys) if (!b.foreignKeys.includes(fk)) out.push(`${a.name}: foreign key ${fk} only in db/schema.ts`);
  for (const fk of b.foreignKeys) if (!a.foreignKeys.includes(fk)) out.push(`${a.name}: foreign key ${fk} only in db/schema.pg.ts`);
  return out;
}

test("db/schema.ts and db/schema.pg.ts export the same tables under the same names", () => {
  const s = tables(sqliteSchema);
  const p = tables(pgSchema);
  assert.ok(s.size >= 14, `only ${s.size} tables found in db/schema.ts`);
  assert.deepEqual(
    [...p.keys()].map((k) => `${k}=${getTableName(p.get(k)!)}`).sort(),
    [...s.keys()].map((k) => `${k}=${getTableName(s.get(k)!)}`).sort(),
  );
});

test("every table has the same columns, primary keys, indexes, checks and foreign keys on both engines", () => {
  const p = tables(pgSchema);
  const all: string[] = [];
  for (const [key, table] of tables(sqliteSchema)) {
    const other = p.get(key);
    if (!other) continue; // the test above names it
    all.push(...differences(describeTable(table, "sqlite"), describeTable(other, "pg")));
  }
  assert.deepEqual(all, [], `db/schema.pg.ts must store what db/schema.ts does:\n${all.join("\n")}`);
});

test("the comparison sees a real difference (a column's nullability, a default, an index's columns, a foreign key)", () => {
  const su = sqliteTable("u", { id: sInteger("id").primaryKey({ autoIncrement: true }) });
  const pu = pgTable("u", { id: pInteger("id").primaryKey().generatedByDefaultAsIdentity() });
  const s = sqliteTable("t", { id: sInteger("id").primaryKey({ autoIncrement: true }), a: sText("a").notNull(), on: sInteger("on", { mode: "boolean" }).notNull().default(true), u: sInteger("u").references(() => su.id) }, (t) => [sIndex("t_a_idx").on(t.a, t.on)]);
  const same = pgTable("t", { id: pInteger("id").primaryKey().generatedByDefaultAsIdentity(), a: pText("a").notNull(), on: pInteger("on").notNull().default(1), u: pInteger("u").references(() => pu.id) }, (t) => [pIndex("t_a_idx").on(t.a, t.on)]);
  const other = pgTable("t", { id: pInteger("id").primaryKey().generatedByDefaultAsIdentity(), a: pText("a"), on: pInteger("on").notNull().default(0), u: pInteger("u") }, (t) => [pIndex("t_a_idx").on(t.on, t.a)]);
  assert.deepEqual(differences(describeTable(s, "sqlite"), describeTable(same, "pg")), []);
  const found = differences(describeTable(s, "sqlite"), describeTable(other, "pg")).join("\n");
  assert.match(found, /column a differs/);
  assert.match(found, /column on differs/);
  assert.match(found, /index t_a_idx differs/);
  assert.match(found, /foreign key u → u\(id\).* only in db\/schema.ts/);
});

// Statements both engines take, each followed by a look at the counters: the same result (rows
// changed, or the kind of error) and the same stats_version / directory_version on both.
const stmts: string[] = [
  "INSERT INTO units (id, code, name, kind, path) VALUES (1, 'u1', 'Root', 'committee', '/1/')",
  "INSERT INTO units (id, code, name, kind, parent_id, path) VALUES (2, 'u2', 'B', 'branch', 1, '/1/2/'), (3, 'u3', 'C', 'branch', 1, '/1/3/'), (4, 'u4', 'D', 'branch', 1, '/1/4/')",
  "INSERT INTO units (id, code, name, kind, path) SELECT 100, 'none', 'n', 'branch', '' WHERE 1 = 0",
  "UPDATE units SET name = 'B2' WHERE id = 2",
  "UPDATE units SET rating_year = 2025",
  "UPDATE units SET require_evidence = 0 WHERE id IN (2, 3)",
  "UPDATE units SET require_signoff_check = 0 WHERE id = 4",
  "UPDATE units SET report_addressee = 'x', secretary_id = NULL",
  "UPDATE units SET name = name, path = path",
  "UPDATE units SET rating = 'weak' WHERE id > 1",
  "UPDATE units SET rating = NULL WHERE id = 2",
  "UPDATE units SET parent_id = 2, path = '/1/2/3/' WHERE id = 3",
  "INSERT INTO users (id, email, name, role, unit_id, password_hash) VALUES (1, 'a@x', 'A', 'admin', 1, 'h'), (2, 'b@x', 'B', 'staff', 2, 'h'), (3, 'c@x', 'C', 'leader', 2, 'h')",
  "UPDATE users SET failed_logins = 1, locked_until = 'z', remind_days = '1', password_hash = 'k'",
  "UPDATE users SET active = 0 WHERE id = 1",
  "UPDATE users SET active = 0",
  "UPDATE users SET role = 'leader', name = 'BB' WHERE id = 2",
  "UPDATE users SET unit_id = 3 WHERE id = 3",
  "UPDATE users SET email = 'B@X' WHERE id = 2",
  "INSERT INTO users (email, name, role, unit_id, password_hash) VALUES ('A@X', 'dup', 'staff', 1, 'h')",
  "INSERT INTO reports (id, title, unit_id, format, full_text, imported_by) VALUES (1, '报告', 2, 'txt', '全文', 1)",
  "INSERT INTO problems (id, report_id, seq, text) VALUES (1, 1, 1, '问题一'), (2, 1, 2, '问题二')",
  "UPDATE problems SET category = 'a'",
  "UPDATE problems SET category = 'a'",
  "UPDATE problems SET text = 'y', measures = 'm'",
  "UPDATE problems SET category = NULL WHERE id = 2",
  "INSERT INTO tasks (id, unit_id, owner_id, title, deadline_kind, deadline, problem_id) VALUES (1, 2, 2, 'T1', 'dated', '2026-01-01', 1), (2, 2, 2, 'T2', 'ongoing', NULL, 2), (3, 3, 3, 'T3', 'immediate', '2026-02-01', NULL)",
  "INSERT INTO tasks (id, unit_id, owner_id, title, deadline_kind, deadline) VALUES (9, 2, 2, 'bad', 'ongoing', '2026-01-01')",
  "UPDATE tasks SET state = 'doing' WHERE id = 1",
  "UPDATE tasks SET title = 'x', measures = 'm', goal = 'g', co_units = 'c', version = version + 1, updated_at = 'u', progress_count = 3, last_progress_at = 'p', signed_off_by = 1, original_deadline = 'o', linked_unit_id = 3, created_by = 1, signoff_requested_at = 's'",
  "UPDATE tasks SET owner_id = 3",
  "UPDATE tasks SET leader_id = 3 WHERE id <> 2",
  "UPDATE tasks SET signoff_requested_by = 2 WHERE id = 2",
  "UPDATE tasks SET signoff_requested_by = 2 WHERE id = 2",
  "UPDATE tasks SET deadline = '2026-03-01' WHERE id IN (1, 3)",
  "UPDATE tasks SET deadline_kind = 'dated' WHERE id = 3",
  "UPDATE tasks SET deadline_kind = 'dated', deadline = '2026-05-05' WHERE id = 2",
  "UPDATE tasks SET unit_id = 3 WHERE id = 1",
  "UPDATE tasks SET signed_off_at = '2026-01-02T00:00:00.000Z', state = 'done' WHERE id = 1",
  "UPDATE problems SET category = 'b' WHERE id = 1",
  "UPDATE problems SET category = 'b' WHERE id = 1",
  "UPDATE tasks SET problem_id = NULL",
  "UPDATE tasks SET created_at = '2020-01-01T00:00:00.000Z' WHERE id = 3",
  "UPDATE tasks SET state = state",
  "INSERT INTO task_events (task_id, kind, text) VALUES (1, 'progress', '进展'), (1, 'created', '报告')",
  "INSERT INTO tasks (id, unit_id, owner_id, title, deadline_kind, deadline) VALUES (10, 4, 2, 'T10', 'ongoing', NULL)",
  "DELETE FROM tasks WHERE id = 10",
  "DELETE FROM tasks WHERE id = 1000",
  "DELETE FROM units WHERE id = 4",
  "UPDATE users SET unit_id = 2 WHERE id = 3",
  "INSERT INTO users (id, email, name, role, unit_id, password_hash) VALUES (7, 'g@x', 'G', 'staff', 2, 'h')",
  "DELETE FROM users WHERE id = 7",
  "DELETE FROM users WHERE id = 2",
  "INSERT INTO audit_log (id, at, action, outcome) VALUES (1, '2020-01-01T00:00:00.000Z', 'login', 'ok'), (2, '2099-01-01T00:00:00.000Z', 'login', 'fail')",
  "UPDATE audit_log SET outcome = 'ok', user_name = 'x'",
  "UPDATE audit_log SET outcome = 'ok' WHERE id = 999",
  "DELETE FROM audit_log",
  "DELETE FROM audit_log WHERE user_name = '1'",
  "DELETE FROM audit_log WHERE at < '2021'",
  "SELECT count(*) FROM audit_log",
  "INSERT INTO audit_log (id, at, action, outcome) VALUES (3, '2030-01-01T00:00:00.000Z', 'x', 'ok')",
  "DELETE FROM audit_log WHERE id = 3",
  "INSERT INTO stats_version (id, n) VALUES (2, 0)",
  "INSERT INTO settings (key, value) VALUES ('k', 'v')",
  "INSERT INTO extension_requests (task_id, requested_by, new_deadline, reason) VALUES (2, 1, '2027', 'r')",
  "INSERT INTO extension_requests (task_id, requested_by, new_deadline, reason) VALUES (2, 1, '2027', 'r')",
  "DELETE FROM units WHERE id = 2",
];
// with the overview's noted units (0022/0010): how many rows, and the sum of their unit ids
const COUNTERS = "SELECT (SELECT n FROM stats_version WHERE id = 1) AS s, (SELECT n FROM directory_version WHERE id = 1) AS d, (SELECT count(*) FROM stats_changes) AS c, (SELECT coalesce(sum(unit_id), 0) FROM stats_changes) AS cu";
const errorKind = (m: string) => (/append-only|180 days|check|unique|foreign/i.exec(m)?.[0] ?? m).toLowerCase();

test("the same statements move the counters and meet the same triggers and constraints on SQLite and PostgreSQL", async (t) => {
  // on the PostgreSQL server of npm test's second half (test/run.sh starts it; CI may not skip it)
  const server = process.env.TEST_DATABASE_URL;
  if (!server) return t.skip(`在 npm test 的 PostgreSQL 部分运行（TEST_DATABASE_URL）；${NO_POSTGRES}`);
  const lite = new Database(":memory:");
  t.after(() => lite.close());
  lite.pragma("foreign_keys = ON");
  lite.function("search_grams", { deterministic: true }, (x: unknown) => (x == null ? null : String(x))); // 0013's triggers call it
  lite.function("search_scope", { deterministic: true, varargs: true }, () => ""); // and 0023's
  sqliteMigrate(sqliteDrizzle(lite), { migrationsFolder: fileURLToPath(new URL("../../db/migrations", import.meta.url)) });
  const url = await freshDatabase(server);
  // one clean-up, in order: the clients end before their database is dropped (hooks run first-in, first-out)
  const clients: pg.Client[] = [];
  t.after(async () => {
    for (const c of clients) await c.end().catch(() => {});
    await dropDatabase(url);
  });
  const pc = new pg.Client({ connectionString: url });
  pc.on("error", () => {}); // the end of its database is not the test's failure
  clients.push(pc);
  await pc.connect();

  const sqliteSide: string[] = [];
  const pgSide: string[] = [];
  for (const s of stmts) {
    let a: string;
    let b: string;
    try {
      a = /^select/i.test(s) ? `rows ${JSON.stringify(Object.values(lite.prepare(s).get() as object).map(Number))}` : `ok ${lite.prepare(s).run().changes}`;
    } catch (e) {
      a = `error ${errorKind((e as Error).message)}`;
    }
    try {
      const r = await pc.query(s);
      b = /^select/i.test(s) ? `rows ${JSON.stringify(Object.values(r.rows[0]).map(Number))}` : `ok ${r.rowCount}`;
    } catch (e) {
      b = `error ${errorKind((e as Error).message)}`;
    }
    const cl = lite.prepare(COUNTERS).get() as { s: number; d: number; c: number; cu: number };
    const cp = (await pc.query(COUNTERS)).rows[0];
    sqliteSide.push(`${s} → ${a}, stats ${cl.s}, directory ${cl.d}, changes ${cl.c} (units ${cl.cu})`);
    pgSide.push(`${s} → ${b}, stats ${Number(cp.s)}, directory ${Number(cp.d)}, changes ${Number(cp.c)} (units ${Number(cp.cu)})`);
  }
  assert.deepEqual(pgSide, sqliteSide);

  // PostgreSQL only: the counter moves in the writing transaction, seen by others at its commit
  const n = async (c: pg.Client) => Number((await c.query("SELECT n FROM stats_version")).rows[0].n);
  const reader = new pg.Client({ connectionString: url });
  reader.on("error", () => {});
  clients.push(reader);
  await reader.connect();
  const before = await n(reader);
  await pc.query("BEGIN");
  await pc.query("UPDATE tasks SET state = 'review' WHERE id = 2");
  assert.equal(await n(pc), before + 1);
  assert.equal(await n(reader), before);
  await pc.query("ROLLBACK");
  assert.equal(await n(reader), before);
  await pc.query("UPDATE tasks SET state = 'review' WHERE id = 2");
  assert.equal(await n(reader), before + 1);
  // TRUNCATE (which SQLite has not) skips row triggers: refused as well
  await assert.rejects(pc.query("TRUNCATE audit_log"), /at least 180 days/);
});
