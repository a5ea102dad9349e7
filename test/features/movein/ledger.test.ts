// The 在办台账 import: rows → tasks in the states the ledger had, unmatched names chosen by the
// leader, an ambiguous deadline confirmed, a draft that survives reload, one transaction, same-file warning.
import { test } from "node:test";
import assert from "node:assert/strict";
import { makeApp, login, get, post, multipart, type Session, type TestApp } from "../../helpers/app.ts";
import { xlsx, LEDGER_ROWS, LEDGER_MERGES } from "./files.ts";
import { buildRows, groupOf } from "../../../server/features/movein/ledger.ts";
import { readTables } from "../../../server/features/movein/sheet.ts";
import { LEDGER_FIELDS } from "../../../server/features/movein/fields.ts";

const text = (html: string) => html.replace(/<[^>]+>/g, " ").replace(/\s+/g, " ");
function upload(ta: TestApp, s: Session, data: Buffer, fields: Record<string, string>) {
  const mp = multipart({ _csrf: s.csrf, ...fields }, [{ name: "file", filename: "巡察整改台账.xlsx", data }]);
  return ta.app.inject({ method: "POST", url: "/movein/ledger", headers: { cookie: s.cookie, ...mp.headers }, payload: mp.payload });
}

test("pure: group rows are categories, merged cells fill down, states and deadlines from words", async () => {
  const file = await xlsx([{ rows: LEDGER_ROWS, merges: LEDGER_MERGES }]);
  const tables = readTables(file, "l.xlsx", LEDGER_FIELDS);
  const units = [
    { id: 1, name: "测试党委", path: "/1/", secretaryId: null },
    { id: 2, name: "第一党支部", path: "/1/2/", secretaryId: null },
  ];
  const rows = buildRows(tables, { year: 2026, immediateDay: "2026-11-22", units, people: [] });
  assert.equal(rows.length, 4);
  assert.equal(groupOf({ seq: "一、思想政治方面" }), "思想政治方面");
  assert.deepEqual(rows.map((r) => r.state), ["done", "doing", "doing", "todo"]);
  assert.equal(rows[1].category, "理论学习", "the merged category reaches the second row");
  assert.equal(rows[2].category, "组织生活");
  assert.equal(rows[0].closedOn, "2026-07-10");
  assert.deepEqual([rows[1].deadline, rows[1].deadlineConfirmed], ["2026-12-31", false]);
  assert.equal(rows[2].deadlineKind, "ongoing");
  assert.deepEqual([rows[3].deadlineKind, rows[3].deadline], ["immediate", "2026-11-22"]);
  assert.equal(rows[0].unitId, null, "第一支部 is not guessed");
  assert.equal(rows[1].unitId, 2);
});

test("a leader imports a ledger: unmatched listed, chosen, deadline confirmed, then tasks in the ledger's states with history", async () => {
  const ta = await makeApp();
  try {
    const leader = await login(ta.app, "leader@t.cn");
    const file = await xlsx([{ rows: LEDGER_ROWS, merges: LEDGER_MERGES }]);
    const res = await upload(ta, leader, file, { unitId: String(ta.ids.root) });
    assert.equal(res.statusCode, 303, res.body.slice(0, 300));
    const url = String(res.headers.location);
    let page = text((await get(ta.app, leader, url)).body);
    assert.match(page, /已销号 1 ，整改中 2 ，待整改 1/);
    assert.match(page, /责任单位“第一支部”（1 行）对应为/);
    assert.match(page, /责任人“孙某某”（1 行）对应为/);
    assert.match(page, /待确认：未写年份，按台账年度 2026 年理解/);
    // a row that needs nothing sends no form until asked for (?edit=)
    assert.doesNotMatch(page, /保存第 10 行/);
    assert.match(text((await get(ta.app, leader, `${url}?edit=r4`)).body), /保存第 10 行/);

    // not yet: refused, nothing written
    const tasksBefore = Number(await ta.db.value("SELECT count(*) FROM tasks"));
    const early = await post(ta.app, leader, `${url}/confirm`, {});
    assert.equal(early.statusCode, 422);
    assert.match(text(early.body), /还有 3 行需要处理/);
    assert.equal(Number(await ta.db.value("SELECT count(*) FROM tasks")), tasksBefore);
    assert.equal(Number(await ta.db.value("SELECT count(*) FROM reports")), 0);

    // the two matches, the deadline; the draft keeps them across a reload
    await post(ta.app, leader, `${url}/ledger`, { op: "choose", kind: "unit", text: "第一支部", id: ta.ids.a });
    await post(ta.app, leader, `${url}/ledger`, { op: "choose", kind: "owner", text: "孙某某", id: ta.ids.stranger });
    await post(ta.app, leader, `${url}/ledger`, { op: "confirmDeadlines" });
    page = text((await get(ta.app, leader, url)).body);
    assert.doesNotMatch(page, /未能对应的单位和人员/);
    assert.match(page, /全部可以导入/);
    // bulk: 责任领导 for two rows
    await post(ta.app, leader, `${url}/ledger`, { op: "bulk", keys: "r4", leaderId: ta.ids.leaderA });

    const done = await post(ta.app, leader, `${url}/confirm`, {});
    assert.equal(done.statusCode, 303, done.body.slice(0, 300));
    const reportId = Number(String(done.headers.location).split("/").pop());
    assert.equal(await ta.db.value("SELECT title FROM reports WHERE id = ?", [reportId]), "测试党委巡察整改台账");
    const tasks = await ta.db.all<{ title: string; state: string; deadlineKind: string; deadline: string | null; signedOffAt: string | null; unitId: number; ownerId: number; leaderId: number | null; progressCount: number; category: string }>(
      `SELECT t.title, t.state, t.deadline_kind AS "deadlineKind", t.deadline, t.signed_off_at AS "signedOffAt", t.unit_id AS "unitId", t.owner_id AS "ownerId", t.leader_id AS "leaderId", t.progress_count AS "progressCount", p.category FROM tasks t JOIN problems p ON p.id = t.problem_id WHERE p.report_id = ? ORDER BY p.seq`,
      [reportId],
    );
    assert.deepEqual(
      tasks.map((t) => [t.title, t.state, t.deadlineKind, t.deadline, t.category]),
      [
        ["理论学习不深入", "done", "dated", "2026-06-30", "理论学习"],
        ["党费收缴不及时", "doing", "dated", "2026-12-31", "理论学习"],
        ["发展党员程序不规范", "doing", "ongoing", null, "组织生活"],
        ["会议记录不全", "todo", "immediate", "2026-11-22", "组织生活"],
      ],
    );
    assert.equal(tasks[0].signedOffAt, "2026-07-10T00:00:00.000Z");
    assert.equal(tasks[0].unitId, ta.ids.a);
    assert.equal(tasks[2].ownerId, ta.ids.stranger);
    assert.equal(tasks[3].leaderId, ta.ids.leaderA);
    assert.equal(tasks[1].progressCount, 1);
    const history = await ta.db.column<string>(`SELECT e.text FROM task_events e JOIN tasks t ON t.id = e.task_id JOIN problems p ON p.id = t.problem_id WHERE p.report_id = ? ORDER BY e.id`, [reportId]);
    assert.ok(history.includes("由台账《巡察整改台账.xlsx》导入，原记录已销号于2026年7月10日"), history.join("\n"));
    assert.ok(history.includes("已补缴三个月"));

    // the task list shows the ledger's states
    const list = text((await get(ta.app, leader, "/tasks")).body);
    assert.match(list, /理论学习不深入.*已销号/);

    // the same file again: warned
    const again = await upload(ta, leader, file, { unitId: String(ta.ids.root) });
    assert.match(text((await get(ta.app, leader, String(again.headers.location))).body), /同一个文件已经导入过/);
  } finally {
    await ta.close();
  }
});

test("a leader may import only for their own tree; a staff member not at all", async () => {
  const ta = await makeApp();
  try {
    const file = await xlsx([{ rows: LEDGER_ROWS, merges: LEDGER_MERGES }]);
    const leaderA = await login(ta.app, "leadera@t.cn");
    const res = await upload(ta, leaderA, file, { unitId: String(ta.ids.b) });
    assert.equal(res.statusCode, 422);
    assert.match(res.body, /只能为本单位及下级单位导入台账/);
    const staff = await login(ta.app, "owner@t.cn");
    assert.equal((await upload(ta, staff, file, { unitId: String(ta.ids.a) })).statusCode, 403);
    assert.equal(Number(await ta.db.value("SELECT count(*) FROM movein_drafts")), 0);
  } finally {
    await ta.close();
  }
});

test("pure: one sheet per round: every sheet with a header gives rows; 牵头/配合 units split; a title after a name is matched", async () => {
  const file = await xlsx([
    { name: "巡察反馈", rows: [["问题描述", "责任单位", "责任人", "完成时限", "完成情况"], ["甲问题", "第一党支部牵头，第二党支部配合", "王书记", "2026-05-31", "已销号"]] },
    { name: "说明", rows: [["本表说明"], ["无"]] },
    { name: "自查", rows: [["序号", "存在问题", "责任部门", "时限"], ["1", "乙问题", "中共第二党支部委员会", "年底前"]] },
  ]);
  const tables = readTables(file, "l.xlsx", LEDGER_FIELDS);
  assert.deepEqual(tables.map((t) => t.sheet), ["巡察反馈", "自查"]);
  const units = [
    { id: 2, name: "第一党支部", path: "/1/2/", secretaryId: null },
    { id: 3, name: "第二党支部", path: "/1/3/", secretaryId: null },
  ];
  const people = [{ id: 9, name: "王", role: "leader", unitId: 2, unitPath: "/1/2/", active: true }];
  const rows = buildRows(tables, { year: 2026, immediateDay: "2026-11-22", units, people });
  assert.deepEqual(rows.map((r) => [r.title, r.unitId, r.coUnits, r.state]), [
    ["甲问题", 2, "第二党支部", "done"],
    ["乙问题", 3, "", "todo"],
  ]);
  assert.equal(rows[1].deadline, "2026-12-31");
  assert.equal(rows[1].deadlineConfirmed, false);
  const { resolve } = await import("../../../server/features/movein/ledger.ts");
  assert.equal(resolve(rows[0], { unit: {}, owner: {}, leader: {} }, units, people).ownerId, 9, "王书记 is 王");
});

test("rows tied to an existing report; rows left out in bulk; a dry run writes nothing", async () => {
  const ta = await makeApp();
  try {
    const { reports } = await import("../../../db/schema.ts");
    const reportId = await ta.db.tx(async () => (await ta.db.insert(reports).values({ title: "2026年度自查报告", unitId: ta.ids.root, format: "paste", fullText: "……", importedBy: ta.ids.leader }).returning({ id: reports.id }))[0].id);
    const leader = await login(ta.app, "leader@t.cn");
    const res = await upload(ta, leader, await xlsx([{ rows: LEDGER_ROWS, merges: LEDGER_MERGES }]), { unitId: String(ta.ids.root), reportId: String(reportId) });
    const url = String(res.headers.location);
    const { confirmLedgerDraft } = await import("../../../server/features/movein/ledger-service.ts");
    const c = { db: ta.db, actor: { id: ta.ids.leader, role: "leader" as const, unitId: ta.ids.root, unitPath: `/${ta.ids.root}/` }, now: ta.clock.now, today: "2026-11-23" };
    const id = Number(url.split("/").pop());
    const dry = await confirmLedgerDraft(c, id, { dryRun: true, skipBad: true });
    assert.equal(dry.created, 1);
    assert.equal(dry.refused.length, 3);
    assert.equal(Number(await ta.db.value("SELECT count(*) FROM tasks")), 0, "a dry run writes nothing");
    const bulk = await post(ta.app, leader, `${url}/ledger`, { op: "bulk", keys: "r1", skip: "1" });
    assert.equal(bulk.statusCode, 303);
    await post(ta.app, leader, `${url}/ledger`, { op: "bulk", keys: "r2", skip: "1" });
    await post(ta.app, leader, `${url}/ledger`, { op: "bulk", keys: "r3", skip: "1" });
    const none = await post(ta.app, leader, `${url}/ledger`, { op: "bulk", skip: "1" });
    assert.equal(none.statusCode, 422);
    assert.match(none.body, /请先勾选要批量设置的行/);
    const done = await post(ta.app, leader, `${url}/confirm`, {});
    assert.equal(done.statusCode, 303, done.body.slice(0, 300));
    assert.equal(String(done.headers.location), `/reports/${reportId}`);
    assert.deepEqual(await ta.db.column("SELECT t.title FROM tasks t JOIN problems p ON p.id = t.problem_id WHERE p.report_id = ?", [reportId]), ["会议记录不全"]);
    assert.equal(Number(await ta.db.value("SELECT count(*) FROM reports")), 1, "no new report");
  } finally {
    await ta.close();
  }
});
