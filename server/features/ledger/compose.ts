// The 整改情况报告, pure: report + problems + tasks (as of a day, from their history) → a document
// of blocks (title, headings, paragraphs). The report's own sections are kept as imported; its
// 整改措施 section is regenerated from the live data: problems grouped by category in the
// report's order, each with its measures, who answers for it, the deadline, the latest progress
// and its state, and a summary paragraph. HTML, plain text and .docx are all drawn from the blocks.
import { cnDate } from "../../lib/dates.ts";
import { RATE_RULE, ratePercent, tally, taskStatus, type Tally, type TaskStatus } from "../tasks/status.ts";
import { deadlineText, type TaskAsOf } from "./as-of.ts";
import { resultWords } from "../recheck/plan.ts";

export type Section = { heading: string; kind: "problems" | "causes" | "measures" | "other"; start: number; end: number };

/** `keep`: never broken across lines (names, states, dates) where the output can prevent it */
export type Run = { text: string; bold?: boolean; keep?: boolean };
export type Block =
  | { type: "title"; text: string; /** the lines it is set in, where it needs more than one */ lines?: string[] }
  | { type: "subtitle"; text: string }
  | { type: "addressee"; text: string }
  | { type: "heading1"; text: string }
  | { type: "heading2"; text: string }
  | { type: "para"; runs: Run[]; live?: boolean }
  | { type: "blank" }
  /** 发文机关署名 and 成文日期, right-aligned above/at the place of the seal */
  | { type: "signature"; text: string; dateText: string }
  /** 附件 at the top left of a new page */
  | { type: "attachment"; text: string };

export type ReportInput = { id: number; title: string; fullText: string; sections: Section[] };
export type ProblemInput = { id: number; seq: number; category: string | null; text: string; measures: string | null };

export type TaskEntry = TaskAsOf & { status: TaskStatus };
export type ProblemEntry = { problem: ProblemInput; tasks: TaskEntry[] };

export type Summary = Tally & { problems: number };

export type ComposedReport = {
  title: string;
  asOf: string;
  summary: Summary;
  groups: { category: string | null; entries: ProblemEntry[] }[];
  blocks: Block[];
};

const CN_NUM = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九", "十"];
/** 1 → 一, 12 → 十二, 23 → 二十三 */
export function cnNumeral(n: number): string {
  if (n <= 10) return CN_NUM[n];
  if (n < 20) return "十" + CN_NUM[n - 10];
  if (n < 100) return CN_NUM[Math.floor(n / 10)] + "十" + (n % 10 ? CN_NUM[n % 10] : "");
  return String(n);
}

/** Counts over the tasks (as the ledger counts them), with the number of problems beside. */
export function summarize(entries: ProblemEntry[]): Summary {
  return { ...tally(entries.flatMap((e) => e.tasks.map((t) => t.status))), problems: entries.length };
}

/** 共查摆问题5个（整改任务6项），已销号1项，待销号1项，整改中1项，待整改1项，长期坚持1项，其中逾期1项；完成率20%（…）。 */
export function summaryText(s: Summary): string {
  const unit = s.total === s.problems ? "个" : "项";
  const head = s.total === s.problems ? `共查摆问题${s.problems}个` : `共查摆问题${s.problems}个，细化为整改任务${s.total}项`;
  const parts = [`已销号${s.done}${unit}`, `待销号${s.review}${unit}`, `整改中${s.doing}${unit}`, `待整改${s.todo}${unit}`, `长期坚持${s.ongoing}${unit}`];
  return `${head}，${parts.join("，")}${s.overdue ? `，其中逾期${s.overdue}${unit}` : ""}；整改完成率${ratePercent(s.rate)}（${RATE_RULE}）。`;
}

export const endStop = (s: string) => {
  const t = s.trim().replace(/[；;，,、]$/, "");
  return !t || /[。！？.!?]$/.test(t) ? t : t + "。";
};

/** The top-level sections, in order (a section inside another is part of it). */
function topSections(sections: Section[], length: number): Section[] {
  const sorted = [...sections].filter((s) => s.start >= 0 && s.end <= length && s.end > s.start).sort((a, b) => a.start - b.start || b.end - a.end);
  const out: Section[] = [];
  for (const s of sorted) {
    const last = out[out.length - 1];
    if (last && s.start < last.end) continue;
    out.push(s);
  }
  return out;
}

const H1 = /^[一二三四五六七八九十]+、/;
const H2 = /^[（(][一二三四五六七八九十]+[）)]/;

/** Imported text → blocks: 一、 lines are 一级标题; a short （一） line alone is 二级标题; the rest paragraphs. */
function textBlocks(text: string): Block[] {
  const out: Block[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/^[\s\u3000]+|[\s\u3000]+$/g, "");
    if (!line) continue;
    if (H1.test(line) && line.length <= 40 && !/[。；]./.test(line)) out.push({ type: "heading1", text: line });
    else if (H2.test(line) && line.length <= 40 && !/[。；]./.test(line)) out.push({ type: "heading2", text: line });
    else out.push({ type: "para", runs: [{ text: line }] });
  }
  return out;
}

/** The sentence on a task's progress: 2026年10月24日，… (共填报N次); null without progress. */
export function progressSentence(t: TaskAsOf): string | null {
  if (!t.latestProgress) return null;
  const more = t.progressCount > 1 ? `（共填报进展${t.progressCount}次）` : "";
  return `${cnDate(t.latestProgress.day)}，${endStop(t.latestProgress.text)}${more}`;
}

/** 完成情况 in runs: the state's words (once), then who signed it off and when. */
export function stateRuns(t: TaskEntry): Run[] {
  const runs: Run[] = [{ text: t.status.words, keep: true }];
  if (t.state === "done") runs.push({ text: `，${cnDate(t.signedOffDay)}经` }, { text: t.signedOffBy || "领导", keep: true }, { text: "验收销号" });
  if (t.state === "done" && t.effect) runs.push({ text: `，整改成效：${t.effect}` });
  const recheck = resultWords(t, cnDate);
  if (recheck) runs.push({ text: `；${recheck}` });
  runs.push({ text: "。" });
  return runs;
}

export function extendedText(t: TaskAsOf): string {
  return t.extended ? `（原定${cnDate(t.originalDeadline)}，经批准延期）` : "";
}

function whoSentence(t: TaskAsOf): string {
  const parts = [`责任领导：${t.leaderName || "—"}`, `责任单位：${t.unitName}`];
  if (t.coUnits) parts.push(`配合单位：${t.coUnits}`);
  parts.push(`责任人：${t.ownerName}`, `整改时限：${deadlineText(t)}${extendedText(t)}`);
  return parts.join("；") + "。";
}

/** The regenerated 整改措施 section, without its heading. */
export function liveSectionBlocks(groups: ComposedReport["groups"], summary: Summary): Block[] {
  const out: Block[] = [{ type: "para", runs: [{ text: summaryText(summary) }], live: true }];
  let gi = 0;
  let n = 0;
  for (const g of groups) {
    if (g.category) out.push({ type: "heading2", text: `（${cnNumeral(++gi)}）${g.category.replace(/[。；，]$/, "")}` });
    for (const e of g.entries) {
      n++;
      out.push({ type: "para", live: true, runs: [{ text: `${n}．`, bold: true }, { text: endStop(e.problem.text) }] });
      const measures = problemMeasures(e);
      if (measures) out.push({ type: "para", live: true, runs: [{ text: "整改措施：", bold: true }, { text: endStop(measures) }] });
      if (!e.tasks.length) out.push({ type: "para", live: true, runs: [{ text: "落实情况：", bold: true }, { text: NO_TASK }] });
      for (const t of e.tasks) {
        const lead = e.tasks.length > 1 ? `${t.unitName}：` : "";
        out.push({ type: "para", live: true, runs: [{ text: `${lead}责任分工：`, bold: true }, { text: whoSentence(t) }] });
        const progress = progressSentence(t);
        if (progress) out.push({ type: "para", live: true, runs: [{ text: "整改进展：", bold: true }, { text: progress }] });
        out.push({ type: "para", live: true, runs: [{ text: "完成情况：", bold: true }, ...stateRuns(t)] });
      }
    }
  }
  return out;
}

/** A problem not yet made a task, in the words of a report. */
export const NO_TASK = "该问题尚未明确责任单位和整改时限，将尽快研究确定。";

/** The problem's own measures, else its tasks'. */
export function problemMeasures(e: ProblemEntry): string {
  return e.problem.measures?.trim() || e.tasks.map((t) => t.measures.trim()).filter(Boolean).join("；");
}

/** Problems in the report's order, grouped by category, each with its tasks and their states. */
export function problemGroups(problems: ProblemInput[], tasks: TaskAsOf[], asOf: string, yellowDays: number): ComposedReport["groups"] {
  const byProblem = new Map<number, TaskEntry[]>();
  for (const t of [...tasks].sort((a, b) => a.id - b.id)) if (t.problemId != null) (byProblem.get(t.problemId) ?? byProblem.set(t.problemId, []).get(t.problemId)!).push({ ...t, status: taskStatus(t, asOf, yellowDays) });
  const groups: ComposedReport["groups"] = [];
  const index = new Map<string, number>();
  for (const p of [...problems].sort((a, b) => a.seq - b.seq || a.id - b.id)) {
    const key = p.category?.trim() || "";
    if (!index.has(key)) {
      index.set(key, groups.length);
      groups.push({ category: key || null, entries: [] });
    }
    groups[index.get(key)!].entries.push({ problem: p, tasks: byProblem.get(p.id) ?? [] });
  }
  return groups;
}

/**
 * Composes the report as it stood at the end of `asOf`. `tasks` are already computed as of that
 * day (taskAsOf); tasks that did not exist yet are left out by the caller (null).
 */
export function composeReport(report: ReportInput, problems: ProblemInput[], tasks: TaskAsOf[], asOf: string, yellowDays: number): ComposedReport {
  const groups = problemGroups(problems, tasks, asOf, yellowDays);
  const summary = summarize(groups.flatMap((g) => g.entries));
  const live = liveSectionBlocks(groups, summary);

  // the report's own text, section by section, with the measures section replaced
  const text = report.fullText;
  const sections = topSections(report.sections, text.length);
  const blocks: Block[] = [{ type: "title", text: report.title }, { type: "subtitle", text: `（截至${cnDate(asOf)}）` }];
  const pre = sections.length ? text.slice(0, sections[0].start) : text;
  const preBlocks = textBlocks(pre);
  // the title line of the imported text is the document's title already
  if (preBlocks[0] && preBlocks[0].type === "para" && preBlocks[0].runs[0].text === report.title.trim()) preBlocks.shift();
  blocks.push(...preBlocks);
  let replaced = false;
  sections.forEach((s, i) => {
    const body = text.slice(s.start, s.end);
    if (s.kind === "measures") {
      if (replaced) return; // further measures sections are within the live one now
      replaced = true;
      const own = textBlocks(body);
      blocks.push(own[0]?.type === "heading1" ? own[0] : { type: "heading1", text: s.heading || "整改措施" });
      blocks.push(...live);
    } else blocks.push(...textBlocks(body));
    const gapEnd = i + 1 < sections.length ? sections[i + 1].start : text.length;
    if (gapEnd > s.end) blocks.push(...textBlocks(text.slice(s.end, gapEnd)));
  });
  if (!replaced) {
    const numbered = blocks.filter((b) => b.type === "heading1" && H1.test(b.text)).length;
    blocks.push({ type: "heading1", text: `${numbered ? cnNumeral(numbered + 1) + "、" : ""}整改措施落实情况` });
    blocks.push(...live);
  }
  return { title: report.title, asOf, summary, groups, blocks };
}

/** The document as plain text (the copy button, progress.txt): headings on their own lines, paragraphs indented. */
export function blocksToText(blocks: Block[]): string {
  const lines: string[] = [];
  for (const b of blocks) {
    if (b.type === "para") lines.push("\u3000\u3000" + b.runs.map((r) => r.text).join(""));
    else if (b.type === "title") lines.push(b.lines?.join("") ?? b.text);
    else if (b.type === "subtitle" || b.type === "addressee") lines.push(b.text, "");
    else if (b.type === "blank") lines.push("");
    else if (b.type === "signature") lines.push("", b.text, b.dateText);
    else if (b.type === "attachment") lines.push("", b.text);
    else lines.push(b.text);
  }
  return lines.join("\n") + "\n";
}

/** Only the regenerated section's text, for the copy button on the report page. */
export function liveSectionText(c: ComposedReport): string {
  return blocksToText(liveSectionBlocks(c.groups, c.summary));
}
