// One test per entry of the narrative word lists (server/features/reports/extract/words.ts): each
// entry decides a case that fails without it (a control beside it shows the rule needs the word).
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  ADVICE_LEAD, ADVICE_VERBS, ADVICE_WORDS, FAULT_ANNOUNCE, FAULT_NOUNS, FAULT_VERBS, FURTHER_WORDS, PART_SUBJECTS, PLEDGE, PLEDGE_VERBS, SITE_NOISE,
} from "../../../../server/features/reports/extract/words.ts";
import { isPledge, splitPartSubjects, splitSemicolons, type Range } from "../../../../server/features/reports/extract/items.ts";

const cut = (v: string, rs: Range[]) => rs.map((r) => fold(v).slice(r[0], r[1]));
/** The text as the parser reads it: full-width punctuation folded to half-width (see view.ts). */
const fold = (s: string) => s.replace(/[\uff01-\uff5e]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0)).replace(/\u3000/g, " ");
const match = (s: string, re: RegExp) => assert.match(fold(s), re);
const noMatch = (s: string, re: RegExp) => assert.doesNotMatch(fold(s), re);

for (const n of FAULT_NOUNS) {
  test(`fault noun ${n}: "查摆了…${n}：" announces problems`, () => {
    match(`会上，查摆了班子存在的${n}：`, FAULT_ANNOUNCE);
    match(`对班子存在的${n}作了深入剖析。一是`, FAULT_ANNOUNCE);
  });
}
test("control: without a fault noun nothing is announced", () => {
  noMatch("会上，查摆了班子的情况：", FAULT_ANNOUNCE);
  noMatch("对班子的情况作了说明。一是", FAULT_ANNOUNCE);
});

for (const verb of FAULT_VERBS) {
  test(`fault verb ${verb}: "${verb}…问题：" announces problems`, () => {
    match(`会上${verb}支部的问题：`, FAULT_ANNOUNCE);
  });
}
test("control: a fault noun after a verb that finds nothing, and no colon right after it", () => {
  noMatch("会上研究了支部的问题，并作出安排", FAULT_ANNOUNCE);
});

for (const w of ADVICE_WORDS) {
  test(`advice word ${w}: "查摆出的问题，…${w}…：" opens no problems`, () => {
    noMatch(`针对查摆出的问题，支部${w}如下：`, FAULT_ANNOUNCE);
  });
}
test("control: the same sentence without an advice word announces problems", () => {
  match("针对查摆出的问题，支部情况如下：", FAULT_ANNOUNCE);
});

for (const verb of ADVICE_VERBS) {
  test(`advice verb ${verb}: "会议${verb}…：" opens measures`, () => {
    match(`会议${verb}以下几点：`, ADVICE_LEAD);
  });
}
test("control: a colon sentence without an advice verb opens no measures; 对照上级要求 is no 要求", () => {
  noMatch("会议听取了以下几点：", ADVICE_LEAD);
  noMatch("但对照上级要求，仍有差距：", ADVICE_LEAD);
  match("巡察组提出整改意见建议。", ADVICE_LEAD);
});

for (const q of PART_SUBJECTS) {
  test(`part subject ${q}: "…不完整，${q}党员笔记空泛" is two faults`, () => {
    const v = `会议记录不完整，${q}党员学习笔记内容空泛`;
    assert.deepEqual(cut(v, splitPartSubjects(fold(v), [0, v.length])), ["会议记录不完整", `${q}党员学习笔记内容空泛`]);
  });
}
test("control: a comma before a fault without a subject of its own keeps one fault", () => {
  const v = "会议记录不完整，党员学习笔记内容空泛";
  assert.deepEqual(cut(v, splitPartSubjects(fold(v), [0, v.length])), [fold(v)]);
  const w = "会议记录比较完整，部分党员学习笔记内容空泛";
  assert.deepEqual(cut(w, splitPartSubjects(fold(w), [0, w.length])), [fold(w)], "the first clause finds no fault");
});

for (const f of FURTHER_WORDS) {
  test(`further word ${f}: "。${f}，…不规范。" is a fault of its own`, () => {
    const v = `三会一课记录不完整；发展党员工作滞后。${f}，党建经费使用不规范。`;
    assert.equal(splitSemicolons(fold(v), [0, v.length], "P").length, 3);
  });
}
test("control: a sentence after a full stop that opens with no such word stays in its item", () => {
  const v = "三会一课记录不完整；发展党员工作滞后。会议认为，党建经费使用不规范。";
  assert.equal(splitSemicolons(fold(v), [0, v.length], "P").length, 2);
});

for (const verb of PLEDGE_VERBS) {
  test(`pledge verb ${verb}: "书记${verb}，将坚决…" is no measure`, () => {
    match(`局党组书记${verb}，将坚决扛起整改责任、切实做到立行立改。`, PLEDGE);
    assert.equal(isPledge(fold(`局党组书记${verb}，将坚决扛起整改责任、切实做到立行立改，确保件件有着落。`)), true);
  });
}
test("control: a speaker's list of measures (要…；要…) is no pledge", () => {
  assert.equal(isPledge(fold("局党组书记表示，要建立台账；要每月通报。")), false);
  assert.equal(isPledge(fold("建立整改台账，每月通报进展，年底前全部完成整改工作。")), false);
});

const NOISE_LINES = [
  "当前位置：首页 > 新闻中心 > 部门动态",
  "发布时间:2025-08-02　来源:区委巡察办",
  "【打印本页】【关闭窗口】",
  "(责任编辑:张某)",
  "主办单位:某县人民政府办公室　网站标识码:5100000000",
  "本文档由用户上传，仅供参考，下载后请在24小时内删除。",
];
SITE_NOISE.forEach((re, i) => {
  test(`site noise ${i + 1}: "${NOISE_LINES[i]}" is a line of the page, not of the report`, () => {
    // the lines as the parser reads them: full-width punctuation folded to half-width
    match(NOISE_LINES[i], re);
  });
});
test("control: report lines are no site noise", () => {
  for (const line of ["一、存在的问题", "来源于群众的意见建议46条，均已办理。", "会议要求:要建立台账;要每月通报。", "编辑整理党员档案不及时。"]) {
    assert.ok(!SITE_NOISE.some((re) => re.test(fold(line))), line);
  }
});
