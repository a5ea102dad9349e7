// The 整改情况报告 composed from a seeded history at several dates: states, deadlines, sign-off
// dates and progress come from the history as it stood at the end of each day.
import { test } from "node:test";
import assert from "node:assert/strict";
import { makeApp } from "../../helpers/app.ts";
import { playStory } from "./story.ts";
import { reportProgress } from "../../../server/features/ledger/service.ts";
import { blocksToText, composeReport, cnNumeral, liveSectionText, summaryText } from "../../../server/features/ledger/compose.ts";
import { taskAsOf, isoFromCn, type LedgerTaskInput } from "../../../server/features/ledger/as-of.ts";

const TZ = "Asia/Shanghai";

test("the report at several dates follows the history, not the current rows", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const s = await playStory(ta);
  const at = (day: string) => reportProgress(ta.db, s.actors.leader, s.reportId, day, TZ);
  // each problem's tasks, in words (tasks/status.ts): one name for the state everywhere
  const status = async (day: string) => (await at(day)).groups.flatMap((g) => g.entries.map((e) => e.tasks.map((t) => t.status.words).join("、") || "—"));
  const zero = { todo: 0, doing: 0, review: 0, done: 0, ongoing: 0, overdue: 0 };

  // 10-15: nothing signed off; T4 does not exist yet; T3 has no progress: 待整改, not 整改中
  const d1015 = await at("2026-10-15");
  assert.deepEqual(d1015.summary, { ...zero, total: 4, problems: 5, todo: 1, doing: 2, ongoing: 1, rate: 0 });
  assert.deepEqual(await status("2026-10-15"), ["整改中", "整改中", "待整改", "—", "长期坚持"]);
  const t2 = d1015.groups[0].entries[1].tasks[0];
  assert.equal(t2.deadline, "2026-11-30", "the extension approved on 10-13 applies by 10-15");
  assert.equal(t2.originalDeadline, "2026-10-15");
  assert.equal((await at("2026-10-12")).groups[0].entries[1].tasks[0].deadline, "2026-10-15", "not yet on 10-12");

  // 10-22: 待销号 (the sign-off came at 00:30 on 10-23, Shanghai time), not 整改中（已申请销号）
  const e1022 = (await at("2026-10-22")).groups[0].entries[0];
  assert.equal(e1022.tasks[0].state, "review");
  assert.equal(e1022.tasks[0].status.words, "待销号");
  // 10-23: 已销号 on that day
  const d1023 = await at("2026-10-23");
  assert.equal(d1023.groups[0].entries[0].tasks[0].status.words, "已销号");
  assert.equal(d1023.groups[0].entries[0].tasks[0].signedOffDay, "2026-10-23");
  assert.deepEqual(d1023.summary, { ...zero, total: 5, problems: 5, done: 1, doing: 1, todo: 2, ongoing: 1, rate: 0.2 });
  assert.equal(d1023.groups[0].entries[0].tasks[0].signedOffBy, "赵书记");

  // 11-10: reopened on 11-05, so past its deadline of 10-31 again; T3's deadline is today, not overdue yet
  const d1110 = await at("2026-11-10");
  assert.equal(d1110.groups[0].entries[0].tasks[0].state, "doing");
  assert.equal(d1110.groups[0].entries[0].tasks[0].signedOffDay, null);
  assert.deepEqual(await status("2026-11-10"), ["整改中（逾期10天）", "整改中", "待整改（今天到期）", "待整改", "长期坚持"]);
  assert.equal(d1110.summary.overdue, 1);
  // 11-11: T3 逾期1天
  assert.equal((await at("2026-11-11")).groups[1].entries[0].tasks[0].status.words, "待整改（逾期1天）");

  // 11-23: signed off again on 11-15 by 王书记; T3 逾期13天; T5 长期坚持 with its progress
  const now = await at("2026-11-23");
  assert.deepEqual(now.summary, { ...zero, total: 5, problems: 5, done: 1, doing: 1, todo: 2, ongoing: 1, overdue: 1, rate: 0.2 });
  assert.deepEqual(await status("2026-11-23"), ["已销号", "整改中", "待整改（逾期13天）", "待整改", "长期坚持"]);
  const text = blocksToText(now.blocks);
  assert.match(text, /共查摆问题5个，已销号1个，待销号0个，整改中1个，待整改2个，长期坚持1个，其中逾期1个；整改完成率20%（完成率＝已销号数÷任务总数；长期坚持事项计入总数，销号前不计为已完成）。/);
  assert.match(text, /完成情况：已销号，2026年11月15日经王书记验收销号。/);
  assert.match(text, /2026年11月8日，重新培训组织委员，11月支委会记录当场形成。（共填报进展2次）/);
  assert.match(text, /完成情况：长期坚持。/);
  assert.match(text, /整改时限：2026年11月30日（原定2026年10月15日，经批准延期）/);
  assert.match(text, /责任领导：赵书记；责任单位：第一党支部；配合单位：局办公室；责任人：李干事/);
  assert.doesNotMatch(text, /尚未填报|【/, "no system wording");
  // the date shows under the title
  assert.equal(now.blocks[1].type === "subtitle" && now.blocks[1].text, "（截至2026年11月23日）");
});

test("the other sections are kept as imported, in order, and the measures section is replaced", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const s = await playStory(ta);
  const doc = await reportProgress(ta.db, s.actors.admin, s.reportId, "2026-11-23", TZ);
  const h1 = doc.blocks.filter((b) => b.type === "heading1").map((b) => (b as { text: string }).text);
  assert.deepEqual(h1, ["一、主要做法及成效", "二、存在问题", "三、原因分析", "四、整改措施"]);
  const text = blocksToText(doc.blocks);
  assert.ok(text.startsWith("中共示范县文化和旅游局委员会2026年度基层党建工作自查报告\n（截至2026年11月23日）\n"), text.slice(0, 80));
  assert.equal(text.split("中共示范县文化和旅游局委员会2026年度基层党建工作自查报告").length, 2, "the title line of the text is not repeated");
  assert.match(text, /按照县委组织部《关于开展2026年度基层党建工作自查的通知》要求/);
  assert.match(text, /一是思想认识不到位/);
  // the original list of measures is gone; the live section stands in its place, after 三、原因分析
  assert.doesNotMatch(text, /（五）配齐配强执法大队党支部班子/);
  assert.ok(text.indexOf("三、原因分析") < text.indexOf("四、整改措施"));
  assert.ok(text.indexOf("四、整改措施") < text.indexOf("共查摆问题5个"));
  // groups in the report's order, problems numbered through
  const groups = doc.blocks.filter((b) => b.type === "heading2").map((b) => (b as { text: string }).text).filter((x) => doc.blocks.indexOf(doc.blocks.find((b) => b.type === "heading1" && b.text === "四、整改措施")!) < doc.blocks.findIndex((b) => b.type === "heading2" && b.text === x));
  assert.deepEqual(groups, ["（一）组织生活质量不高", "（二）党员教育管理不够严格", "（三）基层组织建设存在薄弱环节"]);
  const live = liveSectionText(doc);
  assert.ok(live.indexOf("1．部分支部") < live.indexOf("2．主题党日") && live.indexOf("2．主题党日") < live.indexOf("3．党费收缴") && live.indexOf("4．流动党员") < live.indexOf("5．文化市场"));
  assert.match(live, /整改措施：规范“三会一课”记录/);
});

test("pure pieces: a report without a measures section gets one; numerals; problem status; history replay of edits", () => {
  const c = composeReport(
    { id: 1, title: "某支部自查报告", fullText: "某支部自查报告\n一、基本情况\n略。\n二、存在问题\n问题甲。\n", sections: [{ heading: "一、基本情况", kind: "other", start: 8, end: 17 }, { heading: "二、存在问题", kind: "problems", start: 17, end: 29 }] },
    [{ id: 1, seq: 1, category: null, text: "问题甲", measures: null }],
    [],
    "2026-11-01",
    3,
  );
  const text = blocksToText(c.blocks);
  assert.match(text, /三、整改措施落实情况\n　　共查摆问题1个，细化为整改任务0项，已销号0项/);
  assert.match(text, /1．问题甲。\n　　落实情况：该问题尚未明确责任单位和整改时限，将尽快研究确定。/);
  assert.equal(cnNumeral(1), "一");
  assert.equal(cnNumeral(10), "十");
  assert.equal(cnNumeral(14), "十四");
  assert.equal(cnNumeral(20), "二十");
  assert.equal(cnNumeral(35), "三十五");
  assert.equal(summaryText({ total: 3, problems: 3, todo: 0, doing: 1, review: 0, done: 1, ongoing: 1, overdue: 0, rate: 1 / 3 }), "共查摆问题3个，已销号1个，待销号0个，整改中1个，待整改0个，长期坚持1个；整改完成率33.3%（完成率＝已销号数÷任务总数；长期坚持事项计入总数，销号前不计为已完成）。");
  assert.equal(isoFromCn("2026年1月5日"), "2026-01-05");
  assert.equal(isoFromCn("（空）"), null);

  // a leader's edit of the deadline (recorded in Chinese words) is replayed
  const input: LedgerTaskInput = {
    id: 9, problemId: null, title: "x", goal: "", measures: "", unitId: 1, unitName: "支部", coUnits: "", leaderName: null, ownerName: "甲",
    deadlineKind: "dated", deadline: "2026-12-31", linkedUnitId: null, attachments: [],
    events: [
      { kind: "created", at: "2026-10-01T02:00:00Z", fromState: null, toState: "todo", text: "", data: JSON.stringify({ deadline: "2026-10-20", kind: "dated" }), actorName: "乙" },
      { kind: "edited", at: "2026-10-10T02:00:00Z", fromState: null, toState: null, text: "调整", data: JSON.stringify({ changes: [{ field: "deadline", label: "整改时限", from: "2026年10月20日", to: "2026年12月31日" }] }), actorName: "乙" },
    ],
  };
  assert.equal(taskAsOf(input, "2026-09-30", TZ), null, "not yet created");
  assert.equal(taskAsOf(input, "2026-10-09", TZ)!.deadline, "2026-10-20");
  const after = taskAsOf(input, "2026-11-01", TZ)!;
  assert.equal(after.deadline, "2026-12-31");
  assert.equal(after.extended, true);
  assert.equal(after.overdueDays, 0);
  assert.equal(taskAsOf(input, "2026-10-09", TZ)!.overdueDays, 0);
});
