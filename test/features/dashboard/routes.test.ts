import { test } from "node:test";
import assert from "node:assert/strict";
import { makeApp, login, post, get, multipart, type TestApp, type Session } from "../../helpers/app.ts";
import { updateUnit } from "../../../server/features/admin/service.ts";

async function newTask(t: TestApp, s: Session, over: Record<string, unknown> = {}) {
  const res = await post(t.app, s, "/tasks", { title: "三会一课记录不规范", unitId: t.ids.a, ownerId: t.ids.owner, leaderId: t.ids.leader, deadlineKind: "dated", deadline: "2026-12-31", ...over });
  assert.equal(res.statusCode, 303, res.body.slice(0, 300));
  return Number(/\/tasks\/(\d+)/.exec(res.headers.location as string)![1]);
}
/** the number in the KPI tile labelled `label` */
const kpi = (html: string, label: string) => Number(new RegExp(`<span class="kpi-n">([\\d.]+)%?</span><span class="kpi-l">${label}`).exec(html)?.[1]);
/** a row of the units table: [tasks, signed off, overdue] */
function unitRow(html: string, name: string) {
  const m = new RegExp(`>${name}</a>[\\s\\S]*?<td data-label="任务">(\\d+)</td>\\s*<td data-label="已销号">(\\d+)</td>\\s*<td data-label="逾期">(?:<a[^>]*>)?(\\d+)`).exec(html);
  return m ? m.slice(1).map(Number) : null;
}

test("the overview counts the leader's scope: states, 逾期, due this week, completion, units worst first", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const leader = await login(ta.app, "leader@t.cn");
  const a1 = await newTask(ta, leader);
  await newTask(ta, leader, { deadline: "2026-11-25" }); // due this week (today is Mon 2026-11-23)
  const b1 = await newTask(ta, leader, { unitId: ta.ids.b, ownerId: ta.ids.stranger });
  const b2 = await newTask(ta, leader, { unitId: ta.ids.b, ownerId: ta.ids.stranger });
  // make one overdue and one signed off (as if time had passed)
  await ta.db.run("update tasks set deadline = '2026-11-01' where id = ?", [b1]);
  await ta.db.run("update tasks set state = 'done', signed_off_at = '2026-11-20T02:00:00Z', signed_off_by = ? where id = ?", [ta.ids.leader, b2]);

  const page = await get(ta.app, leader, "/");
  assert.equal(page.statusCode, 200);
  assert.match(page.body, /整改总览 · 测试党委/);
  assert.equal(kpi(page.body, "任务总数"), 4);
  assert.equal(kpi(page.body, "逾期"), 1);
  assert.equal(kpi(page.body, "本周到期"), 1);
  assert.equal(kpi(page.body, "完成率"), 25);
  // 第二党支部 has the overdue task, so it comes first
  assert.ok(page.body.indexOf(">第二党支部</a>") < page.body.indexOf(">第一党支部</a>"));
  assert.deepEqual(unitRow(page.body, "第二党支部"), [2, 1, 1]);
  assert.deepEqual(unitRow(page.body, "第一党支部"), [2, 0, 0]);
  assert.match(page.body, new RegExp(`href="/tasks\\?unit=${ta.ids.b}&(amp;)?overdue=1"`));
  // charts are SVG with the numbers also in tables
  assert.equal((page.body.match(/<svg /g) ?? []).length, 3);
  assert.match(page.body, /<th>周末未销号<\/th>/);
  assert.match(page.body, /<td>未分类<\/td><td>4<\/td><td>1<\/td>/);

  // a change through the app shows at once (the triggers move the change counter)
  const owner = await login(ta.app, "owner@t.cn");
  const v = (await ta.db.value<number>("select version from tasks where id = ?", [a1]))!;
  const m = multipart({ _csrf: owner.csrf, version: String(v), text: "已开始整改" }, []);
  const pr = await ta.app.inject({ method: "POST", url: `/tasks/${a1}/progress`, headers: { cookie: owner.cookie, ...m.headers }, payload: m.payload });
  assert.equal(pr.statusCode, 303);
  const after = await get(ta.app, leader, "/");
  assert.match(after.body, /<td><a href="\/tasks\?unit=\d+&amp;state=doing">1<\/a><\/td>/);
  // and a new day moves 逾期 without any write
  ta.clock.now = new Date("2026-11-26T02:00:00Z");
  const later = await get(ta.app, await login(ta.app, "leader@t.cn"), "/");
  assert.equal(kpi(later.body, "逾期"), 2);
});

test("scope: a branch leader sees only their branch; drilling outside it is 404; staff keep 我的任务 as home", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const leader = await login(ta.app, "leader@t.cn");
  await newTask(ta, leader);
  await newTask(ta, leader, { unitId: ta.ids.b, ownerId: ta.ids.stranger });
  const leaderA = await login(ta.app, "leadera@t.cn");
  const pa = await get(ta.app, leaderA, "/");
  assert.match(pa.body, /整改总览 · 第一党支部/);
  assert.equal(kpi(pa.body, "任务总数"), 1);
  assert.equal((await get(ta.app, leaderA, `/?unit=${ta.ids.b}`)).statusCode, 404);
  const drill = await get(ta.app, leader, `/?unit=${ta.ids.b}`);
  assert.equal(drill.statusCode, 200);
  assert.match(drill.body, /整改总览 · 第二党支部/);
  assert.match(drill.body, /返回上级：测试党委/);
  const admin = await login(ta.app, "admin@t.cn");
  assert.equal(kpi((await get(ta.app, admin, "/")).body, "任务总数"), 2);
  const staff = await login(ta.app, "owner@t.cn");
  const home = await get(ta.app, staff, "/");
  assert.equal(home.statusCode, 303);
  assert.equal(home.headers.location, "/tasks/mine");
  assert.equal((await get(ta.app, null, "/")).statusCode, 303);
});

test("branches rated 后进/软弱涣散 are marked, and their tasks can be filtered", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  await updateUnit(ta.db, ta.ids.b, { code: "b", name: "第二党支部", kind: "branch", parentId: ta.ids.root, rating: "weak", ratingYear: 2025 });
  const leader = await login(ta.app, "leader@t.cn");
  await newTask(ta, leader, { title: "甲支部的任务" });
  await newTask(ta, leader, { title: "乙支部的任务", unitId: ta.ids.b, ownerId: ta.ids.stranger });
  const page = await get(ta.app, leader, "/");
  assert.match(page.body, /<tr class="flagged">\s*<td data-label="单位"><a href="\/tasks\?unit=\d+">第二党支部<\/a> <span class="tag tag-warn">软弱涣散<\/span>/);
  assert.match(page.body, /后进 \/ 软弱涣散党支部/);
  assert.match(page.body, /href="\/tasks\?unit=\d+&amp;flagged=1"/);
  const list = await get(ta.app, leader, `/tasks?unit=${ta.ids.root}&flagged=1`);
  assert.match(list.body, /乙支部的任务/);
  assert.doesNotMatch(list.body, /甲支部的任务/);
});
