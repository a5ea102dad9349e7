// 整改台账 rows, pure: one row per task as of a day, in the column order of DOMAIN.md, and the
// summary by unit (total, 待整改, 整改中, 待销号, 已销号, 长期坚持, 逾期, 完成率).
import { cnDate } from "../../lib/dates.ts";
import { light, type Light } from "../tasks/workflow.ts";
import { tally, taskStatus, type StatusKind, type Tally } from "../tasks/status.ts";
import type { TaskAsOf } from "./as-of.ts";
import { rates, resultWords } from "../recheck/plan.ts";

/** The columns of the standard ledger, in order (DOMAIN.md). */
export const LEDGER_COLUMNS = [
  "序号",
  "问题类别（来源）",
  "问题描述",
  "整改目标（完成标准）",
  "整改措施",
  "责任领导",
  "责任单位",
  "配合单位",
  "责任人",
  "整改时限",
  "整改进展",
  "完成情况",
  "销号日期",
  "验收人",
  "佐证材料",
  "备注",
] as const;

/** Merged header cells over groups of columns (1-based, inclusive). */
export const LEDGER_GROUPS = [
  { title: "责任分工", from: 6, to: 9 },
  { title: "整改落实情况", from: 11, to: 15 },
] as const;

export type LedgerSource = { category: string | null; problemText: string | null; problemMeasures: string | null; reportTitle: string | null; seq: number | null };

export type LedgerRow = {
  seq: number;
  category: string;
  problem: string;
  goal: string;
  measures: string;
  leader: string;
  unit: string;
  coUnits: string;
  owner: string;
  /** 'YYYY-MM-DD', or null for 长期坚持 */
  deadline: string | null;
  deadlineWords: string;
  progress: string;
  /** the task's state in words (tasks/status.ts), the same as in the report and on the pages */
  status: string;
  kind: StatusKind;
  overdueDays: number;
  /** the fill of 完成情况: overdue wins over the state */
  statusKind: "done" | "overdue" | "review" | "doing" | "todo" | "ongoing";
  light: Light;
  signedOffDay: string | null;
  signedOffBy: string;
  evidence: string;
  note: string;
  unitId: number;
  /** 回头看 in words: 回头看：2027年3月1日巩固 / 反弹，已重新整改 ("" where none) */
  recheck: string;
  effect: string;
  heldCount: number;
  reboundCount: number;
  recheckDue: string | null;
};

export function ledgerRows(items: { task: TaskAsOf; source: LedgerSource | null }[], asOf: string, yellowDays: number, opts: { showSource: boolean }): LedgerRow[] {
  return items.map(({ task: t, source: s }, i) => {
    const notes: string[] = [];
    if (t.deadlineKind === "immediate") notes.push("立行立改");
    if (t.extended) notes.push(`原定时限${cnDate(t.originalDeadline)}，经批准延期至${cnDate(t.deadline)}`);
    if (t.linkedUnitId) notes.push("整顿转化");
    if (t.effect) notes.push(`整改成效：${t.effect}`);
    const recheck = resultWords(t, cnDate);
    if (recheck) notes.push(recheck);
    let category = s?.category?.trim() || (t.linkedUnitId ? "整顿转化" : "其他");
    if (opts.showSource && s?.reportTitle) category += `（《${s.reportTitle}》）`;
    const st = taskStatus(t, asOf, yellowDays);
    const statusKind: LedgerRow["statusKind"] = st.overdueDays > 0 ? "overdue" : st.kind;
    return {
      seq: i + 1,
      category,
      problem: t.title,
      goal: t.goal,
      measures: t.measures || s?.problemMeasures || "",
      leader: t.leaderName,
      unit: t.unitName,
      coUnits: t.coUnits,
      owner: t.ownerName,
      deadline: t.deadlineKind === "ongoing" ? null : t.deadline,
      deadlineWords: t.deadlineKind === "ongoing" || !t.deadline ? "长期坚持" : cnDate(t.deadline),
      progress: t.latestProgress ? `${cnDate(t.latestProgress.day)}：${t.latestProgress.text}${t.progressCount > 1 ? `（共${t.progressCount}次）` : ""}` : "",
      status: st.words,
      kind: st.kind,
      overdueDays: st.overdueDays,
      statusKind,
      light: light({ state: t.state, deadline: t.deadline, deadlineKind: t.deadlineKind }, asOf, yellowDays),
      signedOffDay: t.state === "done" ? t.signedOffDay : null,
      signedOffBy: t.state === "done" ? (t.signedOffBy ?? "") : "",
      evidence: t.evidence.join("\n"),
      note: notes.join("；"),
      unitId: t.unitId,
      recheck,
      effect: t.effect ?? "",
      heldCount: t.heldCount,
      reboundCount: t.reboundCount,
      recheckDue: t.recheckDue,
    };
  });
}

export type RecheckTally = { recheckDue: number; recheckOverdue: number; held: number; rebound: number; holdRate: number | null; reboundRate: number | null };
export type UnitSummary = Tally & RecheckTally & { unit: string };

/** 回头看 of the rows as of `asOf`: due by then (of them overdue), 巩固 and 反弹 with their rates (recheck/plan.ts). */
export function recheckTally(rows: LedgerRow[], asOf: string): RecheckTally {
  let recheckDue = 0, recheckOverdue = 0, held = 0, rebound = 0;
  for (const r of rows) {
    if (r.recheckDue && r.recheckDue <= asOf) recheckDue++;
    if (r.recheckDue && r.recheckDue < asOf) recheckOverdue++;
    held += r.heldCount;
    rebound += r.reboundCount;
  }
  return { recheckDue, recheckOverdue, held, rebound, ...rates(held, rebound) };
}

/** By responsible unit, in order of first appearance, with a 合计 row last (tasks/status.ts tally). */
export function summaryByUnit(rows: LedgerRow[], asOf = ""): UnitSummary[] {
  const byUnit = new Map<number, LedgerRow[]>();
  for (const r of rows) (byUnit.get(r.unitId) ?? byUnit.set(r.unitId, []).get(r.unitId)!).push(r);
  return [...[...byUnit.values()].map((rs) => ({ unit: rs[0].unit, ...tally(rs), ...recheckTally(rs, asOf) })), { unit: "合计", ...tally(rows), ...recheckTally(rows, asOf) }];
}
