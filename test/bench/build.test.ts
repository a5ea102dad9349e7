// The benchmark's builder at a small scale: the counts the issue asks for, in proportion, and
// the triggers filled the search index and moved the overview's counter.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDb, migrateDb } from "../../db/client.ts";
import { buildBenchDb, scaleFor, BENCH_ADMIN, BENCH_OWNER, MORNING_NOTES } from "../../bench/build.ts";

test("the bench database has the scale asked for, with the index and counters filled by triggers", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "rectify-bench-"));
  const db = openDb(join(dir, "b.db"));
  t.after(() => {
    db.$client.close();
    rmSync(dir, { recursive: true, force: true });
  });
  migrateDb(db);
  const built = await buildBenchDb(db, scaleFor(1000), "2026-11-23");
  const n = (sql: string) => (db.$client.prepare(sql).get() as { n: number }).n;
  assert.equal(n("select count(*) n from units"), 300);
  assert.equal(n("select count(*) n from users"), 3000);
  assert.equal(n("select count(*) n from tasks"), 1000);
  // five rows a task, and the morning's notes written after the nightly merge
  assert.equal(n("select count(*) n from task_events"), 5000 + MORNING_NOTES);
  assert.equal(n("select count(*) n from task_events where at > '2026-11-23'"), MORNING_NOTES);
  assert.equal(n("select count(*) n from reports"), 20);
  assert.equal(n("select count(*) n from tasks where problem_id is null"), 0);
  assert.ok(n("select count(*) n from units where rating in ('backward', 'weak')") > 3);
  assert.equal(n(`select count(*) n from users where email in ('${BENCH_ADMIN}', '${BENCH_OWNER}')`), 2);
  // states are spread; done tasks carry their sign-off
  for (const s of ["todo", "doing", "review", "done"]) assert.ok(n(`select count(*) n from tasks where state = '${s}'`) > 20, s);
  assert.equal(n("select count(*) n from tasks where state = 'done' and signed_off_at is null"), 0);
  // the triggers: every task, problem and report, and every progress note, is in the index
  assert.equal(n("select count(*) n from search_tasks"), 1000);
  assert.equal(n("select count(*) n from search_problems"), 1000);
  assert.equal(n("select count(*) n from search_reports"), 20);
  assert.equal(n("select count(*) n from search_events"), n("select count(*) n from task_events where text <> '' and kind not in ('created', 'imported')"));
  assert.ok(n("select n from stats_version") >= 1300);
  // as the server's nightly maintenance leaves it: planner row counts without per-value samples,
  // one segment a search index, and the notes' index a few more since
  assert.ok(n("select count(*) n from sqlite_stat1 where tbl = 'tasks'") > 5);
  assert.equal(n("select count(*) n from sqlite_stat4"), 0);
  const segments = (table: string) => n(`select count(distinct segid) n from ${table}_idx`);
  for (const table of ["search_tasks", "search_problems", "search_reports"]) assert.equal(segments(table), 1, table);
  assert.ok(segments("search_events") > 1 && segments("search_events") < 20, `search_events: ${segments("search_events")} segments`);
  assert.ok(built.ownerId > 0 && built.adminId > 0);
});
