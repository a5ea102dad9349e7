// Merging the search indexes (part of the nightly maintenance, and of npm run cli -- optimize):
// one segment per index afterwards, the very same search results, and the index still in step
// with the data. Segments are FTS5's: these run on SQLite (on PostgreSQL the GIN indexes' pending
// lists are merged instead, which no test can count).
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { makeApp } from "../../helpers/app.ts";
import { cli } from "../../helpers/cli.ts";
import { search, optimizeSearchTable, SEARCH_TABLES } from "../../../server/features/search/service.ts";
import { SEARCH_TABLES as TABLES, segments, writeSegments } from "../../helpers/search.ts";
import { actorOf } from "./helpers.ts";
import type { Actor } from "../../../server/features/auth/permissions.ts";

test("optimizeSearchTable on every index leaves one segment each and changes no result", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const db = ta.db;
  if (db.engine !== "sqlite") return t.skip("FTS5 segments: SQLite only");
  await writeSegments(ta);
  const actors: Actor[] = [];
  for (const k of ["admin", "leader", "leaderA", "owner", "stranger"] as const) actors.push(await actorOf(db, ta.ids[k]));
  const queries = ["谈心谈话", "组织生活会", "会议记录 谈心谈话", "谈心", "不存在的内容"];
  const searchAll = async () => {
    const out: Awaited<ReturnType<typeof search>>[][] = [];
    for (const a of actors) {
      const row: Awaited<ReturnType<typeof search>>[] = [];
      for (const q of queries) row.push(await search(db, a, q));
      out.push(row);
    }
    return out;
  };
  const before = await searchAll();
  assert.ok(before[0][0].hits.length > 20 || before[0][0].more, "the admin's search finds many hits");

  assert.deepEqual(SEARCH_TABLES, TABLES);
  for (const table of SEARCH_TABLES) await optimizeSearchTable(db, table);
  for (const table of TABLES) {
    assert.equal(await segments(ta, table), 1, `${table} is one segment after`);
    await db.run(`insert into ${table}(${table}) values ('integrity-check')`); // throws if the index no longer matches its content
  }
  assert.deepEqual(await searchAll(), before);
  // and the triggers keep writing into it
  await db.run("update tasks set title = '支部书记述职评议流于形式' where id = (select max(id) from tasks)");
  assert.equal((await search(db, actors[0], "述职评议")).hits.length, 1);
});

test("cli optimize merges the indexes of the configured database", { timeout: 120_000 }, async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const r = cli(ta.dbEnv, "optimize");
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /已完成数据库维护：合并全文搜索索引（8 个索引），更新查询统计/);
});

test("every search index merges at 4 segments a level (migration 0006), so a busy day leaves few of them", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  if (ta.db.engine !== "sqlite") return t.skip("FTS5 settings: SQLite only");
  for (const table of TABLES) {
    const v = await ta.db.value(`select v from ${table}_config where k = 'crisismerge'`);
    assert.equal(v, 4, table);
  }
});
