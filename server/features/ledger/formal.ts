// The 整改情况报告 proper, pure: what a unit sends its superior (GB/T 9704-2012 in its parts):
// title 关于{period}{subject}整改情况的报告 in lines that read naturally, 主送机关, an opening
// written from the figures, 一、整改工作总体情况 · 二、问题整改落实情况 · 三、存在的不足和下一步打算,
// 特此报告, the 附件 line, 发文机关署名 and 成文日期 with room for the seal, and the 附件 itself
// (the evidence, problem by problem). Every state is the one tasks/status.ts names.
import { cnDate } from "../../lib/dates.ts";
import { ratePercent } from "../tasks/status.ts";
import { cnNumeral, endStop, NO_TASK, extendedText, problemMeasures, progressSentence, stateRuns, summaryText, type Block, type ComposedReport, type Run, type Summary, type TaskEntry } from "./compose.ts";
import { deadlineText } from "./as-of.ts";

/** Characters per title line: 二号 (22 pt) on the 156 mm type area. */
export const TITLE_CHARS = 20;

/** Width in characters: CJK and full-width forms one, ASCII half. */
export function charWidth(s: string): number {
  let n = 0;
  for (const ch of s) n += ch.charCodeAt(0) < 0x2000 ? 0.5 : 1;
  return n;
}

const PERIOD = /^(\d{4}年(?:度|上半年|下半年|第[一二三四]季度)?)/;

/** '中共…委员会2026年度基层党建工作自查报告' → { period: '2026年度', subject: '基层党建工作自查' }. */
export function periodAndSubject(reportTitle: string, unitName: string): { period: string; subject: string } {
  let rest = reportTitle.trim().replace(/^关于/, "");
  if (unitName && rest.startsWith(unitName)) rest = rest.slice(unitName.length);
  rest = rest.replace(/^[^\d]{0,30}?(?=\d{4}年)/, (m) => (/(委员会|党委|党组|支部|总支|机关)$/.test(m) ? "" : m));
  const m = PERIOD.exec(rest);
  const period = m ? m[1] : "";
  const subject = rest
    .slice(period.length)
    .replace(/(的)?(情况报告|报告|工作总结|材料)$/, "")
    .trim();
  return { period, subject };
}

/** 关于2026年度基层党建工作自查问题整改情况的报告 */
export function defaultDocTitle(reportTitle: string, unitName: string): string {
  const { period, subject } = periodAndSubject(reportTitle, unitName);
  const what = /自查$|检查$|检视$/.test(subject) ? `${subject}问题` : subject || "自查问题";
  return `关于${period}${what}整改情况的报告`;
}

/** 整改台账's title for a report: the unit, the period, the subject — 中共…委员会2026年度基层党建工作自查问题整改台账. */
export function ledgerTitleFor(reportTitle: string, unitName: string): string {
  const { period, subject } = periodAndSubject(reportTitle, unitName);
  const what = /自查$|检查$|检视$/.test(subject) ? `${subject}问题` : subject;
  return `${unitName}${period}${what}整改台账`;
}

/** 主送机关 as the report itself names who asked for it (按照县委组织部《…》要求), or null. */
export function addresseeFromText(fullText: string): string | null {
  const m = /按照(?:上级|)([\u4e00-\u9fa5]{2,16}?(?:组织部|工委|工作委员会|巡察组|巡察办|纪委|监委|党委|党组))[《“的关]/.exec(fullText.slice(0, 600));
  return m ? m[1] : null;
}

/** Words a title line never breaks inside; their edges are where it may break. */
const WORDS = [
  "整改情况的报告", "情况的报告", "专项治理", "民主生活会", "组织生活会", "对照检查", "主题教育", "基层党建", "全面从严治党", "意识形态",
  "关于", "年度", "上半年", "下半年", "季度", "党建", "工作", "自查", "发现", "问题", "整改", "情况", "报告", "专项", "巡察", "反馈", "意见",
  "检视", "检查", "落实", "党支部", "党总支", "党委", "党组", "委员会", "机关", "中共", "整治", "集中", "开展", "责任", "制度", "学习", "专题",
  "整顿", "转化", "建设", "管理", "教育", "党员", "干部", "作风", "纪律", "廉政", "审计", "督查", "反馈意见", "回头看",
].sort((a, b) => b.length - a.length);

/** The title's tokens: known words, runs of digits and Latin letters, single characters. */
function tokens(s: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < s.length) {
    const w = WORDS.find((w) => s.startsWith(w, i));
    if (w) {
      out.push(w);
      i += w.length;
      continue;
    }
    const d = /^[0-9A-Za-z.\-]+/.exec(s.slice(i));
    if (d) {
      out.push(d[0]);
      i += d[0].length;
      continue;
    }
    out.push(s[i++]);
  }
  return out;
}

const OPENERS = /[（《“‘(「]$/;
const CLOSERS = /^[）》”’)」，、。：；！？]/;

/**
 * The title in lines of at most `perLine` characters, broken only where it reads naturally: at the
 * edge of a known word or a number, never inside one (基|层), never before a closing mark; as
 * few lines as possible, as even as possible, the upper lines no shorter (梯形 or 菱形). A break
 * the leader set (a newline in the title) is kept as it is.
 */
export function titleLines(title: string, perLine = TITLE_CHARS): string[] {
  if (/\n/.test(title)) return title.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  const text = title.trim();
  if (charWidth(text) <= perLine) return [text];
  const toks = tokens(text);
  const single = (t: string) => t.length === 1 && !/[0-9A-Za-z]/.test(t);
  // break points: after token k (1..n-1), where at least one side is a word or a number
  const points: number[] = [];
  for (let k = 1; k < toks.length; k++) {
    const left = toks[k - 1];
    const right = toks[k];
    if (OPENERS.test(left) || CLOSERS.test(right)) continue;
    if (single(left) && single(right) && !/[，、。：；）》”]$/.test(left)) continue;
    points.push(k);
  }
  const widthOf = (from: number, to: number) => charWidth(toks.slice(from, to).join(""));
  // best split by dynamic programming over the break points: fewest lines, then least unevenness
  type Best = { lines: number; cost: number; cuts: number[] } | null;
  const memo = new Map<number, Best>();
  const solve = (from: number): Best => {
    if (memo.has(from)) return memo.get(from)!;
    let best: Best = null;
    if (widthOf(from, toks.length) <= perLine) best = { lines: 1, cost: 0, cuts: [] };
    for (const p of points) {
      if (p <= from) continue;
      const w = widthOf(from, p);
      if (w > perLine) break;
      const rest = solve(p);
      if (!rest) continue;
      const next = widthOf(p, rest.cuts[0] ?? toks.length);
      // uneven lines cost their difference squared; a lower line longer than the one above costs more
      const cost = rest.cost + (w - next) ** 2 + (next > w ? 4 * (next - w) : 0);
      const cand = { lines: rest.lines + 1, cost, cuts: [p, ...rest.cuts] };
      if (!best || cand.lines < best.lines || (cand.lines === best.lines && cand.cost < best.cost)) best = cand;
    }
    memo.set(from, best);
    return best;
  };
  const best = solve(0);
  if (!best) {
    // nothing fits at a word's edge: cut at the width (a leader can set the break)
    const out: string[] = [];
    let line = "";
    for (const ch of text) {
      if (charWidth(line + ch) > perLine) out.push(line), (line = "");
      line += ch;
    }
    return [...out, line];
  }
  const cuts = [0, ...best.cuts, toks.length];
  return cuts.slice(1).map((c, i) => toks.slice(cuts[i], c).join(""));
}

export type FormalInput = {
  /** the title as set for this report: a newline where a leader set the break */
  title: string;
  addressee: string | null;
  /** 发文机关署名: the unit's full name */
  unitName: string;
  /** the self-check report the problems come from */
  sourceTitle: string;
  asOf: string;
  groups: ComposedReport["groups"];
  summary: Summary;
};

/** The first clause of a problem, to name it in a sentence. */
export function shortName(text: string): string {
  const first = text.trim().split(/[，。；;,]/)[0];
  return first.length >= 6 ? first : text.trim().replace(/[。；;，,]$/, "");
}

const ORDINAL = (i: number) => `${cnNumeral(i)}是`;

/** The 整改情况报告 as blocks (see the file's head). */
export function composeFormal(i: FormalInput): Block[] {
  const s = i.summary;
  const entries = i.groups.flatMap((g) => g.entries);
  const tasks = entries.flatMap((e) => e.tasks);
  // a task is named by its problem's words where it is the problem's only task
  const entryOf = new Map(entries.flatMap((e) => e.tasks.map((t) => [t, e] as const)));
  const short = (t: TaskEntry) => {
    const e = entryOf.get(t)!;
    return `“${shortName(e.tasks.length === 1 ? e.problem.text : t.title)}”`;
  };
  const date = cnDate(i.asOf);
  const unit = s.total === s.problems ? "个" : "项";
  const out: Block[] = [];
  const lines = titleLines(i.title);
  out.push({ type: "title", text: lines.join(""), lines }, { type: "blank" });
  if (i.addressee) out.push({ type: "addressee", text: `${i.addressee.replace(/[：:]$/, "")}：` });
  const para = (...runs: Run[]): Block => ({ type: "para", runs });

  // the opening, from the figures
  const detail = s.total === s.problems ? "" : `，细化为整改任务${s.total}项`;
  out.push(
    para({
      text:
        `对照《${i.sourceTitle}》查摆的${s.problems}个问题${detail}，我们逐项制定整改措施，明确责任领导、责任单位、责任人和整改时限，建立整改台账，实行销号管理。` +
        `截至${date}，已完成整改${s.done}${unit}，整改完成率${ratePercent(s.rate)}${s.ongoing ? `，另有长期坚持事项${s.ongoing}${unit}持续推进` : ""}。现将整改情况报告如下：`,
    }),
  );

  // 一、整改工作总体情况
  out.push({ type: "heading1", text: "一、整改工作总体情况" });
  out.push(para({ text: summaryText(s) }));
  const byUnit = new Map<string, TaskEntry[]>();
  for (const t of tasks) (byUnit.get(t.unitName) ?? byUnit.set(t.unitName, []).get(t.unitName)!).push(t);
  if (byUnit.size > 1) {
    const parts = [...byUnit].map(([u, ts]) => `${u}承担${ts.length}项、已销号${ts.filter((t) => t.status.kind === "done").length}项`);
    out.push(para({ text: `从责任单位看，${parts.join("；")}。` }));
  }
  const extended = tasks.filter((t) => t.extended);
  if (extended.length) out.push(para({ text: `整改过程中，经批准延期${extended.length}项（${extended.map((t) => `${short(t)}延至${cnDate(t.deadline)}`).join("；")}），原定时限在整改台账中保留备查。` }));

  // 二、问题整改落实情况
  out.push({ type: "heading1", text: "二、问题整改落实情况" });
  let gi = 0;
  let n = 0;
  for (const g of i.groups) {
    if (g.category) out.push({ type: "heading2", text: `（${cnNumeral(++gi)}）${g.category.replace(/[。；，]$/, "")}` });
    for (const e of g.entries) {
      out.push(para({ text: `${++n}．`, bold: true }, { text: endStop(e.problem.text) }));
      const measures = problemMeasures(e);
      if (measures) out.push(para({ text: "整改措施：", bold: true }, { text: endStop(measures) }));
      if (!e.tasks.length) {
        out.push(para({ text: "落实情况：", bold: true }, { text: NO_TASK }));
        continue;
      }
      for (const t of e.tasks) {
        const lead = e.tasks.length > 1 ? `（${t.unitName}）` : "";
        const progress = progressSentence(t);
        const who: Run[] = [{ text: "由" }, { text: t.unitName, keep: true }, { text: "（责任人" }, { text: t.ownerName, keep: true }, { text: "）" }];
        const doing: Run[] = progress
          ? [{ text: progress }]
          : t.status.kind === "ongoing"
            ? [...who, { text: "按上述措施长期坚持、持续推进。" }]
            : [...who, { text: "按上述措施推进，整改时限为" }, { text: deadlineText(t), keep: true }, { text: `${extendedText(t)}。` }];
        out.push(para({ text: `落实情况${lead}：`, bold: true }, ...doing));
        out.push(para({ text: "完成情况：", bold: true }, ...stateRuns(t)));
      }
    }
  }

  // 三、存在的不足和下一步打算
  out.push({ type: "heading1", text: "三、存在的不足和下一步打算" });
  const open = tasks.filter((t) => t.status.kind !== "done");
  if (!open.length) {
    out.push(para({ text: "整改任务已全部销号，但部分问题具有反复性、长期性，巩固整改成果仍需持续用力。" }));
  } else {
    const parts = [`截至${date}，尚有${open.length}项整改任务未销号`];
    const overdue = open.filter((t) => t.status.overdueDays > 0);
    if (overdue.length) parts.push(`其中${overdue.map((t) => `${short(t)}（逾期${t.status.overdueDays}天）`).join("、")}已超过整改时限，整改进度滞后`);
    const review = open.filter((t) => t.state === "review" && t.status.kind !== "ongoing");
    if (review.length) parts.push(`${review.map(short).join("、")}已申请销号，正在审核`);
    const todo = open.filter((t) => t.status.kind === "todo");
    if (todo.length) parts.push(`${todo.map(short).join("、")}尚未取得阶段性成果`);
    const ongoing = open.filter((t) => t.status.kind === "ongoing");
    if (ongoing.length) parts.push(`${ongoing.map(short).join("、")}属长期坚持事项，需持续推进`);
    out.push(para({ text: parts.join("；") + "。" }));
  }
  const plans: string[] = open.map((t) => {
    const m = endStop(t.measures.trim() || problemMeasures(entryOf.get(t)!) || "").replace(/。$/, "");
    const end = t.status.kind === "ongoing" ? "建立长效机制，长期坚持" : t.status.overdueDays > 0 ? "加快整改进度，尽快完成整改" : `确保于${cnDate(t.deadline)}前完成整改`;
    return `针对${short(t)}问题，${m ? m + "，" : ""}${end}`;
  });
  if (s.done) plans.push(`对已销号的${s.done}项整改任务适时开展“回头看”，巩固整改成果，防止问题反弹`);
  if (plans.length) out.push(para({ text: "下一步，我们将重点做好以下工作：" + plans.map((p, k) => `${ORDINAL(k + 1)}${p}`).join("；") + "。" }));
  out.push(para({ text: "特此报告。" }));

  // 附件 line, 署名 and 成文日期 (two blank lines above: room for the seal), then the 附件
  const evidence = entries.map((e, k) => ({ n: k + 1, e, files: e.tasks.flatMap((t) => t.evidence) })).filter((x) => x.files.length);
  if (evidence.length) out.push({ type: "blank" }, para({ text: "附件：整改佐证材料清单" }));
  out.push({ type: "blank" }, { type: "blank" }, { type: "signature", text: i.unitName, dateText: date });
  if (evidence.length) {
    out.push({ type: "attachment", text: "附件" }, { type: "title", text: "整改佐证材料清单" }, { type: "blank" });
    for (const x of evidence) out.push(para({ text: `${x.n}．${shortName(x.e.problem.text)}：` }, { text: x.files.join("、") + "。" }));
  }
  return out;
}
