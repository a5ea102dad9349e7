// The menu pages that list what grows come a page at a time (issue 18): 自查报告 (30, newest
// first, within what the user may read), 账号管理 and 单位管理 (50, in tree order), 提醒记录 (50,
// its status filter kept); paging links keep the other parameters; past the end gives the last
// page. And the task list's count, kept until stats_version moves, follows reassignments and
// requests for sign-off.
import { test } from "node:test";
import assert from "node:assert/strict";
import { makeApp, login, get, post, type TestApp } from "../helpers/app.ts";
import { createUnit } from "../../server/features/admin/service.ts";

const rowsOf = (body: string, re: RegExp) => [...body.matchAll(re)].map((m) => m[1]);

async function addReports(ta: TestApp, n: number, unitId: number, label: string) {
  const ins = "insert into reports (title, unit_id, format, full_text, imported_by, imported_at) values (?, ?, 'paste', '', ?, ?)";
  await ta.db.tx(async () => {
    for (let i = 0; i < n; i++) await ta.db.run(ins, [`${label}报告${i}`, unitId, ta.ids.leader, `2026-10-${String(1 + (i % 28)).padStart(2, "0")}T0${i % 10}:00:00.000Z`]);
  });
}

test("自查报告: 30 a page, newest first, within what each may read, 上一页/下一页", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  await addReports(ta, 40, ta.ids.a, "甲");
  await addReports(ta, 25, ta.ids.b, "乙");
  const newest = await ta.db.column<string>("select title from reports order by imported_at desc, id desc");
  const admin = await login(ta.app, "admin@t.cn");
  const titles = (body: string) => rowsOf(body, /<td class="c-title"><a href="\/reports\/\d+">([^<]+)<\/a>/g);
  const p1 = await get(ta.app, admin, "/reports");
  assert.deepEqual(titles(p1.body), newest.slice(0, 30));
  assert.match(p1.body, /href="\/reports\?page=2">下一页/);
  assert.doesNotMatch(p1.body, /上一页/);
  const p3 = await get(ta.app, admin, "/reports?page=3");
  assert.deepEqual(titles(p3.body), newest.slice(60));
  assert.match(p3.body, /href="\/reports\?page=2">上一页/);
  assert.doesNotMatch(p3.body, /下一页/);
  // a leader of branch a reads a's reports only; staff of b, b's
  const leaderA = await login(ta.app, "leadera@t.cn");
  const a1 = titles((await get(ta.app, leaderA, "/reports")).body);
  const a2 = titles((await get(ta.app, leaderA, "/reports?page=2")).body);
  assert.deepEqual([...a1, ...a2], newest.filter((x) => x.startsWith("甲")));
  const stranger = await login(ta.app, "stranger@t.cn");
  const b1 = await get(ta.app, stranger, "/reports");
  assert.deepEqual(titles(b1.body), newest.filter((x) => x.startsWith("乙")));
  assert.doesNotMatch(b1.body, /下一页/);
});

test("自查报告 of a leader whose subtree holds a good share of all reports: the newest walked in order or found by unit and sorted, the same pages", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  await addReports(ta, 400, ta.ids.a, "甲");
  await addReports(ta, 200, ta.ids.b, "乙");
  // listReports walks the newest when reports × share² ≥ offset + 31 (share: the subtree's part of all units)
  const pathA = (await ta.db.value<string>("select path from units where id = ?", [ta.ids.a]))!;
  const paths = await ta.db.column<string>("select path from units");
  const share = paths.filter((p) => p.startsWith(pathA)).length / paths.length;
  const reports = Number(await ta.db.value<number>("select max(id) from reports"));
  assert.ok(reports * share * share >= 31, `page 1 is walked (${reports} × ${share}²)`);
  assert.ok(reports * share * share < 12 * 30 + 31, "page 13 is sorted");
  const want = await ta.db.column<string>("select r.title from reports r join units u on u.id = r.unit_id where u.path like ? order by r.imported_at desc, r.id desc", [`${pathA}%`]);
  assert.equal(want.length, 400);
  const leaderA = await login(ta.app, "leadera@t.cn");
  const titles = (body: string) => rowsOf(body, /<td class="c-title"><a href="\/reports\/\d+">([^<]+)<\/a>/g);
  const got: string[] = [];
  for (let page = 1; page <= 14; page++) got.push(...titles((await get(ta.app, leaderA, `/reports?page=${page}`)).body));
  assert.deepEqual(got, want);
});

test("账号管理 and 单位管理: 50 a page in tree order; past the end the last page", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  for (let i = 0; i < 60; i++) await createUnit(ta.db, { code: `x${i}`, name: `第${i}党小组`, kind: "group", parentId: ta.ids.a });
  const ins = "insert into users (email, name, role, unit_id, password_hash) values (?, ?, 'staff', ?, 'x')";
  await ta.db.tx(async () => {
    for (let i = 0; i < 95; i++) await ta.db.run(ins, [`p${i}@t.cn`, `人员${String(i).padStart(2, "0")}`, ta.ids.b]);
  });
  const admin = await login(ta.app, "admin@t.cn");
  const users = (body: string) => rowsOf(body, /<tr id="user-(\d+)"/g).map(Number);
  const want = await ta.db.column<number>("select us.id from users us join units u on u.id = us.unit_id order by u.path, us.name, us.id");
  assert.equal(want.length, 101);
  const u1 = await get(ta.app, admin, "/admin/users");
  const u2 = await get(ta.app, admin, "/admin/users?page=2");
  const u3 = await get(ta.app, admin, "/admin/users?page=3");
  assert.deepEqual([users(u1.body).length, users(u2.body).length, users(u3.body).length], [50, 50, 1]);
  assert.deepEqual([...users(u1.body), ...users(u2.body), ...users(u3.body)], want);
  assert.match(u1.body, /第 1 \/ 3 页/);
  assert.match(u1.body, /href="\/admin\/users\?page=2">下一页/);
  assert.deepEqual(users((await get(ta.app, admin, "/admin/users?page=99")).body), users(u3.body));

  const units = (body: string) => rowsOf(body, /<tr id="unit-(\d+)"/g).map(Number);
  const wantUnits = await ta.db.column<number>("select id from units order by path");
  const n1 = await get(ta.app, admin, "/admin/units");
  const n2 = await get(ta.app, admin, "/admin/units?page=2");
  assert.deepEqual([...units(n1.body), ...units(n2.body)], wantUnits);
  assert.equal(units(n1.body).length, 50);
  assert.match(n2.body, /系统设置/, "the settings stay on every page");
  // not for others
  const leader = await login(ta.app, "leader@t.cn");
  assert.notEqual((await get(ta.app, leader, "/admin/users?page=2")).statusCode, 200);
});

test("提醒记录: 50 a page, newest first, the status filter kept by the pager", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const ins = "insert into reminder_log (recipient_id, kind, day, dedupe_key, status, created_at) values (?, 'owner_due', ?, ?, ?, ?)";
  await ta.db.tx(async () => {
    for (let i = 0; i < 130; i++) await ta.db.run(ins, [ta.ids.owner, "2026-11-01", `k${i}`, i % 2 ? "failed" : "sent", `2026-11-01T00:${String(Math.floor(i / 60)).padStart(2, "0")}:${String(i % 60).padStart(2, "0")}.000Z`]);
  });
  const admin = await login(ta.app, "admin@t.cn");
  const p1 = await get(ta.app, admin, "/admin/reminders?status=failed");
  assert.equal(p1.statusCode, 200);
  assert.match(p1.body, /第 1 \/ 2 页/);
  assert.match(p1.body, /href="\/admin\/reminders\?status=failed&amp;page=2">下一页/);
  assert.match(p1.body, /（65）/);
  const all = await get(ta.app, admin, "/admin/reminders?page=3");
  assert.match(all.body, /第 3 \/ 3 页/);
});

test("the list's kept count follows a reassignment and a request for sign-off (stats_version, migration 0015)", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const leader = await login(ta.app, "leader@t.cn");
  const ids: number[] = [];
  for (let i = 0; i < 33; i++) {
    const res = await post(ta.app, leader, "/tasks", { title: `任务${i}`, unitId: ta.ids.a, ownerId: ta.ids.owner, leaderId: ta.ids.leaderA, deadlineKind: "dated", deadline: "2026-12-31", goal: "", measures: "" });
    assert.equal(res.statusCode, 303);
    ids.push(Number(/\/tasks\/(\d+)/.exec(res.headers.location as string)![1]));
  }
  const owner = await login(ta.app, "owner@t.cn");
  const total = async (s: typeof owner, url: string) => Number(/共 <strong>(\d+)<\/strong> 项/.exec((await get(ta.app, s, url)).body)![1]);
  assert.equal(await total(owner, "/tasks/mine"), 33);
  assert.equal(await total(leader, `/tasks?owner=${ta.ids.owner}`), 33);
  // a reassignment (no state, deadline or unit change) must still move the count
  await ta.db.run("update tasks set owner_id = ? where id = ?", [ta.ids.colleague, ids[0]]);
  assert.equal(await total(owner, "/tasks/mine"), 32);
  assert.equal(await total(leader, `/tasks?owner=${ta.ids.owner}`), 32);
  // 待我销号 by a leader (31+ waiting, so the page is full and counted)
  await ta.db.run("update tasks set state = 'review', signoff_requested_by = ?, signoff_requested_at = '2026-11-20T00:00:00.000Z' where id <= ?", [ta.ids.owner, ids[31]]);
  assert.equal(await total(leader, "/tasks/review"), 32);
  await ta.db.run("update tasks set signoff_requested_by = ? where id = ?", [ta.ids.leader, ids[1]]);
  assert.equal(await total(leader, "/tasks/review"), 31, "his own request is not his to sign off");
});

test("自查报告's task counts, kept until stats_version moves, follow a task made, signed off or moved to another report's problem", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  await addReports(ta, 2, ta.ids.a, "甲");
  const [r1, r2] = await ta.db.column<number>("select id from reports order by id");
  const problemOf = async (reportId: number, seq: number) =>
    Number((await ta.db.get<{ id: number }>("insert into problems (report_id, seq, category, text) values (?, ?, '其他', ?) returning id", [reportId, seq, `问题${reportId}-${seq}`]))!.id);
  const addTask = (problemId: number) =>
    ta.db.run("insert into tasks (problem_id, unit_id, owner_id, title, measures, deadline_kind, deadline) values (?, ?, ?, '整改', '', 'dated', '2026-12-31')", [problemId, ta.ids.a, ta.ids.owner]);
  let p1 = 0;
  await ta.db.tx(async () => {
    p1 = await problemOf(r1, 1);
    const p2 = await problemOf(r1, 2);
    for (const p of [p1, p1, p2]) await addTask(p);
  });
  const admin = await login(ta.app, "admin@t.cn");
  const countsOf = async () => {
    const body = (await get(ta.app, admin, "/reports")).body;
    return Object.fromEntries([...body.matchAll(/<a href="\/reports\/(\d+)">[^<]+<\/a>[\s\S]*?<td data-label="整改任务">(\d+) 项，已销号 (\d+) 项<\/td>/g)].map((m) => [Number(m[1]), `${m[2]}/${m[3]}`]));
  };
  assert.deepEqual(await countsOf(), { [r1]: "3/0", [r2]: "0/0" });
  assert.deepEqual(await countsOf(), { [r1]: "3/0", [r2]: "0/0" }, "the kept counts, the same");
  await ta.db.tx(() => ta.db.run("update tasks set state = 'done', signed_off_at = '2026-11-30T00:00:00.000Z' where id = (select min(id) from tasks where problem_id = ?)", [p1]));
  assert.deepEqual(await countsOf(), { [r1]: "3/1", [r2]: "0/0" });
  await ta.db.tx(() => addTask(p1));
  assert.deepEqual(await countsOf(), { [r1]: "4/1", [r2]: "0/0" });
  let q = 0;
  await ta.db.tx(async () => {
    q = await problemOf(r2, 1);
  });
  await ta.db.tx(() => ta.db.run("update tasks set problem_id = ? where id = (select max(id) from tasks where problem_id = ?)", [q, p1]));
  assert.deepEqual(await countsOf(), { [r1]: "3/1", [r2]: "1/0" });
});
