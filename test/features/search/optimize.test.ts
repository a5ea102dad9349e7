// Merging the search indexes (npm run cli -- optimize): one segment per index afterwards, the
// very same search results, and the index still in step with the data.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { makeApp } from "../../helpers/app.ts";
import { cli } from "../../helpers/cli.ts";
import type { Actor } from "../../../server/features/auth/permissions.ts";
import { search, optimizeSearchIndex } from "../../../server/features/search/service.ts";

const TABLES = ["search_tasks", "search_problems", "search_events", "search_reports"];

test("optimizeSearchIndex leaves one segment per index and changes no result", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const c = ta.db.$client;
  const segments = (table: string) => (c.prepare(`select count(distinct segid) n from ${table}_idx`).get() as { n: number }).n;
  const rep = c.prepare("insert into reports (title, unit_id, format, full_text, imported_by) values (?, ?, 'paste', '', ?)");
  const prob = c.prepare("insert into problems (report_id, seq, text) values (?, 1, ?)");
  const task = c.prepare("insert into tasks (unit_id, owner_id, title, measures, deadline_kind, deadline) values (?, ?, ?, ?, 'dated', '2026-12-31')");
  const ev = c.prepare("insert into task_events (task_id, actor_id, kind, text) values (?, ?, 'progress', ?)");
  // one transaction each, as the app writes: every one adds a segment to the indexes it touches
  for (let i = 0; i < 12; i++) {
    c.transaction(() => {
      const r = Number(rep.run(`第${i}次组织生活会自查报告`, i % 2 ? ta.ids.a : ta.ids.b, ta.ids.leader).lastInsertRowid);
      prob.run(r, `谈心谈话开展不经常（第${i}条）`);
      const id = Number(task.run(i % 2 ? ta.ids.a : ta.ids.b, i % 3 ? ta.ids.owner : ta.ids.stranger, `谈心谈话流于形式${i}`, `每季度开展一次谈心谈话，会议记录${i}`).lastInsertRowid);
      ev.run(id, ta.ids.owner, `已开展谈心谈话，补齐会议记录${i}`);
    })();
  }
  for (const table of TABLES) assert.ok(segments(table) > 1, `${table} has several segments before`);
  const actors = (["admin", "leader", "leaderA", "owner", "stranger"] as const).map((k) => {
    const u = c.prepare("select u.id, u.role, u.unit_id unitId, n.path unitPath from users u join units n on n.id = u.unit_id where u.id = ?").get(ta.ids[k]) as Actor;
    return { id: u.id, role: u.role, unitId: u.unitId, unitPath: u.unitPath };
  });
  const queries = ["谈心谈话", "组织生活会", "会议记录 谈心谈话", "谈心", "不存在的内容"];
  const before = actors.map((a) => queries.map((q) => search(ta.db, a, q)));
  assert.ok(before[0][0].hits.length > 20 || before[0][0].more, "the admin's search finds many hits");

  assert.deepEqual(optimizeSearchIndex(ta.db), TABLES);
  for (const table of TABLES) {
    assert.equal(segments(table), 1, `${table} is one segment after`);
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
  assert.match(r.out, /已合并全文搜索索引（4 个索引/);
});

test("every search index merges at 4 segments a level (migration 0006), so a busy day leaves few of them", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  for (const table of TABLES) {
    const v = ta.db.$client.prepare(`select v from ${table}_config where k = 'crisismerge'`).pluck().get();
    assert.equal(v, 4, table);
  }
});
