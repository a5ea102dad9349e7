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

test("a province's hundreds of 后进 branches: the overview lists the worst 20 and says how many there are", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const { createUnit } = await import("../../../server/features/admin/service.ts");
  const { FLAGGED_SHOWN } = await import("../../../server/features/dashboard/service.ts");
  for (let i = 0; i < FLAGGED_SHOWN + 3; i++) await createUnit(ta.db, { code: `w${i}`, name: `后进支部${i}`, kind: "branch", parentId: ta.ids.root });
  await ta.db.run("UPDATE units SET rating = 'backward' WHERE code LIKE 'w%'");
  const leader = await login(ta.app, "leader@t.cn");
  const page = await get(ta.app, leader, "/");
  const section = page.body.slice(page.body.indexOf("后进 / 软弱涣散党支部"));
  assert.equal((section.slice(0, section.indexOf("</table>")).match(/<tr class="flagged">/g) ?? []).length, FLAGGED_SHOWN);
  assert.match(section, new RegExp(`共 ${FLAGGED_SHOWN + 3} 个，此处列出问题最突出的 ${FLAGGED_SHOWN} 个`));
});

test("after writes on the same day the snapshot reads again only the units the writes noted, and equals one read whole", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const { db, ids } = ta;
  const { snapshot } = await import("../../../server/features/dashboard/service.ts");
  const { openDb } = await import("../../../db/client.ts");
  const today = "2026-11-23";
  const ins = `INSERT INTO tasks (unit_id, owner_id, title, deadline_kind, deadline, state) VALUES (?, ?, ?, 'dated', ?, ?)`;
  await db.tx(async () => {
    for (let i = 0; i < 12; i++) await db.run(ins, [i % 3 ? ids.a : ids.b, i % 3 ? ids.owner : ids.stranger, `任务${i}`, `2026-11-${String(10 + i).padStart(2, "0")}`, ["todo", "doing", "review"][i % 3]]);
  });
  const taskIds = await db.column<number>("SELECT id FROM tasks ORDER BY id");
  const first = await snapshot(db, today, 480);
  assert.equal(first.refreshed, null, "the first snapshot is read whole");
  /** a snapshot of the same database by a store that has none yet: read whole */
  const whole = async () => {
    const other = await openDb(ta.config.database);
    try {
      return await snapshot(other, today, 480);
    } finally {
      await other.close();
    }
  };
  const same = async (label: string) => {
    const step = await snapshot(db, today, 480);
    const w = await whole();
    assert.equal(w.refreshed, null);
    for (const part of ["own", "rolled", "cats", "weekly"] as const) assert.deepEqual(step[part], w[part], `${label}: ${part}`);
    return step;
  };

  // one unit's task signed off: that unit alone is read again
  await db.run("UPDATE tasks SET state = 'done', signed_off_at = '2026-11-20T02:00:00.000Z' WHERE id = ?", [taskIds[1]]);
  assert.equal((await same("signed off")).refreshed, 1);
  // a task moved from one branch to the other: both
  await db.run("UPDATE tasks SET unit_id = ? WHERE id = ?", [ids.b, taskIds[2]]);
  assert.equal((await same("moved")).refreshed, 2);
  // a title changes no figure and notes nothing; a 回头看-like bump of the counter alone reads nothing again
  await db.run("UPDATE tasks SET title = '改过的标题' WHERE id = ?", [taskIds[3]]);
  await db.run("UPDATE stats_version SET n = n + 1 WHERE id = 1");
  assert.equal((await same("counter alone")).refreshed, 0);
  // a problem's category: the units of its tasks
  await db.tx(async () => {
    const report = (await db.get<{ id: number }>(`INSERT INTO reports (title, unit_id, format, full_text, imported_by) VALUES ('报告', ?, 'txt', '全文', ?) RETURNING id`, [ids.a, ids.admin]))!.id;
    const problem = (await db.get<{ id: number }>(`INSERT INTO problems (report_id, seq, text) VALUES (?, 1, '问题') RETURNING id`, [report]))!.id;
    await db.run("UPDATE tasks SET problem_id = ? WHERE id = ?", [problem, taskIds[4]]);
  });
  await same("problem linked");
  await db.run("UPDATE problems SET category = '组织生活'");
  assert.equal((await same("category")).refreshed, 1);
  // the unit tree changed: everything again
  await db.run("UPDATE units SET name = '第二支部' WHERE id = ?", [ids.b]);
  assert.equal((await same("renamed unit")).refreshed, null);
  // the notes a snapshot needs were pruned away: everything again
  const { pruneChangeNotes } = await import("../../../server/features/dashboard/service.ts");
  await db.run("UPDATE tasks SET state = 'doing' WHERE id = ?", [taskIds[0]]);
  assert.ok((await pruneChangeNotes(db, 0)) > 0);
  assert.equal((await same("pruned, nothing since")).refreshed, null);
  await db.run("UPDATE tasks SET state = 'review' WHERE id = ?", [taskIds[6]]);
  assert.equal((await same("one note since")).refreshed, 1);
  await db.run("UPDATE tasks SET state = 'todo' WHERE id = ?", [taskIds[0]]);
  await pruneChangeNotes(db, 0);
  await db.run("UPDATE tasks SET state = 'doing' WHERE id = ?", [taskIds[7]]);
  assert.equal((await same("pruned, then a note")).refreshed, null);
  // a new day: everything again
  assert.equal((await snapshot(db, "2026-11-24", 480)).refreshed, null);
});

test("while writes keep moving the counter, the snapshot is stepped one step at a time: who asks during a step shares the next one, which holds every write made before they asked", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const { db, ids } = ta;
  const { snapshot } = await import("../../../server/features/dashboard/service.ts");
  const today = "2026-11-23";
  const ins = `INSERT INTO tasks (unit_id, owner_id, title, deadline_kind, deadline, state) VALUES (?, ?, ?, 'dated', '2026-12-31', 'todo')`;
  const total = (s: Awaited<ReturnType<typeof snapshot>>) => [...s.own.values()].reduce((n, f) => n + f.total, 0);
  const base = total(await snapshot(db, today, 480));
  // eight requests, each after one more task: none awaited until the end
  const asked: { before: number; snap: Promise<Awaited<ReturnType<typeof snapshot>>> }[] = [];
  for (let i = 0; i < 8; i++) {
    await db.run(ins, [i % 2 ? ids.a : ids.b, ids.owner, `并发${i}`]);
    asked.push({ before: i + 1, snap: snapshot(db, today, 480) });
  }
  const got = await Promise.all(asked.map((a) => a.snap));
  got.forEach((s, i) => assert.ok(total(s) >= base + asked[i].before, `request ${i + 1} sees every task made before it (${total(s)} < ${base + asked[i].before})`));
  assert.equal(total(got[7]), base + 8);
  // On SQLite the writes and the requests all come before the first step's read on the reader
  // thread can answer: one step after the first, shared by the seven who asked while it ran. (On
  // PostgreSQL every statement is a round trip, so how many steps the requests find running depends on timing.)
  if (db.engine === "sqlite") {
    assert.equal(new Set(got).size, 2, "two steps, not eight");
    assert.equal(got[1], got[7]);
  } else assert.ok(new Set(got).size < 8, "fewer steps than requests");
});

test("the warmer makes the day's snapshot before anyone asks: the first request of the day finds it made", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const { snapshot } = await import("../../../server/features/dashboard/service.ts");
  const { warmOverview, startOverviewWarmer } = await import("../../../server/features/dashboard/warm.ts");
  await newTask(ta, await login(ta.app, "leader@t.cn"));
  // 00:00:10 on 24 November in Shanghai (UTC+8) is 16:00:10 UTC the day before
  const warmed = await warmOverview(ta.db, "Asia/Shanghai", new Date("2026-11-23T16:00:10Z"));
  assert.equal(warmed.today, "2026-11-24", "the local day, not UTC's");
  const asked = await snapshot(ta.db, "2026-11-24", 480);
  assert.equal(asked, warmed, "首页's first request of the day gets the warmed snapshot, not a build of its own");
  assert.equal(asked.refreshed, null, "read whole (a new day)");
  assert.equal(asked.own.get(ta.ids.a)?.total, 1, "with the day's figures");
  // the schedule: warms at once, stops cleanly, logs no failure
  const errors: unknown[] = [];
  const warmer = startOverviewWarmer({ db: ta.db, timeZone: "Asia/Shanghai", log: { info: () => {}, error: (o) => errors.push(o) } });
  await warmer.first;
  warmer.stop();
  assert.deepEqual(errors, []);
});
