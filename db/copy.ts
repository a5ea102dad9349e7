// npm run cli -- copy-to-postgres --to URL: an SQLite installation's data into an empty
// PostgreSQL database, table by table in the order the foreign keys need, in one PostgreSQL
// transaction; then every table's rows counted on both sides, and only then "done".
// What the engines keep themselves is not copied but rebuilt by the target's triggers and
// indexes as the rows arrive: the search index, the overview's and the lists' counters.
import Database from "better-sqlite3";
import { is } from "drizzle-orm";
import { getTableConfig, SQLiteTable as SQLiteTableClass, type SQLiteTable } from "drizzle-orm/sqlite-core";
import * as schema from "./schema.ts";
import { openPostgres } from "./engines/postgres.ts";
import type { Db } from "./store.ts";
import { DomainError } from "../server/lib/errors.ts";

type Plan = { table: string; columns: string[]; hasId: boolean; order: string };

/** The schema's tables, parents before children (units' secretary and overseer are set after users). */
export function copyPlan(): Plan[] {
  const tables = (Object.values(schema) as unknown[]).filter((v): v is SQLiteTable => is(v, SQLiteTableClass));
  const configs = tables.map((t) => getTableConfig(t));
  const byName = new Map(configs.map((c) => [c.name, c]));
  const deps = new Map(configs.map((c) => [c.name, new Set(c.foreignKeys.map((fk) => getTableConfig(fk.reference().foreignTable as SQLiteTable).name).filter((n) => n !== c.name && !(c.name === "units" && n === "users")))]));
  const done: string[] = [];
  while (done.length < configs.length) {
    const next = configs.find((c) => !done.includes(c.name) && [...deps.get(c.name)!].every((d) => done.includes(d)));
    if (!next) throw new Error("copy-to-postgres: the tables' foreign keys form a loop");
    done.push(next.name);
  }
  return done.map((name) => {
    const c = byName.get(name)!;
    const columns = c.columns.map((col) => col.name);
    const hasId = columns.includes("id");
    return { table: name, columns, hasId, order: name === "units" ? "path, id" : hasId ? "id" : columns.slice(0, 2).join(", ") };
  });
}

const BATCH = 500;

export async function copyToPostgres(sqliteFile: string, url: string, say: (line: string) => void = () => {}): Promise<string> {
  const src = new Database(sqliteFile, { readonly: true, fileMustExist: true });
  let pg: Db | null = null;
  try {
    pg = await openPostgres(url);
    const target = pg;
    await target.migrate();
    const occupied = (await target.value<number>("SELECT count(*) FROM users"))! + (await target.value<number>("SELECT count(*) FROM units"))!;
    if (occupied > 0) throw new CopyError("目标 PostgreSQL 数据库不是空的（已有单位或账号），为免混合两套数据，未复制任何内容。请指向一个新建的空数据库。");
    const plan = copyPlan();
    src.exec("BEGIN"); // one snapshot of the source: servers may still be writing to it
    const counts: { table: string; n: number }[] = [];
    const pendingLeads: { id: number; secretary_id: number | null; overseer_id: number | null }[] = [];
    await target.tx(async () => {
      for (const p of plan) {
        const cols = p.columns.map((c) => `"${c}"`).join(", ");
        // units first without the people they name: those are set once users exist
        const deferred = p.table === "units" ? ["secretary_id", "overseer_id"] : [];
        let n = 0;
        const stmt = src.prepare(`SELECT ${p.columns.map((c) => (deferred.includes(c) ? "NULL" : `"${c}"`)).join(", ")} FROM "${p.table}" ORDER BY ${p.order}`).raw(true);
        let batch: unknown[][] = [];
        const flush = async () => {
          if (!batch.length) return;
          const row = `(${p.columns.map(() => "?").join(", ")})`;
          await target.run(`INSERT INTO "${p.table}" (${cols}) VALUES ${batch.map(() => row).join(", ")}`, batch.flat());
          n += batch.length;
          batch = [];
        };
        for (const r of stmt.iterate() as Iterable<unknown[]>) {
          batch.push(r);
          if (batch.length >= BATCH) await flush();
        }
        await flush();
        if (deferred.length) {
          // set after users (below), read now from the same snapshot
          pendingLeads.push(...(src.prepare(`SELECT id, secretary_id, overseer_id FROM units WHERE secretary_id IS NOT NULL OR overseer_id IS NOT NULL`).all() as typeof pendingLeads));
        }
        if (p.table === "users") {
          for (const u of pendingLeads) await target.run("UPDATE units SET secretary_id = ?, overseer_id = ? WHERE id = ?", [u.secretary_id, u.overseer_id, u.id]);
        }
        // ids were given: the identity continues after the highest
        if (p.hasId && n > 0) await target.value(`SELECT setval(pg_get_serial_sequence('"${p.table}"', 'id'), (SELECT max(id) FROM "${p.table}"))`);
        counts.push({ table: p.table, n });
        say(`  ${p.table}：${n} 行`);
      }
      // counted on both sides inside the transaction: a difference rolls everything back
      for (const { table } of counts) {
        const a = (src.prepare(`SELECT count(*) FROM "${table}"`).pluck().get() as number) ?? 0;
        const b = (await target.value<number>(`SELECT count(*) FROM "${table}"`))!;
        if (a !== b) throw new CopyError(`核对不符：${table} 表 SQLite ${a} 行，PostgreSQL ${b} 行；已全部回滚，目标数据库未写入任何内容。`);
      }
    });
    const total = counts.reduce((s, c) => s + c.n, 0);
    return `已复制完成：${counts.length} 张表共 ${total} 行，两边逐表核对行数一致。证据材料与报告文件仍在数据目录，请让各服务器的 DATA_DIR 指向它（或复制到共享目录）。`;
  } finally {
    if (src.inTransaction) src.exec("ROLLBACK");
    src.close();
    await pg?.close();
  }
}

export class CopyError extends DomainError {
  constructor(message: string) {
    super(message, 409);
  }
}
