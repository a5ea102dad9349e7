// The benchmark's builder at a small scale: the counts the issue asks for, in proportion, and
// the triggers filled the search index and moved the overview's counter. On SQLite (the FTS5
// tables, planner statistics and segments it checks are SQLite's); the builder's SQL is the same
// on PostgreSQL, where `npm run bench -- --engine postgres` builds with it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDb, migrateDb } from "../../db/client.ts";
import { buildBenchDb, scaleFor, BENCH_ADMIN, BENCH_OWNER, MORNING_NOTES } from "../../bench/build.ts";

test("the bench database has the scale asked for, with the index and counters filled by triggers", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "rectify-bench-"));
  const db = await openDb(join(dir, "b.db"));
  t.after(async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  await migrateDb(db);
  const built = await buildBenchDb(db, scaleFor(1000), "2026-11-23");
  const n = async (sql: string) => Number(await db.value<number>(sql));
  assert.equal(await n("select count(*) n from units"), 300);
  assert.equal(await n("select count(*) n from users"), 3000);
  assert.equal(await n("select count(*) n from tasks"), 1000);
  // five rows a task, and the morning's notes written after the nightly merge
  assert.equal(await n("select count(*) n from task_events"), 5000 + MORNING_NOTES);
  assert.equal(await n("select count(*) n from task_events where at > '2026-11-23'"), MORNING_NOTES);
  assert.equal(await n("select count(*) n from reports"), 20);
  assert.equal(await n("select count(*) n from tasks where problem_id is null"), 0);
  assert.ok(await n("select count(*) n from units where rating in ('backward', 'weak')") > 3);
  assert.equal(await n(`select count(*) n from users where email in ('${BENCH_ADMIN}', '${BENCH_OWNER}')`), 2);
  // each row's parent is the one it was made with (the multi-row inserts' ids zipped in order)
  assert.equal(await n("select count(*) n from tasks t join problems p on p.id = t.problem_id join reports r on r.id = p.report_id where t.title <> p.text or r.unit_id <> t.unit_id"), 0);
  assert.equal(await n("select count(*) n from task_events e join tasks t on t.id = e.task_id where e.kind = 'imported' and e.at <> t.created_at"), 0);
  assert.equal(await n("select count(*) n from (select task_id from task_events group by task_id having count(*) not in (5, 6)) x"), 0);
  // states are spread; done tasks carry their sign-off
  for (const s of ["todo", "doing", "review", "done"]) assert.ok(await n(`select count(*) n from tasks where state = '${s}'`) > 20, s);
  assert.equal(await n("select count(*) n from tasks where state = 'done' and signed_off_at is null"), 0);
  // the triggers: every task, problem and report, and every progress note, is in the index
  assert.equal(await n("select count(*) n from search_tasks"), 1000);
  assert.equal(await n("select count(*) n from search_problems"), 1000);
  assert.equal(await n("select count(*) n from search_reports"), 20);
  assert.equal(await n("select count(*) n from search_events"), await n("select count(*) n from task_events where text <> '' and kind not in ('created', 'imported')"));
  assert.ok(await n("select n from stats_version") >= 1300);
  // as the server's nightly maintenance leaves it: planner row counts without per-value samples,
  // one segment a search index, and the notes' index a few more since
  assert.ok(await n("select count(*) n from sqlite_stat1 where tbl = 'tasks'") > 5);
  assert.equal(await n("select count(*) n from sqlite_stat4"), 0);
  const segments = (table: string) => n(`select count(distinct segid) n from ${table}_idx`);
  for (const table of ["search_tasks", "search_problems", "search_reports"]) assert.equal(await segments(table), 1, table);
  const eventSegments = await segments("search_events");
  assert.ok(eventSegments > 1 && eventSegments < 20, `search_events: ${eventSegments} segments`);
  assert.ok(built.ownerId > 0 && built.adminId > 0);
});
