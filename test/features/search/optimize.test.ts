// Merging the search indexes (part of the nightly maintenance, and of npm run cli -- optimize):
// one segment per index afterwards, the very same search results, and the index still in step
// with the data.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { makeApp } from "../../helpers/app.ts";
import { cli } from "../../helpers/cli.ts";
import type { Actor } from "../../../server/features/auth/permissions.ts";
import { search, optimizeSearchTable, SEARCH_TABLES } from "../../../server/features/search/service.ts";
import { SEARCH_TABLES as TABLES, segments, writeSegments } from "../../helpers/search.ts";

test("optimizeSearchTable on every index leaves one segment each and changes no result", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const c = ta.db.$client;
  writeSegments(ta);
  const actors = (["admin", "leader", "leaderA", "owner", "stranger"] as const).map((k) => {
    const u = c.prepare("select u.id, u.role, u.unit_id unitId, n.path unitPath from users u join units n on n.id = u.unit_id where u.id = ?").get(ta.ids[k]) as Actor;
    return { id: u.id, role: u.role, unitId: u.unitId, unitPath: u.unitPath };
  });
  const queries = ["谈心谈话", "组织生活会", "会议记录 谈心谈话", "谈心", "不存在的内容"];
  const before = actors.map((a) => queries.map((q) => search(ta.db, a, q)));
  assert.ok(before[0][0].hits.length > 20 || before[0][0].more, "the admin's search finds many hits");

  assert.deepEqual(SEARCH_TABLES, TABLES);
  for (const table of SEARCH_TABLES) optimizeSearchTable(ta.db, table);
  for (const table of TABLES) {
    assert.equal(segments(ta, table), 1, `${table} is one segment after`);
    c.prepare(`insert into ${table}(${table}) values ('integrity-check')`).run(); // throws if the index no longer matches its content
  }
  assert.deepEqual(actors.map((a) => queries.map((q) => search(ta.db, a, q))), before);
  // and the triggers keep writing into it
  c.prepare("update tasks set title = '支部书记述职评议流于形式' where id = (select max(id) from tasks)").run();
  assert.equal(search(ta.db, actors[0], "述职评议").hits.length, 1);
});

test("cli optimize merges the indexes of the configured database", { timeout: 120_000 }, async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const r = cli({ DATABASE_FILE: join(ta.dir, "rectify.db") }, "optimize");
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /已完成数据库维护：合并全文搜索索引（8 个索引），更新查询统计/);
});

test("every search index merges at 4 segments a level (migration 0006), so a busy day leaves few of them", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  for (const table of TABLES) {
    const v = ta.db.$client.prepare(`select v from ${table}_config where k = 'crisismerge'`).pluck().get();
    assert.equal(v, 4, table);
  }
});
