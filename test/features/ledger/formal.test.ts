// The 整改情况报告's pure pieces: its title from the self-check report's, set in lines that read
// naturally; the 主送机关 the report itself names; a leader's title and 主送机关 checked; the one
// name of a task's state and how 完成率 counts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { addresseeFromText, charWidth, defaultDocTitle, ledgerTitleFor, periodAndSubject, shortName, titleLines, TITLE_CHARS } from "../../../server/features/ledger/formal.ts";
import { cleanDocumentSettings } from "../../../server/features/ledger/service.ts";
import { ratePercent, tally, taskStatus } from "../../../server/features/tasks/status.ts";

test("titles: 关于{period}{subject}整改情况的报告, broken only between words, upper lines no shorter", () => {
  const unit = "中共示范县文化和旅游局委员会";
  assert.deepEqual(periodAndSubject(`${unit}2026年度基层党建工作自查报告`, unit), { period: "2026年度", subject: "基层党建工作自查" });
  assert.equal(defaultDocTitle(`${unit}2026年度基层党建工作自查报告`, unit), "关于2026年度基层党建工作自查问题整改情况的报告");
  assert.equal(defaultDocTitle("某某党支部2025年上半年组织生活会对照检查材料", "某某党支部"), "关于2025年上半年组织生活会对照检查问题整改情况的报告");
  assert.equal(ledgerTitleFor(`${unit}2026年度基层党建工作自查报告`, unit), `${unit}2026年度基层党建工作自查问题整改台账`);
  assert.equal(ledgerTitleFor("2026年度基层党建工作自查报告", "第一党支部"), "第一党支部2026年度基层党建工作自查问题整改台账");

  assert.deepEqual(titleLines("关于2026年度基层党建工作自查问题整改情况的报告"), ["关于2026年度基层党建工作", "自查问题整改情况的报告"]);
  assert.deepEqual(titleLines("关于整改情况的报告"), ["关于整改情况的报告"], "a short title on one line");
  assert.deepEqual(titleLines("关于2026年度基层\n党建工作自查问题整改情况的报告"), ["关于2026年度基层", "党建工作自查问题整改情况的报告"], "a leader's break is kept");
  const words = ["基层", "党建", "工作", "自查", "问题", "整改", "情况", "报告", "巡察", "反馈", "意见", "专项治理", "2026"];
  for (const title of [
    "关于2026年度基层党建工作自查问题整改情况的报告",
    "关于县委第三巡察组反馈意见集中整改情况的报告",
    "关于2025年度党支部书记抓基层党建工作述职评议反馈问题整改情况的报告",
    "关于落实全面从严治党主体责任专项治理整改情况的报告",
  ]) {
    const lines = titleLines(title);
    assert.equal(lines.join(""), title);
    for (const l of lines) assert.ok(charWidth(l) <= TITLE_CHARS, `${l} fits a line`);
    for (let i = 1; i < lines.length; i++) {
      const seam = lines[i - 1] + "|" + lines[i];
      for (const w of words) for (let k = 1; k < w.length; k++) assert.ok(!seam.includes(w.slice(0, k) + "|" + w.slice(k)), `${seam} splits ${w}`);
      assert.ok(charWidth(lines[i - 1]) >= charWidth(lines[i]) - 2, `${seam}: 上长下短 or about even`);
    }
  }

  assert.equal(addresseeFromText("按照县委组织部《关于开展2026年度基层党建工作自查的通知》要求，局党委……"), "县委组织部");
  assert.equal(addresseeFromText("根据工作安排，我支部开展了自查。"), null);
  assert.equal(shortName("党费收缴存在不按月足额交纳的情况，个别党员连续3个月未交纳党费"), "党费收缴存在不按月足额交纳的情况");
});

test("a leader's title and 主送机关: cleaned, and refused with a Chinese reason", () => {
  assert.deepEqual(cleanDocumentSettings({ title: " 关于A\r\n\r\n整改情况的报告 ", addressee: "县委组织部：" }), { title: "关于A\n整改情况的报告", addressee: "县委组织部" });
  assert.deepEqual(cleanDocumentSettings({ title: "", addressee: "" }), { title: null, addressee: null });
  assert.throws(() => cleanDocumentSettings({ title: "一\n二\n三\n四" }), /标题最多分三行/);
  assert.throws(() => cleanDocumentSettings({ title: "关于二〇二六年度机关基层党建工作自查发现问题\n整改情况的报告" }), /每行不超过20个字/);
  assert.throws(() => cleanDocumentSettings({ addressee: "县".repeat(41) }), /主送机关过长/);
  assert.throws(() => cleanDocumentSettings({ addressee: "<b>组织部</b>" }), /尖括号/);
});

test("one name for a task's state, and 完成率 counted one way", () => {
  const today = "2026-11-23";
  const st = (state: "todo" | "doing" | "review" | "done", deadline: string | null, deadlineKind: "dated" | "ongoing" | "immediate" = "dated") => taskStatus({ state, deadline, deadlineKind }, today, 3);
  assert.equal(st("todo", "2026-11-10").words, "待整改（逾期13天）");
  assert.equal(st("doing", "2026-11-25").words, "整改中（2天内到期）");
  assert.equal(st("doing", "2026-11-23", "immediate").words, "整改中（今天到期）");
  assert.equal(st("review", "2026-12-31").words, "待销号");
  assert.equal(st("review", "2026-11-01").words, "待销号（逾期22天）");
  assert.equal(st("done", "2026-11-01").words, "已销号");
  assert.equal(st("doing", null, "ongoing").words, "长期坚持");
  assert.equal(st("review", null, "ongoing").words, "长期坚持（待销号）");
  const t = tally([st("todo", "2026-11-10"), st("doing", "2026-12-01"), st("review", "2026-12-31"), st("done", "2026-11-01"), st("doing", null, "ongoing")]);
  assert.deepEqual(t, { total: 5, todo: 1, doing: 1, review: 1, done: 1, ongoing: 1, overdue: 1, rate: 0.2 });
  assert.equal(ratePercent(t.rate), "20%");
  assert.equal(ratePercent(2 / 3), "66.7%");
  assert.equal(tally([]).rate, 0);
});
