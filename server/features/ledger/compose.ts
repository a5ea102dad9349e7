// The 整改情况报告, pure: report + problems + tasks (as of a day, from their history) → a document
// of blocks (title, headings, paragraphs). The report's own sections are kept as imported; its
// 整改措施 section is regenerated from the live data: problems grouped by category in the
// report's order, each with its measures, who answers for it, the deadline, the latest progress
// and its state, and a summary paragraph. HTML, plain text and .docx are all drawn from the blocks.
import { cnDate } from "../../lib/dates.ts";
import { deadlineText, statusWords, type TaskAsOf } from "./as-of.ts";

export type Section = { heading: string; kind: "problems" | "causes" | "measures" | "other"; start: number; end: number };

export type Run = { text: string; bold?: boolean };
export type Block =
  | { type: "title"; text: string }
  | { type: "subtitle"; text: string }
  | { type: "heading1"; text: string }
  | { type: "heading2"; text: string }
  | { type: "para"; runs: Run[]; live?: boolean };

export type ReportInput = { id: number; title: string; fullText: string; sections: Section[] };
export type ProblemInput = { id: number; seq: number; category: string | null; text: string; measures: string | null };

export type ProblemStatus = { kind: "done" | "overdue" | "ongoing" | "doing" | "none"; words: string; overdueDays: number };

export type ProblemEntry = {
  problem: ProblemInput;
  tasks: TaskAsOf[];
  status: ProblemStatus;
};

export type Summary = { total: number; done: number; doing: number; overdue: number; rate: number };

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

/** The state of a problem from its tasks: 已销号 when all are, else the worst of them. */
export function problemStatus(tasks: TaskAsOf[]): ProblemStatus {
  if (!tasks.length) return { kind: "none", words: "尚未安排整改任务", overdueDays: 0 };
  if (tasks.every((t) => t.state === "done")) {
    const last = tasks.map((t) => t.signedOffDay ?? "").sort().pop()!;
    return { kind: "done", words: `已销号（${cnDate(last)}）`, overdueDays: 0 };
  }
  const overdue = Math.max(...tasks.map((t) => t.overdueDays));
  if (overdue > 0) return { kind: "overdue", words: `逾期${overdue}天`, overdueDays: overdue };
  const open = tasks.filter((t) => t.state !== "done");
  if (open.every((t) => t.deadlineKind === "ongoing")) return { kind: "ongoing", words: "长期坚持", overdueDays: 0 };
  return { kind: "doing", words: "整改中", overdueDays: 0 };
}

export function summarize(entries: { status: ProblemStatus }[]): Summary {
  const total = entries.length;
  const done = entries.filter((e) => e.status.kind === "done").length;
  const overdue = entries.filter((e) => e.status.kind === "overdue").length;
  const doing = total - done - overdue;
  return { total, done, doing, overdue, rate: total ? Math.round((done / total) * 1000) / 10 : 0 };
}

export function summaryText(s: Summary): string {
  return `共查摆问题${s.total}个，已整改销号${s.done}个，正在整改${s.doing}个，逾期${s.overdue}个，整改完成率${fmtRate(s.rate)}%。`;
}

function fmtRate(r: number): string {
  return Number.isInteger(r) ? String(r) : r.toFixed(1);
}

const endStop = (s: string) => {
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

/** The sentence on a task's progress: 2026年10月24日，… (共填报N次). */
function progressSentence(t: TaskAsOf): string {
  if (!t.latestProgress) return "尚未填报整改进展。";
  const more = t.progressCount > 1 ? `（共填报进展${t.progressCount}次）` : "";
  return `${cnDate(t.latestProgress.day)}，${endStop(t.latestProgress.text)}${more}`;
}

function taskStateSentence(t: TaskAsOf): string {
  if (t.state === "done") return `已销号（${cnDate(t.signedOffDay)}，验收人：${t.signedOffBy || "—"}）。`;
  if (t.overdueDays > 0) return `逾期${t.overdueDays}天，正在整改。`;
  if (t.deadlineKind === "ongoing") return t.progressCount ? `长期坚持，已填报进展${t.progressCount}次，持续推进。` : "长期坚持，持续推进。";
  if (t.state === "review") return "整改中（已申请销号，待审核）。";
  return "整改中。";
}

function whoSentence(t: TaskAsOf): string {
  const parts = [`责任领导：${t.leaderName || "—"}`, `责任单位：${t.unitName}`];
  if (t.coUnits) parts.push(`配合单位：${t.coUnits}`);
  parts.push(`责任人：${t.ownerName}`, `整改时限：${deadlineText(t)}${t.extended ? `（原定${cnDate(t.originalDeadline)}，经批准延期）` : ""}`);
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
      out.push({ type: "para", live: true, runs: [{ text: `${n}．`, bold: true }, { text: endStop(e.problem.text) }, { text: `【${e.status.words}】`, bold: true }] });
      const measures = e.problem.measures?.trim() || e.tasks.map((t) => t.measures.trim()).filter(Boolean).join("；");
      if (measures) out.push({ type: "para", live: true, runs: [{ text: "整改措施：", bold: true }, { text: endStop(measures) }] });
      if (!e.tasks.length) out.push({ type: "para", live: true, runs: [{ text: "落实情况：", bold: true }, { text: "尚未安排整改任务。" }] });
      for (const t of e.tasks) {
        const lead = e.tasks.length > 1 ? `${t.unitName}：` : "";
        out.push({ type: "para", live: true, runs: [{ text: `${lead}责任分工：`, bold: true }, { text: whoSentence(t) }] });
        out.push({ type: "para", live: true, runs: [{ text: "整改进展：", bold: true }, { text: progressSentence(t) }] });
        out.push({ type: "para", live: true, runs: [{ text: "完成情况：", bold: true }, { text: taskStateSentence(t) }] });
      }
    }
  }
  return out;
}

/**
 * Composes the report as it stood at the end of `asOf`. `tasks` are already computed as of that
 * day (taskAsOf); tasks that did not exist yet are left out by the caller (null).
 */
export function composeReport(report: ReportInput, problems: ProblemInput[], tasks: TaskAsOf[], asOf: string): ComposedReport {
  const byProblem = new Map<number, TaskAsOf[]>();
  for (const t of [...tasks].sort((a, b) => a.id - b.id)) if (t.problemId != null) (byProblem.get(t.problemId) ?? byProblem.set(t.problemId, []).get(t.problemId)!).push(t);
  const ordered = [...problems].sort((a, b) => a.seq - b.seq || a.id - b.id);
  const groups: ComposedReport["groups"] = [];
  const index = new Map<string, number>();
  const entries: ProblemEntry[] = [];
  for (const p of ordered) {
    const ts = byProblem.get(p.id) ?? [];
    const entry: ProblemEntry = { problem: p, tasks: ts, status: problemStatus(ts) };
    entries.push(entry);
    const key = p.category?.trim() || "";
    if (!index.has(key)) {
      index.set(key, groups.length);
      groups.push({ category: key || null, entries: [] });
    }
    groups[index.get(key)!].entries.push(entry);
  }
  const summary = summarize(entries);
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
    else if (b.type === "title") lines.push(b.text);
    else if (b.type === "subtitle") lines.push(b.text, "");
    else lines.push(b.text);
  }
  return lines.join("\n") + "\n";
}

/** Only the regenerated section's text, for the copy button on the report page. */
export function liveSectionText(c: ComposedReport): string {
  return blocksToText(liveSectionBlocks(c.groups, c.summary));
}
