// 回头看 through the routes: 巩固 and 反弹 with roles and stale versions, the date set and
// cleared, 整改成效 at sign-off, rounds over a unit's tree and a report, and the figures.
import { test } from "node:test";
import assert from "node:assert/strict";
import { makeApp, login, post, get, multipart, PNG_1PX, type TestApp, type Session } from "../../helpers/app.ts";

const taskRow = async (t: TestApp, id: number) => (await t.db.get<any>("select * from tasks where id = ?", [id]))!;
const items = (t: TestApp, id: number) => t.db.all<any>("select * from recheck_items where task_id = ? order by id", [id]);

function form(ta: TestApp, s: Session, url: string, fields: Record<string, string>, files: { filename: string; data: Buffer }[] = []) {
  const mp = multipart({ _csrf: s.csrf, ...fields }, files.map((f) => ({ name: "files", ...f })));
  return ta.app.inject({ method: "POST", url, headers: { cookie: s.cookie, ...mp.headers }, payload: mp.payload });
}

/** A task of unit a, signed off by leaderA (with 整改成效) today: its id. */
async function signedOff(ta: TestApp, leader: Session, owner: Session, title = "党费收缴不及时", over: Record<string, unknown> = {}) {
  const res = await post(ta.app, leader, "/tasks", { title, unitId: ta.ids.a, ownerId: ta.ids.owner, leaderId: ta.ids.leaderA, deadlineKind: "dated", deadline: "2026-12-31", ...over });
  assert.equal(res.statusCode, 303, res.body.slice(0, 300));
  const id = Number(/\/tasks\/(\d+)/.exec(res.headers.location as string)![1]);
  assert.equal((await form(ta, owner, `/tasks/${id}/progress`, { version: "1", text: "已补缴并建立台账" }, [{ filename: "台账.png", data: PNG_1PX }])).statusCode, 303);
  assert.equal((await post(ta.app, owner, `/tasks/${id}/request-signoff`, { version: 2 })).statusCode, 303);
  const s = await post(ta.app, leader, `/tasks/${id}/sign-off`, { version: 3, note: "同意", effect: "clear" });
  assert.equal(s.statusCode, 303, s.body.slice(0, 300));
  return id;
}

test("销号 records 整改成效 and plans the 回头看 three months on; 巩固 only from that day, by a leader, with the current version", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  let leader = await login(ta.app, "leadera@t.cn");
  let owner = await login(ta.app, "owner@t.cn");
  const id = await signedOff(ta, leader, owner);
  const row = await taskRow(ta, id);
  assert.equal(row.effect, "clear");
  const [item] = await items(ta, id);
  assert.equal(item.status, "open");
  assert.equal(item.due, "2027-02-23", "2026-11-23 + 3 months");
  const page = await get(ta.app, leader, `/tasks/${id}`);
  assert.match(page.body, /整改成效：成效明显/);
  assert.match(page.body, /2027年2月23日（92天后回头看）/);

  const bad = await post(ta.app, leader, `/tasks/${id}/sign-off`, { version: 4, effect: "很好" });
  assert.equal(bad.statusCode, 422, "a made-up 成效 is refused");

  const early = await form(ta, leader, `/tasks/${id}/recheck/held`, { version: "4", note: "未见反弹" });
  assert.equal(early.statusCode, 422);
  assert.match(early.body, /回头看日期未到（2027年2月23日）/);
  ta.clock.now = new Date("2027-02-23T02:00:00Z");
  [leader, owner] = [await login(ta.app, "leadera@t.cn"), await login(ta.app, "owner@t.cn")]; // sessions end meanwhile
  assert.equal((await form(ta, owner, `/tasks/${id}/recheck/held`, { version: "4", note: "我看没问题" })).statusCode, 403, "the 责任人 does not judge their own fix");
  const stale = await form(ta, leader, `/tasks/${id}/recheck/held`, { version: "3", note: "未见反弹" });
  assert.equal(stale.statusCode, 409);
  assert.match(stale.body, /已被他人修改/);
  assert.equal((await items(ta, id))[0].status, "open", "nothing changed");
  const ok = await form(ta, leader, `/tasks/${id}/recheck/held`, { version: "4", note: "抽查近三个月记录均按时收缴" }, [{ filename: "收缴记录.png", data: PNG_1PX }]);
  assert.equal(ok.statusCode, 303, ok.body.slice(0, 300));
  const [held] = await items(ta, id);
  assert.equal(held.status, "held");
  assert.equal(held.decided_by, ta.ids.leaderA);
  assert.equal((await items(ta, id)).length, 1, "a 限期整改 task has no further 回头看");
  const ev = await ta.db.get<any>("select * from task_events where task_id = ? and kind = 'recheckHeld'", [id]);
  assert.match(ev.text, /按时收缴/);
  assert.equal(Number(await ta.db.value("select count(*) from attachments where event_id = ?", [ev.id])), 1, "the evidence sits on the event");
  assert.equal((await taskRow(ta, id)).state, "done");
  const again = await form(ta, leader, `/tasks/${id}/recheck/held`, { version: "5" });
  assert.equal(again.statusCode, 422, "no open 回头看 left");
});

test("反弹 needs a reason, reopens the task and is counted; the overseer of the unit may judge too", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const leader = await login(ta.app, "leadera@t.cn");
  const owner = await login(ta.app, "owner@t.cn");
  const id = await signedOff(ta, leader, owner);
  const noReason = await form(ta, leader, `/tasks/${id}/recheck/rebound`, { version: "4", reason: " " });
  assert.equal(noReason.statusCode, 422);
  assert.match(noReason.body, /请填写反弹的情况/);
  assert.equal((await taskRow(ta, id)).state, "done", "nothing changed");
  assert.equal((await form(ta, owner, `/tasks/${id}/recheck/rebound`, { version: "4", reason: "x" })).statusCode, 403);
  const stranger = await login(ta.app, "stranger@t.cn");
  assert.equal((await form(ta, stranger, `/tasks/${id}/recheck/rebound`, { version: "4", reason: "x" })).statusCode, 404, "another unit's staff do not see it");

  // a leader of unit b made the overseer of unit a may answer a's 回头看
  const { createUser } = await import("../../../server/features/admin/service.ts");
  const overseerId = await createUser(ta.db, { email: "lb@t.cn", name: "周书记", role: "leader", unitId: ta.ids.b, password: "test1234pass" });
  await ta.db.run("update units set overseer_id = ? where id = ?", [overseerId, ta.ids.a]);
  const overseer = await login(ta.app, "lb@t.cn");
  const r = await form(ta, overseer, `/tasks/${id}/recheck/rebound`, { version: "4", reason: "三月份又有两名党员未按时交纳党费" });
  assert.equal(r.statusCode, 303, r.body.slice(0, 300));
  const row = await taskRow(ta, id);
  assert.equal(row.state, "doing");
  assert.equal(row.rebound_count, 1);
  assert.equal(row.signed_off_by, null);
  assert.equal((await items(ta, id))[0].status, "rebound");
  const ev = await ta.db.get<any>("select * from task_events where task_id = ? and kind = 'rebound'", [id]);
  assert.equal(ev.from_state, "done");
  assert.equal(ev.to_state, "doing");
  const page = await get(ta.app, leader, `/tasks/${id}`);
  assert.match(page.body, /反弹 1 次/);
  // counted on the overview
  const home = await get(ta.app, leader, "/");
  assert.match(home.body, /反弹率/);
  assert.match(home.body, /<td[^>]*>第一党支部<\/td>[\s\S]*?100%/);
});

test("a leader sets and clears the 回头看 date; a past date is refused", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const leader = await login(ta.app, "leadera@t.cn");
  const owner = await login(ta.app, "owner@t.cn");
  const id = await signedOff(ta, leader, owner);
  const past = await post(ta.app, leader, `/tasks/${id}/recheck/date`, { version: 4, recheckDue: "2026-11-01" });
  assert.equal(past.statusCode, 422);
  assert.match(past.body, /不能早于今天/);
  assert.equal((await post(ta.app, owner, `/tasks/${id}/recheck/date`, { version: 4, recheckDue: "2027-01-10" })).statusCode, 403);
  assert.equal((await post(ta.app, leader, `/tasks/${id}/recheck/date`, { version: 4, recheckDue: "2027-01-10" })).statusCode, 303);
  assert.equal((await items(ta, id))[0].due, "2027-01-10");
  assert.equal((await post(ta.app, leader, `/tasks/${id}/recheck/date`, { version: 5, recheckDue: "" })).statusCode, 303);
  assert.equal((await items(ta, id)).length, 0, "cleared");
  assert.equal(await ta.db.value("select count(*) from task_events where task_id = ? and kind = 'recheckSet'", [id]), 2);
});

test("长期坚持: a 回头看 six months after 销号, and again six months after each 巩固", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const leader = await login(ta.app, "leadera@t.cn");
  const owner = await login(ta.app, "owner@t.cn");
  const id = await signedOff(ta, leader, owner, "理论学习常态化", { deadlineKind: "ongoing", deadline: "" });
  assert.equal((await items(ta, id))[0].due, "2027-05-23");
  ta.clock.now = new Date("2027-05-25T02:00:00Z");
  assert.equal((await form(ta, await login(ta.app, "leadera@t.cn"), `/tasks/${id}/recheck/held`, { version: "4" })).statusCode, 303);
  const all = await items(ta, id);
  assert.deepEqual(all.map((x: any) => [x.status, x.due]), [["held", "2027-05-23"], ["open", "2027-11-25"]]);
});

test("a round over a unit's tree: tasks signed off before the date get a 回头看 due on the deadline; its page shows the progress", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const leader = await login(ta.app, "leadera@t.cn");
  const owner = await login(ta.app, "owner@t.cn");
  const one = await signedOff(ta, leader, owner, "党费收缴不及时");
  const two = await signedOff(ta, leader, owner, "组织生活会质量不高");
  ta.clock.now = new Date("2026-12-10T02:00:00Z");
  const later = await signedOff(ta, await login(ta.app, "leadera@t.cn"), await login(ta.app, "owner@t.cn"), "谈心谈话不经常");
  let top = await login(ta.app, "leader@t.cn");
  const owner2 = await login(ta.app, "owner@t.cn");
  const staff = await post(ta.app, owner2, "/rechecks/rounds", { scope: "unit", unitId: ta.ids.root, due: "2026-12-31", asOf: "2026-12-01" });
  assert.equal(staff.statusCode, 403);
  const pastDue = await post(ta.app, top, "/rechecks/rounds", { scope: "unit", unitId: ta.ids.root, due: "2026-12-01", asOf: "2026-12-01" });
  assert.equal(pastDue.statusCode, 422);
  assert.match(pastDue.body, /完成期限不能早于今天/);
  const none = await post(ta.app, top, "/rechecks/rounds", { scope: "unit", unitId: ta.ids.b, due: "2026-12-31", asOf: "2026-12-01" });
  assert.equal(none.statusCode, 422);
  assert.match(none.body, /没有在2026年12月1日之前销号的任务/);
  assert.equal(await ta.db.value("select count(*) from recheck_rounds"), 0, "nothing written");
  const otherUnit = await login(ta.app, "leadera@t.cn");
  assert.equal((await post(ta.app, otherUnit, "/rechecks/rounds", { scope: "unit", unitId: ta.ids.root, due: "2026-12-31" })).statusCode, 403, "a branch leader cannot run one over the committee");

  const res = await post(ta.app, top, "/rechecks/rounds", { scope: "unit", unitId: ta.ids.root, due: "2026-12-31", asOf: "2026-12-01" });
  assert.equal(res.statusCode, 303, res.body.slice(0, 400));
  const roundId = Number(/\/rechecks\/rounds\/(\d+)/.exec(String(res.headers.location))![1]);
  for (const id of [one, two]) assert.deepEqual((await items(ta, id)).map((x: any) => [x.round_id, x.due, x.status]), [[roundId, "2026-12-31", "open"]]);
  assert.equal((await items(ta, later))[0].round_id, null, "signed off after the date: not in the round");
  ta.clock.now = new Date("2026-12-31T02:00:00Z");
  top = await login(ta.app, "leader@t.cn");
  assert.equal((await form(ta, top, `/tasks/${one}/recheck/held`, { version: "4" })).statusCode, 303);
  assert.equal((await form(ta, top, `/tasks/${two}/recheck/rebound`, { version: "4", reason: "辣味不足问题再次出现" })).statusCode, 303);
  const page = await get(ta.app, top, `/rechecks/rounds/${roundId}`);
  assert.equal(page.statusCode, 200);
  assert.match(page.body, /已回头看 2\/2/);
  assert.match(page.body, /巩固 <strong>1<\/strong>/);
  assert.match(page.body, /反弹 <strong[^>]*>1<\/strong>/);
  const list = await get(ta.app, top, "/rechecks?show=done");
  assert.match(list.body, /党费收缴不及时/);
  assert.match(list.body, /已回头看 2\/2（巩固 1，反弹 1）/);
  assert.equal((await get(ta.app, await login(ta.app, "stranger@t.cn"), `/rechecks/rounds/${roundId}`)).statusCode, 404);
});

test("a round over a report takes that report's signed-off tasks only; the 回头看 list shows what is due", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const leader = await login(ta.app, "leadera@t.cn");
  const owner = await login(ta.app, "owner@t.cn");
  const id = await signedOff(ta, leader, owner);
  const other = await signedOff(ta, leader, owner, "会议记录不完整");
  const reportId = (await ta.db.get<{ id: number }>(
    `INSERT INTO reports (title, unit_id, format, full_text, imported_by, imported_at) VALUES ('2025年度自查报告', ?, 'paste', '党费收缴不及时', ?, '2026-01-01T00:00:00.000Z') RETURNING id`,
    [ta.ids.a, ta.ids.leaderA],
  ))!.id;
  const problemId = (await ta.db.get<{ id: number }>(`INSERT INTO problems (report_id, seq, text) VALUES (?, 1, '党费收缴不及时') RETURNING id`, [reportId]))!.id;
  await ta.db.run("update tasks set problem_id = ? where id = ?", [problemId, id]);
  ta.clock.now = new Date("2026-11-25T02:00:00Z");
  let leader2 = await login(ta.app, "leadera@t.cn");
  const res = await post(ta.app, leader2, "/rechecks/rounds", { scope: "report", reportId, due: "2026-11-30", asOf: "2026-11-25" });
  assert.equal(res.statusCode, 303, res.body.slice(0, 400));
  assert.equal((await items(ta, id))[0].due, "2026-11-30");
  assert.equal((await items(ta, other))[0].due, "2027-02-23", "another report's task keeps its own date");
  ta.clock.now = new Date("2026-12-02T02:00:00Z");
  leader2 = await login(ta.app, "leadera@t.cn");
  const due = await get(ta.app, leader2, "/rechecks");
  assert.match(due.body, /党费收缴不及时/);
  assert.match(due.body, /回头看逾期2天/);
  assert.doesNotMatch(due.body, /会议记录不完整/, "not due yet");
  const all = await get(ta.app, leader2, "/rechecks?show=all");
  assert.match(all.body, /会议记录不完整/);
});

test("the ledger and the 整改情况报告 carry 整改成效 and the 回头看: 回头看：…巩固 / 反弹，已重新整改; the summary sheet adds the figures", async (t) => {
  const { ledger, reportProgress } = await import("../../../server/features/ledger/service.ts");
  const { ledgerXlsx } = await import("../../../server/features/ledger/xlsx.ts");
  const { blocksToText } = await import("../../../server/features/ledger/compose.ts");
  const ExcelJS = (await import("exceljs")).default;
  const ta = await makeApp();
  t.after(ta.close);
  let leader = await login(ta.app, "leadera@t.cn");
  let owner = await login(ta.app, "owner@t.cn");
  const held = await signedOff(ta, leader, owner, "党费收缴不及时");
  const back = await signedOff(ta, leader, owner, "组织生活会质量不高");
  // both tasks from one report, so the 整改情况报告 has them
  const reportId = (await ta.db.get<{ id: number }>(
    `INSERT INTO reports (title, unit_id, format, full_text, imported_by, imported_at) VALUES ('2026年度自查报告', ?, 'paste', '一、存在问题\n1.党费收缴不及时。\n2.组织生活会质量不高。', ?, '2026-11-01T00:00:00.000Z') RETURNING id`,
    [ta.ids.a, ta.ids.leaderA],
  ))!.id;
  for (const [seq, id] of [[1, held], [2, back]]) {
    const pid = (await ta.db.get<{ id: number }>(`INSERT INTO problems (report_id, seq, text) VALUES (?, ?, (SELECT title FROM tasks WHERE id = ?)) RETURNING id`, [reportId, seq, id]))!.id;
    await ta.db.run("update tasks set problem_id = ? where id = ?", [pid, id]);
  }
  ta.clock.now = new Date("2027-03-01T02:00:00Z");
  [leader, owner] = [await login(ta.app, "leadera@t.cn"), await login(ta.app, "owner@t.cn")];
  assert.equal((await form(ta, leader, `/tasks/${held}/recheck/held`, { version: "4" })).statusCode, 303);
  assert.equal((await form(ta, leader, `/tasks/${back}/recheck/rebound`, { version: "4", reason: "又出现走过场" })).statusCode, 303);
  assert.equal((await form(ta, owner, `/tasks/${back}/progress`, { version: "5", text: "重新召开组织生活会" })).statusCode, 303);
  assert.equal((await post(ta.app, owner, `/tasks/${back}/request-signoff`, { version: 6 })).statusCode, 303);
  assert.equal((await post(ta.app, leader, `/tasks/${back}/sign-off`, { version: 7, effect: "basic" })).statusCode, 303);

  const actor = { id: ta.ids.leaderA, role: "leader" as const, unitId: ta.ids.a, unitPath: (await ta.db.value<string>("select path from units where id = ?", [ta.ids.a]))! };
  const l = await ledger(ta.db, actor, { report: reportId }, "2027-03-01", "2027-03-01", "Asia/Shanghai");
  const note = new Map(l.rows.map((r) => [r.problem, r.note]));
  assert.equal(note.get("党费收缴不及时"), "整改成效：成效明显；回头看：2027年3月1日巩固");
  assert.equal(note.get("组织生活会质量不高"), "整改成效：基本完成；反弹，已重新整改");
  // as of the day before the 回头看, neither is there
  const before = await ledger(ta.db, actor, { report: reportId }, "2027-02-28", "2027-03-01", "Asia/Shanghai");
  assert.ok(before.rows.every((r) => !/回头看|反弹/.test(r.note)));

  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load((await ledgerXlsx({ title: l.title, asOf: l.asOf, rows: l.rows })) as any);
  const sum = wb.getWorksheet("按单位汇总")!;
  const total = (sum.getRow(5).values as unknown[]).slice(1);
  assert.equal(total[0], "合计");
  assert.deepEqual(total.slice(9), [0, 0, 1, 1, 0.5, 0.5], "回头看到期 (the re-signed task's next one is in June), 逾期, 巩固, 反弹, 巩固率, 反弹率");

  const doc = blocksToText((await reportProgress(ta.db, actor, reportId, "2027-03-01", "Asia/Shanghai")).blocks);
  assert.match(doc, /回头看：2027年3月1日巩固/);
  assert.match(doc, /反弹，已重新整改/);
  assert.match(doc, /整改成效：成效明显/);
});

test("the unit setting: 回头看 months after 销号 (blank: 3, 0: none); a bad value is refused in Chinese", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const admin = await login(ta.app, "admin@t.cn");
  const unit = { code: "a", name: "第一党支部", kind: "branch", parentId: ta.ids.root, requireSignoffCheck: "1", requireEvidence: "1" };
  const bad = await post(ta.app, admin, `/admin/units/${ta.ids.a}`, { ...unit, recheckMonths: "99" });
  assert.equal(bad.statusCode, 422);
  assert.match(bad.body, /回头看间隔为 0–36 个整月/);
  assert.equal((await post(ta.app, admin, `/admin/units/${ta.ids.a}`, { ...unit, recheckMonths: "1" })).statusCode, 303);
  const leader = await login(ta.app, "leadera@t.cn");
  const owner = await login(ta.app, "owner@t.cn");
  const id = await signedOff(ta, leader, owner);
  assert.equal((await items(ta, id))[0].due, "2026-12-23");
  assert.equal((await post(ta.app, admin, `/admin/units/${ta.ids.a}`, { ...unit, recheckMonths: "0" })).statusCode, 303);
  const none = await signedOff(ta, leader, owner, "会议记录不完整");
  assert.equal((await items(ta, none)).length, 0, "0: no 回头看");
  assert.match((await get(ta.app, admin, `/admin/units/${ta.ids.a}`)).body, /name="recheckMonths"[^>]*value="0"/);
});
