// db/schema.ts (SQLite, which the app's queries are built from on both engines) and
// db/schema.pg.ts (PostgreSQL's, which drizzle-kit makes db/migrations-pg from) describe the same
// tables: same columns (name, storage type, not null, default, primary key, enum values), same
// primary keys, indexes (name, unique, columns or expressions, partial condition), checks and
// foreign keys. A column or index added to one file only fails here.
import { test } from "node:test";
import assert from "node:assert/strict";
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
