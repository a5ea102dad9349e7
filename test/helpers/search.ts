// Search indexes in tests (SQLite's FTS5): how many segments each holds, and writes that add some.
import assert from "node:assert/strict";
import type { makeApp } from "./app.ts";

export const SEARCH_TABLES = ["search_tasks", "search_tasks_bi", "search_problems", "search_problems_bi", "search_events", "search_events_bi", "search_reports", "search_reports_bi"];

type TestApp = Awaited<ReturnType<typeof makeApp>>;
export const segments = async (ta: TestApp, table: string) => (await ta.db.value<number>(`select count(distinct segid) n from ${table}_idx`))!;

/** Twelve transactions, as the app writes: every one adds a segment to the indexes it touches. */
export async function writeSegments(ta: TestApp) {
  const db = ta.db;
  for (let i = 0; i < 12; i++) {
    await db.tx(async () => {
      const r = (await db.value<number>("insert into reports (title, unit_id, format, full_text, imported_by) values (?, ?, 'paste', '', ?) returning id", [`第${i}次组织生活会自查报告`, i % 2 ? ta.ids.a : ta.ids.b, ta.ids.leader]))!;
      await db.run("insert into problems (report_id, seq, text) values (?, 1, ?)", [r, `谈心谈话开展不经常（第${i}条）`]);
      const id = (await db.value<number>("insert into tasks (unit_id, owner_id, title, measures, deadline_kind, deadline) values (?, ?, ?, ?, 'dated', '2026-12-31') returning id", [i % 2 ? ta.ids.a : ta.ids.b, i % 3 ? ta.ids.owner : ta.ids.stranger, `谈心谈话流于形式${i}`, `每季度开展一次谈心谈话，会议记录${i}`]))!;
      await db.run("insert into task_events (task_id, actor_id, kind, text) values (?, ?, 'progress', ?)", [id, ta.ids.owner, `已开展谈心谈话，补齐会议记录${i}`]);
    });
  }
  if (ta.db.engine === "sqlite") for (const table of SEARCH_TABLES) assert.ok((await segments(ta, table)) > 1, `${table} has several segments before`);
}
