// The import draft, pure: matching measures, naming units, and every edit of the review list.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { extractReport } from "../../../server/features/reports/extract/index.ts";
import { addItem, addMeasure, bulkAssign, defaultDeadlines, DraftError, highlightRuns, initialItems, matchMeasures, mergeWithNext, moveItem, namedUnit, patchItem, pendingChoice, removeItem, splitAt, type DraftItem, type UnitRef } from "../../../server/features/reports/draft.ts";

const at = (text: string, part: string) => {
  const start = text.indexOf(part);
  assert.ok(start >= 0, part);
  return { category: null, text: part, start, end: start + part.length };
};

test("a measure goes to the problem whose wording it clearly shares; an unclear one to none", () => {
  const src = "问题：党费收缴不按月足额交纳。流动党员底数不清。会议记录事后补写。措施：建立党费收缴台账，每月公示。建立流动党员联系卡。加强学习。开展培训。";
  const problems = [at(src, "党费收缴不按月足额交纳"), at(src, "流动党员底数不清"), at(src, "会议记录事后补写")];
  const measures = [at(src, "建立党费收缴台账，每月公示"), at(src, "建立流动党员联系卡"), at(src, "加强学习"), at(src, "开展培训")];
  assert.deepEqual(matchMeasures(problems, measures), ["建立党费收缴台账，每月公示", "建立流动党员联系卡", ""]);
});

test("measures paired with each problem in the text go to the problem before them", () => {
  const src = "1.学习不深入。整改措施：制定学习计划。2.党费收缴不规范。整改措施：重新核定党费基数。";
  const problems = [at(src, "学习不深入"), at(src, "党费收缴不规范")];
  const measures = [at(src, "制定学习计划"), at(src, "重新核定党费基数")];
  assert.deepEqual(matchMeasures(problems, measures), ["制定学习计划", "重新核定党费基数"]);
});

test("as many measures as problems, matched in order where clear, fill the rest in the same order", () => {
  const src = "支委会召开不经常；党课质量不高；会议记录不规范。措施：严格落实支委会每月召开制度；邀请专家授课；统一配发会议记录本。";
  const problems = [at(src, "支委会召开不经常"), at(src, "党课质量不高"), at(src, "会议记录不规范")];
  const measures = [at(src, "严格落实支委会每月召开制度"), at(src, "邀请专家授课"), at(src, "统一配发会议记录本")];
  assert.deepEqual(matchMeasures(problems, measures), ["严格落实支委会每月召开制度", "邀请专家授课", "统一配发会议记录本"]);
  // but not when a clear match contradicts the order
  const crossed = [measures[2], measures[1], measures[0]];
  const out = matchMeasures(problems, crossed);
  assert.equal(out[0], "严格落实支委会每月召开制度");
  assert.equal(out[2], "统一配发会议记录本");
  assert.equal(out[1], "", "the unclear one stays empty when the order is not the report's");
});

test("a plan after the problems (第四季度工作计划: 一是…二是…) answers them in order, though no words are shared", () => {
  const src = "XX社区党支部第三季度工作总结\n\n二、存在的问题\n一是党员学习教育针对性不强。二是活动阵地建设滞后。\n\n第四季度工作计划\n一是围绕中心工作确定专题，每月研讨一次。二是年底前完成活动室改造。";
  const ex = extractReport(src);
  assert.equal(ex.problems.length, 2);
  assert.equal(ex.measures.length, 2);
  assert.deepEqual(matchMeasures(ex.problems, ex.measures), [ex.measures[0].text, ex.measures[1].text]);
  const items = initialItems(ex, [], { unitId: 1, leaderId: null, deadline: "2026-12-31" });
  assert.match(items[0].measures, /围绕中心工作确定专题/);
  assert.match(items[1].measures, /完成活动室改造/);
  // under 下一步工作计划 with more plan points than problems, the order says nothing: only clear wording decides
  const more = extractReport(src.replace("第四季度工作计划", "下一步工作计划") + "三是按时收缴党费。");
  assert.equal(more.measures.length, 3);
  assert.deepEqual(matchMeasures(more.problems, more.measures), ["", more.measures[1].text]);
});

const UNITS: UnitRef[] = [
  { id: 1, name: "中共示范县文化和旅游局委员会", rating: null, ratingYear: null, secretaryId: null, overseerId: null },
  { id: 2, name: "网吧协会党支部", rating: "backward", ratingYear: 2025, secretaryId: 20, overseerId: 30 },
  { id: 3, name: "网吧协会党支部第一党小组", rating: null, ratingYear: null, secretaryId: null, overseerId: null },
  { id: 4, name: "局机关党支部", rating: "average", ratingYear: 2025, secretaryId: 40, overseerId: null },
];

test("a unit named in a problem is found, the longest name winning; 中共 and 委员会 may be left out", () => {
  assert.equal(namedUnit("网吧协会党支部第一党小组学习不经常", UNITS)?.id, 3);
  assert.equal(namedUnit("网吧协会党支部被评定为后进党支部", UNITS)?.id, 2);
  assert.equal(namedUnit("示范县文化和旅游局党委研究党建工作不够", UNITS)?.id, 1);
  assert.equal(namedUnit("部分支部三会一课记录不规范", UNITS), null);
});

test("the first draft proposes the named unit, its secretary and overseer, and links a 后进 branch's rating", () => {
  const text = "二、存在问题\n1.网吧协会党支部在分类定级中被评定为后进党支部，班子不齐。\n2.局机关党支部会议记录不规范。\n3.党费收缴不及时。\n三、整改措施\n1.整顿转化网吧协会党支部，配齐班子。\n";
  const ex = extractReport(text);
  assert.equal(ex.problems.length, 3);
  const items = initialItems(ex, UNITS, { unitId: 1, leaderId: 99, deadline: "2026-12-31" });
  assert.deepEqual(
    items.map((x) => [x.unitId, x.unitProposed, x.ownerId, x.leaderId, x.linkedUnitId]),
    [
      [2, true, 20, 30, 2],
      [4, true, 40, 99, null],
      [1, false, null, 99, null],
    ],
  );
  assert.equal(items[0].measures, "整顿转化网吧协会党支部，配齐班子。");
  assert.ok(items.every((x) => x.deadlineKind === "dated" && x.deadline === "2026-12-31"));
  for (const x of items) assert.equal(text.slice(x.start!, x.end!).replace(/\s/g, ""), x.text.replace(/\s/g, ""));
});

const item = (key: string, text: string, more: Partial<DraftItem> = {}): DraftItem => ({ key, category: null, text, start: null, end: null, unitId: 1, unitProposed: false, leaderId: null, ownerId: null, deadlineKind: "dated", deadline: "", measures: "", linkedUnitId: null, ...more });
const keysOf = (xs: DraftItem[]) => xs.map((x) => x.key);

test("edit: text stays non-empty; changing the unit drops the 'proposed' mark", () => {
  const xs = [item("p1", "甲", { unitProposed: true })];
  assert.throws(() => patchItem(xs, "p1", { text: "  " }), DraftError);
  assert.throws(() => patchItem(xs, "p1", { deadline: "2026-13-40" }), /不是有效日期/);
  assert.throws(() => patchItem(xs, "p9", { text: "乙" }), (e: DraftError) => e.kind === "stale");
  const next = patchItem(xs, "p1", { text: " 乙 ", unitId: 2, category: "" });
  assert.deepEqual([next[0].text, next[0].unitId, next[0].unitProposed, next[0].category], ["乙", 2, false, null]);
  assert.equal(xs[0].text, "甲", "the input is not mutated");
});

test("merge joins a problem with the next one, its range and measures; the last has nothing to merge with", () => {
  const xs = [item("p1", "会议记录不规范", { start: 10, end: 17, measures: "统一记录本" }), item("p2", "存在事后补记。", { start: 18, end: 25, measures: "交叉检查" }), item("p3", "丙")];
  const m = mergeWithNext(xs, "p1");
  assert.deepEqual(keysOf(m), ["p1", "p3"]);
  assert.equal(m[0].text, "会议记录不规范；存在事后补记。");
  assert.deepEqual([m[0].start, m[0].end, m[0].measures], [10, 25, "统一记录本\n交叉检查"]);
  assert.throws(() => mergeWithNext(xs, "p3"), /最后一条/);
});

test("split at the cursor makes two problems with new keys, the source range cut where the text is", () => {
  const xs = [item("p1", "会议记录不规范，存在事后补记的情况。", { start: 100, end: 118, measures: "统一记录本" })];
  const s = splitAt(xs, "p1", 8);
  assert.deepEqual(s.map((x) => x.text), ["会议记录不规范", "存在事后补记的情况。"]);
  assert.deepEqual(keysOf(s), ["p1", "p2"]);
  assert.deepEqual([s[0].start, s[0].end, s[1].start, s[1].end], [100, 108, 108, 118]);
  assert.equal(s[1].measures, "");
  assert.throws(() => splitAt(xs, "p1", 0), /点击要拆分的位置/);
  assert.throws(() => splitAt(xs, "p1", 18), /点击要拆分的位置/);
  assert.throws(() => splitAt([item("p1", "，甲乙")], "p1", 1), /都要有文字/);
});

test("delete, move and add keep every other problem as it was", () => {
  const xs = [item("p1", "甲"), item("p2", "乙"), item("p3", "丙")];
  assert.deepEqual(keysOf(removeItem(xs, "p2")), ["p1", "p3"]);
  assert.deepEqual(keysOf(moveItem(xs, "p3", "up")), ["p1", "p3", "p2"]);
  assert.deepEqual(keysOf(moveItem(xs, "p1", "up")), ["p1", "p2", "p3"]);
  const added = addItem(removeItem(xs, "p2"), { text: "丁", category: "组织建设" }, { unitId: 7, leaderId: 8, deadline: "2026-12-31" });
  assert.deepEqual(keysOf(added), ["p1", "p3", "p4"]);
  assert.deepEqual([added[2].text, added[2].category, added[2].unitId, added[2].leaderId, added[2].start], ["丁", "组织建设", 7, 8, null]);
  assert.throws(() => addItem(xs, { text: " " }, { unitId: 7, leaderId: null, deadline: "" }), /请填写/);
});

test("a deadline filled in from the period's end stays marked as the default until it is changed; confirming sees the assigned ones only", () => {
  const ex = { problems: [{ category: null, text: "甲", start: 0, end: 1 }, { category: null, text: "乙", start: 2, end: 3 }], measures: [] };
  const xs = initialItems(ex as never, [], { unitId: 1, leaderId: null, deadline: "2026-12-31" });
  assert.deepEqual(xs.map((x) => x.deadlineDefault), [true, true]);
  assert.deepEqual(initialItems(ex as never, [], { unitId: 1, leaderId: null, deadline: "" }).map((x) => x.deadlineDefault), [false, false], "no period's end, no default");
  assert.equal(addItem(xs, { text: "丙" }, { unitId: 1, leaderId: null, deadline: "2026-12-31" })[2].deadlineDefault, true);
  // the autosave posts every field: the same date again keeps the mark, another date clears it
  const same = patchItem(xs, "p1", { deadline: "2026-12-31", ownerId: 5 });
  assert.equal(same[0].deadlineDefault, true);
  assert.deepEqual(defaultDeadlines(same).map((x) => x.key), ["p1"], "only problems that will become tasks");
  const set = patchItem(same, "p1", { deadline: "2026-12-20" });
  assert.equal(set[0].deadlineDefault, false);
  assert.deepEqual(defaultDeadlines(set), []);
  assert.deepEqual(defaultDeadlines(patchItem(same, "p1", { deadlineKind: "ongoing" })), [], "长期坚持 has no deadline to confirm");
  assert.deepEqual(pendingChoice(xs[1]), { unitId: 1, leaderId: null, deadlineKind: "dated", deadline: "2026-12-31", deadlineDefault: true, linkedUnitId: null });
});

test("a measure of the report is added to a problem's measures once", () => {
  const xs = [item("p1", "甲", { measures: "已有措施" }), item("p2", "乙")];
  const a = addMeasure(xs, "p1", " 建立台账 ");
  assert.equal(a[0].measures, "已有措施\n建立台账");
  assert.equal(addMeasure(a, "p1", "建立台账"), a, "not twice");
  assert.equal(addMeasure(xs, "p2", "建立台账")[1].measures, "建立台账");
  assert.throws(() => addMeasure(xs, "p1", ""), /请先选择/);
  assert.throws(() => addMeasure(xs, "p9", "x"), (e: DraftError) => e.kind === "stale");
  assert.equal(xs[0].measures, "已有措施", "the input is not mutated");
});

test("bulk sets only the given fields on the selected problems", () => {
  const xs = [item("p1", "甲", { ownerId: 5 }), item("p2", "乙"), item("p3", "丙")];
  const b = bulkAssign(xs, ["p1", "p3"], { unitId: 9, deadline: "2026-12-31" });
  assert.deepEqual(b.map((x) => [x.unitId, x.deadline, x.ownerId]), [
    [9, "2026-12-31", 5],
    [1, "", null],
    [9, "2026-12-31", null],
  ]);
  assert.throws(() => bulkAssign(xs, [], { unitId: 9 }), /勾选/);
  assert.throws(() => bulkAssign(xs, ["p1"], {}), /至少填写一项/);
  assert.throws(() => bulkAssign(xs, ["p1", "p7"], { unitId: 9 }), (e: DraftError) => e.kind === "stale");
});

test("a report stored with copy markers shows none of them, and its highlights stay on their text", () => {
  const text = "##paidbegin##\n存在问题：党费收缴不及时。##paidend##\n措施：建立台账。";
  const p = text.indexOf("党费收缴不及时。"), m = text.indexOf("建立台账。");
  const runs = highlightRuns(text, [{ key: "p1", start: p, end: p + 8 }, { key: "m1", start: m, end: m + 5 }]);
  assert.doesNotMatch(runs.map((r) => r.text).join(""), /#/);
  assert.deepEqual(runs.filter((r) => r.key).map((r) => [r.key, r.text]), [["p1", "党费收缴不及时。"], ["m1", "建立台账。"]]);
  assert.equal(runs.map((r) => r.text).join(""), "\n存在问题：党费收缴不及时。\n措施：建立台账。");
});

test("highlight runs cover the text exactly once, in order, whatever the ranges", () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 80 }), fc.array(fc.tuple(fc.integer({ min: -5, max: 90 }), fc.integer({ min: -5, max: 90 })), { maxLength: 6 }), (raw, pairs) => {
      const text = raw.replace(/#/g, ""); // (copy markers are left out of what is shown: the test above)
      const runs = highlightRuns(
        text,
        pairs.map(([a, b], i) => ({ key: `p${i}`, start: a, end: b })),
      );
      assert.equal(runs.map((r) => r.text).join(""), text);
      for (const r of runs) if (r.key) assert.ok(r.text.length > 0);
    }),
  );
});

test("any sequence of edits keeps keys unique and never loses a problem's text silently", () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.constantFrom("merge", "split", "delete", "up", "down", "add"), fc.nat(10), fc.nat(20)), { maxLength: 25 }), (ops) => {
      let xs = [item("p1", "第一个问题的文字，比较长"), item("p2", "第二个问题"), item("p3", "第三个问题，也有逗号")];
      for (const [op, i, n] of ops) {
        const key = xs.length ? xs[i % xs.length].key : "p1";
        const before = xs.length;
        try {
          if (op === "merge") xs = mergeWithNext(xs, key);
          else if (op === "split") xs = splitAt(xs, key, n);
          else if (op === "delete") xs = removeItem(xs, key);
          else if (op === "add") xs = addItem(xs, { text: `新问题${n}` }, { unitId: 1, leaderId: null, deadline: "" });
          else xs = moveItem(xs, key, op as "up" | "down");
        } catch (e) {
          assert.ok(e instanceof DraftError, String(e));
          assert.equal(xs.length, before);
        }
        assert.equal(new Set(keysOf(xs)).size, xs.length, "keys stay unique");
        assert.ok(xs.every((x) => x.text.trim().length > 0), "no empty problem");
      }
    }),
  );
});
