// What a heading, a label or a lead-in sentence says about the text that follows it.
// All patterns run on the folded view (simplified script, half-width punctuation).

/** P problems, C causes, M measures, O other. */
export type Kind = "P" | "C" | "M" | "O";

const P_WORDS = /问题|不足|差距|短板|弱项|薄弱|缺点|毛病/;
const P_HEADING =
  /(存在|主要|突出|发现|反馈|查摆|查找|检视|梳理|自查|检查|巡察|暴露|面临|共性|个性)[^,。;]{0,8}(问题|不足|差距|短板|弱项|薄弱环节)|问题(和|与|及|、)?(不足|差距|短板|清单|表现|整改)|不足之处|(问题|不足|差距|短板|弱项|薄弱环节)[)]?$|^(问题|不足|差距)|(主要|突出|具体)表现(为|在)?$|表现(和|及|与)(问题|不足)|^(自查|对照)?(查摆|检视)(出的?|发现的?)?(情况|结果|内容)$|(需要|有待|亟待|亟需)(改进|加强|提高|提升|解决)的(地方|方面|问题)$/;
const C_HEADING = /原因|根源|根子/;
const M_HEADING =
  /措施|对策|下一步|下步|今后|下一?阶段(工作)?(打算|计划|安排|重点|思路)|(工作|整改|改进|努力|提升)(计划|打算|思路|重点|方向|建议|要求|举措)|意见建议|(建议|打算|计划|要求|举措|努力方向|改进方向)$|整改(要求|情况|方向|举措|意见|落实|任务|方案|清单|进展)|(措施|任务)清单|^(整改|改进)$/;
const WEAK_M = /保障措施|组织保障|^工作要求|组织领导|工作机制/;
const O_HEADING = /(开展|落实|基本|总体|工作|自查|检查|完成)情况$|做法|成效|成绩|基本情况|指导思想|总体要求|目标任务|整改目标|工作目标|背景|概况|进展/;

const PAST_HEADING = /^(上年度|上一年度|上年|去年|上次|前次|上一次|上轮|上一轮|前期|以往)[^,。;]{0,16}(整改|措施|问题)[^,。;]{0,8}((落实|完成|整改)?情况|进展|进度|回头看)$/;
/** "2023年度查摆问题整改情况" in a 2024 report: a year before the report's own */
const YEAR_HEADING = /^(?:关于)?(\d{4}|[〇○零一二三四五六七八九]{4})年(?:度)?[^,。;]{0,20}(?:整改|措施|问题)/;

/** "2023" or "二〇二三" → 2023. */
function yearValue(s: string): number {
  return Number(s.replace(/[〇○零一二三四五六七八九]/g, (c) => String("〇一二三四五六七八九".indexOf(c === "○" || c === "零" ? "〇" : c))));
}

/** Whether a heading is about an earlier year than the report's. */
function pastYear(t: string, year: number | undefined): boolean {
  if (!year) return false;
  const m = YEAR_HEADING.exec(t);
  return !!m && yearValue(m[1]) < year && /情况$|(落实|完成|整改)$|回头看/.test(t);
}

/**
 * The year a report is about: the year its title names ("2024年度党建工作自查报告"), else the
 * year of its date line (the last full date), else none.
 */
export function reportYear(v: string): number | undefined {
  const lines = v.slice(0, 300).split("\n").map((l) => l.trim()).filter(Boolean).slice(0, 3);
  // the title lines: before the first numbered heading
  const first = lines.findIndex((l) => /^(?:[一二三四五六七八九十]+[ ]?[、.]|\(|\d{1,2}[ .、)])/.test(l));
  const head = (first < 0 ? lines : lines.slice(0, first)).join("\n");
  const t = /(\d{4}|[〇○零一二三四五六七八九]{4})年/.exec(head);
  if (t) return yearValue(t[1]);
  const dates = [...v.matchAll(/(\d{4}|[〇○零一二三四五六七八九]{4})年(?:\d{1,2}|[一二三四五六七八九十]{1,2})月/g)];
  return dates.length ? yearValue(dates[dates.length - 1][1]) : undefined;
}
const CHECK_HEADING = /^(个人|班子|领导班子)?(对照检查|对照检视|检视剖析|对照剖析|查摆剖析|检视查摆|对照查摆|自我检视|自我剖析|个人检视)(情况|出的(主要)?问题|的(主要)?问题)?((及|和|与)(产生的)?(原因|根源)(分析|剖析)?)?$/;

export type HeadingKind = { kind: Kind; weak?: boolean; combined?: boolean } | null;

/** The kind a section heading announces (or null when it says nothing). */
export function headingKind(title: string, year?: number): HeadingKind {
  const t = title.replace(/[\s*X]+/g, "");
  if (!t) return null;
  // "上年度民主生活会整改措施落实情况": what was done about last year's problems, not this report's
  if (PAST_HEADING.test(t) || pastYear(t, year)) return { kind: "O" };
  // "对照检查情况", "检视剖析", "个人对照检查": a 对照检查材料's problems section
  if (CHECK_HEADING.test(t)) return { kind: "P", combined: C_HEADING.test(t) };
  const p = P_HEADING.test(t);
  const c = C_HEADING.test(t);
  const m = M_HEADING.test(t) && !/问题整改$|方面$/.test(t);
  // "针对学习不深入的问题": a heading that points at a problem to answer it
  if (/^(针对|就|对于)/.test(t)) return m ? { kind: "M", weak: WEAK_M.test(t) } : null;
  if (p) {
    // "问题及原因", "问题及下一步计划", "问题清单及整改措施": problems first, the rest follows;
    // but "产生问题的原因" announces causes.
    if (c && /^(产生|存在|出现)?(上述|以上|这些)?问题(产生|存在)?的(主要|根本)?(原因|根源)/.test(t)) return { kind: "C" };
    return { kind: "P", combined: c || m };
  }
  if (c) return { kind: "C", combined: m };
  if (m) {
    if (O_HEADING.test(t) && !/整改(落实)?情况|下一步|措施|计划|打算|建议/.test(t)) return null;
    return { kind: "M", weak: WEAK_M.test(t) };
  }
  return null;
}

/**
 * The kind a short label before a colon announces: "存在问题：", "主要问题是：", "问题清单：",
 * "原因分析：", "整改措施：", "下一步打算：", "会议要求：", "责任人：", "整改时限：".
 */
export function labelKind(label: string, year?: number): Kind | null {
  const t = label.replace(/[\s*X]+/g, "");
  if (!t || t.length > 18) return null;
  if (PAST_HEADING.test(t) || pastYear(t, year)) return "O";
  // "整改情况：" "整改进展：" under a problem: what is (being) done about it
  if (/整改(措施|情况|举措|落实|方向|要求|进展|进度)|^(主要)?措施$/.test(t)) return "M";
  // "对局属各单位：要…": an addressee of the measures that follow, no label of its own
  if (/^对(?!照|标|表|于)[^:]{2,16}(?:单位|党组|党委|支部|部门|班子|组织)$/.test(t)) return null;
  if (/责任|时限|期限|时间|目标|标准|牵头|配合|领导|单位|来源|类别|序号|完成|进展|成效|整改结果/.test(t)) return "O";
  if (/措施|对策|下一步|下步|打算|计划|建议|要求|举措|整改方向|改进|(工作|努力)(思路|设想|方向|重点)$/.test(t)) return "M";
  if (/原因|根源/.test(t)) return "C";
  // "自查发现：" "巡察发现：" "经查：" "巡视组反馈指出："
  if (/(?:自查|检查|巡察|巡视|督导|督查|排查|调研|审计|对照)发现$|^经查$|(?:反馈|巡察|巡视|检查|督导|督查|审计)[^:]{0,4}指出$/.test(t)) return "P";
  if (P_WORDS.test(t) || /表现$|^现状$/.test(t)) return "P";
  return null;
}

/** A lead-in sentence that opens measures: 下一步，… 今后，… 针对上述问题，… */
export const M_LEAD = /^(?:下一步|下步|下阶段|今后|接下来|今后一个时期|在今后的?工作中|针对(?:上述|以上|存在的|这些|查摆出的|发现的)[^,。;]{0,10}问题)[^。;]{0,40}?(?:[,:]|将|要)|^(?:我们|我支部|支部|党支部|党委|党组|我局|我部|我单位)?(?:将|要)(?:从以下|采取以下|重点从|着力从|从)[^。;]{0,12}(?:方面|几点|措施)|^(?:(?:\d{4}|明|来|新的一|新一|下一)年度?|下半年|今后一年)[,]?[^。;:]{0,16}?(?:将|要|拟|计划|打算)[^。;:]{0,16}?(?:以下|如下|下列|几个方面|几点)[^。;:]{0,10}:|^(?:(?:为此|对此|因此|同时)[,]?)?[^。;:,]{0,12}(?:将|要|拟)(?:重点|着力|主要|继续|切实)?(?:做好|抓好|推进|落实|采取|从)(?:以下|如下|下列)[^。;:]{0,10}:/;
/** A lead-in sentence that opens causes: 究其原因，… 产生问题的原因… */
export const C_LEAD = /^(?:究其原因|分析原因|剖析原因|深挖根源|追根溯源|原因(?:主要)?(?:有|是|在于)|(?:产生|出现)?(?:上述|以上|这些)?问题(?:产生|存在)?的(?:主要|根本)?原因)/;
/** A phrase, anywhere in a sentence, that opens a list of problems: 但也存在一些问题，… */
export const P_LEAD =
  /(?:还|仍|也|仍然|依然|尚|但)(?:存在|有)(?:着)?[^。;,:]{0,10}(?:问题|不足|差距|短板|薄弱环节)[^。;]{0,12}?(?:[,:]|如下|$|。(?=\s*(?:一是|第一|首先|其一|[(]?[1一][).、])))|存在(?:着)?(?:一些|一定的?|以下|如下|不少|诸多|许多|若干|[一二三四五六七八九十\d]+[个条项点]|[一二三四五六七八九十\d]+个?方面)[^。;,:]{0,8}(?:问题|不足|差距|短板)[^。;]{0,8}?(?:[,:]|$)|(?:主要|突出)(?:问题|不足)(?:是|有|为|如下|表现(?:为|在))[,:]?/;

/** Whether a sentence only introduces what follows (and is no item itself). */
export function isIntro(s: string): boolean {
  const t = s.trim();
  if (!t) return true;
  if (/[:]$/.test(t)) return true;
  if (t.length <= 40 && /(如下|以下|下列|几个方面|几点)[。:]?$/.test(t)) return true;
  return false;
}
