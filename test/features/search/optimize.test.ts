// Merging the search indexes (npm run cli -- optimize): one segment per index afterwards, the
// very same search results, and the index still in step with the data.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { makeApp } from "../../helpers/app.ts";
import { cli } from "../../helpers/cli.ts";
import type { Actor } from "../../../server/features/auth/permissions.ts";
import { search, optimizeSearchIndex } from "../../../server/features/search/service.ts";
import { startSearchOptimizeSchedule } from "../../../server/features/search/schedule.ts";
import { loadConfig, ConfigError } from "../../../server/config.ts";

const TABLES = ["search_tasks", "search_problems", "search_events", "search_reports"];

type TestApp = Awaited<ReturnType<typeof makeApp>>;
const segments = (ta: TestApp, table: string) => (ta.db.$client.prepare(`select count(distinct segid) n from ${table}_idx`).get() as { n: number }).n;

/** Twelve transactions, as the app writes: every one adds a segment to the indexes it touches. */
function writeSegments(ta: TestApp) {
  const c = ta.db.$client;
  const rep = c.prepare("insert into reports (title, unit_id, format, full_text, imported_by) values (?, ?, 'paste', '', ?)");
  const prob = c.prepare("insert into problems (report_id, seq, text) values (?, 1, ?)");
  const task = c.prepare("insert into tasks (unit_id, owner_id, title, measures, deadline_kind, deadline) values (?, ?, ?, ?, 'dated', '2026-12-31')");
  const ev = c.prepare("insert into task_events (task_id, actor_id, kind, text) values (?, ?, 'progress', ?)");
  for (let i = 0; i < 12; i++) {
    c.transaction(() => {
      const r = Number(rep.run(`第${i}次组织生活会自查报告`, i % 2 ? ta.ids.a : ta.ids.b, ta.ids.leader).lastInsertRowid);
      prob.run(r, `谈心谈话开展不经常（第${i}条）`);
      const id = Number(task.run(i % 2 ? ta.ids.a : ta.ids.b, i % 3 ? ta.ids.owner : ta.ids.stranger, `谈心谈话流于形式${i}`, `每季度开展一次谈心谈话，会议记录${i}`).lastInsertRowid);
      ev.run(id, ta.ids.owner, `已开展谈心谈话，补齐会议记录${i}`);
    })();
  }
  for (const table of TABLES) assert.ok(segments(ta, table) > 1, `${table} has several segments before`);
}

test("optimizeSearchIndex leaves one segment per index and changes no result", async (t) => {
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

  assert.deepEqual(optimizeSearchIndex(ta.db), TABLES);
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

test("the server merges the indexes itself at SEARCH_OPTIMIZE_CRON, and logs it", { timeout: 20_000 }, async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  writeSegments(ta);
  const logged: object[] = [];
  let ran!: () => void;
  const done = new Promise<void>((res) => (ran = res));
  // every second (croner's six-field form), so the test sees a scheduled run without waiting for 3:00
  const schedule = startSearchOptimizeSchedule({
    db: ta.db,
    config: { searchOptimizeCron: "* * * * * *", timeZone: "Asia/Shanghai" },
    log: { info: (o) => (logged.push(o), ran()), error: (o) => assert.fail(`optimize failed: ${JSON.stringify(o)}`) },
  });
  t.after(() => schedule.stop());
  assert.ok(schedule.next()!.getTime() - Date.now() <= 1000, "the next run is within a second");
  await done;
  schedule.stop();
  for (const table of TABLES) assert.equal(segments(ta, table), 1, `${table} merged by the scheduled run`);
  assert.equal((logged[0] as { tables: number }).tables, TABLES.length);
  assert.equal(search(ta.db, { id: ta.ids.admin, role: "admin", unitId: 0, unitPath: "/" }, "谈心谈话").hits.length > 0, true);
});

test("SEARCH_OPTIMIZE_CRON: 3:00 by default, off to leave it to the system's cron, a bad pattern stops the start with a message naming it", () => {
  const env = { SESSION_SECRET: "x".repeat(40) };
  assert.equal(loadConfig(env).searchOptimizeCron, "0 3 * * *");
  assert.equal(loadConfig({ ...env, SEARCH_OPTIMIZE_CRON: "off" }).searchOptimizeCron, "off");
  assert.equal(loadConfig({ ...env, SEARCH_OPTIMIZE_CRON: "15 2 * * 0" }).searchOptimizeCron, "15 2 * * 0");
  assert.throws(() => loadConfig({ ...env, SEARCH_OPTIMIZE_CRON: "nightly" }), (e: unknown) => e instanceof ConfigError && /SEARCH_OPTIMIZE_CRON/.test(e.message) && /cron 表达式/.test(e.message));
});
