// The one name of a task's state, for every output: the pages, the 整改台账, the 整改情况报告
// and the mails. Pure. A task is counted in exactly one of five kinds, 待整改 · 整改中 · 待销号 ·
// 已销号 · 长期坚持 (an unfinished task without an end date), and its words add what a
// black-and-white printout cannot show by colour: 逾期5天, 3天内到期, 今天到期.
import { daysBetween } from "../../lib/dates.ts";
import { STATE_LABEL, type DeadlineKind, type State } from "./workflow.ts";

export type StatusKind = "todo" | "doing" | "review" | "done" | "ongoing";

export const STATUS_KINDS: readonly StatusKind[] = ["todo", "doing", "review", "done", "ongoing"];
export const STATUS_LABEL: Record<StatusKind, string> = { ...STATE_LABEL, ongoing: "长期坚持" };

export type TaskStatus = {
  kind: StatusKind;
  /** 待整改 / 整改中 / 待销号 / 已销号 / 长期坚持 */
  label: string;
  /** the label with what the deadline adds: 整改中（逾期5天）, 待整改（3天内到期）, 长期坚持（待销号） */
  words: string;
  /** days past the deadline, 0 when not overdue */
  overdueDays: number;
  /** days left when due within `yellowDays` (0 = today), else null */
  dueInDays: number | null;
};

/** The kind a task counts as: its state, but 长期坚持 for an unfinished task without an end date. */
export function statusKind(t: { state: State; deadlineKind?: DeadlineKind; deadline: string | null }): StatusKind {
  return t.state === "done" ? "done" : t.deadlineKind === "ongoing" || !t.deadline ? "ongoing" : t.state;
}

/** The state of a task at the end of day `today`. */
export function taskStatus(t: { state: State; deadlineKind: DeadlineKind; deadline: string | null }, today: string, yellowDays: number): TaskStatus {
  const kind = statusKind(t);
  const label = STATUS_LABEL[kind];
  if (kind === "done") return { kind, label, words: label, overdueDays: 0, dueInDays: null };
  if (kind === "ongoing") return { kind, label, words: t.state === "review" ? `${label}（待销号）` : label, overdueDays: 0, dueInDays: null };
  const left = daysBetween(today, t.deadline!);
  if (left < 0) return { kind, label, words: `${label}（逾期${-left}天）`, overdueDays: -left, dueInDays: null };
  if (left <= yellowDays) return { kind, label, words: `${label}（${left === 0 ? "今天到期" : `${left}天内到期`}）`, overdueDays: 0, dueInDays: left };
  return { kind, label, words: label, overdueDays: 0, dueInDays: null };
}

export type Tally = Record<StatusKind, number> & { total: number; overdue: number; rate: number };

/**
 * Counts by kind, the overdue among them, and 完成率 = 已销号 ÷ 任务总数. The same rule in the
 * report and the ledger: 长期坚持 tasks count in the total and are not complete until signed off.
 */
export function tally(statuses: Iterable<Pick<TaskStatus, "kind" | "overdueDays">>): Tally {
  const t: Tally = { total: 0, todo: 0, doing: 0, review: 0, done: 0, ongoing: 0, overdue: 0, rate: 0 };
  for (const s of statuses) {
    t.total++;
    t[s.kind]++;
    if (s.overdueDays > 0) t.overdue++;
  }
  t.rate = t.total ? t.done / t.total : 0;
  return t;
}

/** How 完成率 is counted, said the same way in both documents. */
export const RATE_RULE = "完成率＝已销号数÷任务总数；长期坚持事项计入总数，销号前不计为已完成";

/** 0.6667 → '66.7%' */
export function ratePercent(rate: number): string {
  const r = Math.round(rate * 1000) / 10;
  return `${Number.isInteger(r) ? r : r.toFixed(1)}%`;
}
