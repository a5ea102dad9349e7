// The pages people open all day run statements whose plan SQLite keeps. A bound LIMIT, or a LIKE
// with a bound pattern, makes SQLite plan the statement again on every run (it plans with their
// values): on the task list that was a fifth of the page. A page's statements must write their
// LIMIT into the text and match a subtree by a range of paths.
import { test } from "node:test";
import assert from "node:assert/strict";
import { makeApp, login, get, TEST_PG } from "../helpers/app.ts";
import { sqliteInternals } from "../../db/engines/sqlite.ts";

const REPLANNED = /\bLIMIT\s+[?:@$]|\bLIKE\s+[?:@$]/i;

test("the list, task, overview, search and every other menu page run no statement with a bound LIMIT or LIKE pattern", { skip: TEST_PG && "SQLite 的语句计划测试（PostgreSQL 上不适用）" }, async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const taskId = (await ta.db.value<number>("INSERT INTO tasks (unit_id, owner_id, leader_id, title, measures, deadline_kind, deadline, state) VALUES (?, ?, ?, '谈心谈话流于形式', '每季度开展谈心谈话', 'dated', '2026-12-31', 'doing') RETURNING id", [ta.ids.a, ta.ids.owner, ta.ids.leaderA]))!;
  const seen: string[] = [];
  const { observers } = sqliteInternals(ta.db)!;
  const spy = (source: string) => void seen.push(source);
  observers.add(spy);
  t.after(() => observers.delete(spy));
  const pages = ["/", "/tasks", `/tasks?unit=${ta.ids.a}&state=doing`, `/tasks?unit=${ta.ids.root}&state=doing&page=2`, "/tasks/mine", "/tasks/review", `/tasks/${taskId}`, "/search?q=%E8%B0%88%E5%BF%83%E8%B0%88%E8%AF%9D", "/search?q=%E8%B0%88%E5%BF%83",
    // issue 18: the bigram index (1–2 characters, alone and mixed), the list's keyword filter, the paged menu pages
    "/search?q=%E8%B0%88", "/search?q=%E8%B0%88%E5%BF%83%20%E6%B5%81%E4%BA%8E%E5%BD%A2%E5%BC%8F", `/tasks?q=%E8%B0%88%E5%BF%83`, `/tasks?q=%E8%B0%88%E5%BF%83%E8%B0%88%E8%AF%9D&state=doing`, "/tasks?overdue=1", "/tasks?state=todo",
    "/reports", "/reports?page=2", "/admin/users?page=2", "/admin/units", "/admin/reminders?status=failed"];
  // statements prepared once per database are seen on their first use only: the spy is in place
  // before the first sign-in, and every page's statements are checked together
  for (const email of ["admin@t.cn", "leadera@t.cn", "owner@t.cn"]) {
    const s = await login(ta.app, email);
    for (const url of pages.filter((u) => email === "admin@t.cn" || !u.startsWith("/admin"))) assert.ok((await get(ta.app, s, url)).statusCode < 400, `${email} ${url}`); // a staff member's / leads to 我的任务
  }
  assert.ok(seen.some((sql) => /FROM tasks/.test(sql) && /OFFSET/.test(sql)), "the list's statements were seen");
  assert.ok(seen.some((sql) => /MATCH/.test(sql)), "search's statements were seen");
  assert.ok(seen.some((sql) => /search_tasks_bi MATCH/.test(sql)) && seen.some((sql) => /search_events_bi MATCH/.test(sql)), "the bigram index's statements were seen");
  assert.ok(seen.some((sql) => /FROM reports r/.test(sql) && /OFFSET/.test(sql)), "the reports page's statements were seen");
  assert.deepEqual([...new Set(seen.filter((sql) => REPLANNED.test(sql)))], []);
});
