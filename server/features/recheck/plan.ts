// 回头看, pure: when a signed-off task is checked again, what a check's outcome means, and the
// figures (巩固率 / 反弹率, a round's progress). No database here; service.ts applies these.
//
// A task signed off on day D gets a 回头看 on D + the unit's months (default 3; 0 turns it off).
// A 长期坚持 task is checked periodically: D + 6 months (the unit's setting), and after each 巩固
// again 6 months on. A 反弹 reopens the task; its next sign-off plans the next 回头看 anew.
import { daysBetween } from "../../lib/dates.ts";

export const RECHECK_MONTHS_DEFAULT = 3;
export const ONGOING_MONTHS_DEFAULT = 6;
export const MONTHS_MAX = 36;

export type RecheckSettings = { months: number; ongoingMonths: number };
export type DeadlineKind = "immediate" | "dated" | "ongoing";

/** `day` + n calendar months, kept in the month (2026-11-30 + 3 → 2027-02-28). */
export function addMonths(day: string, n: number): string {
  const y = +day.slice(0, 4);
  const m = +day.slice(5, 7) - 1 + n;
  const d = +day.slice(8, 10);
  const ty = y + Math.floor(m / 12);
  const tm = ((m % 12) + 12) % 12;
  const last = new Date(Date.UTC(ty, tm + 1, 0)).getUTCDate();
  return `${ty}-${String(tm + 1).padStart(2, "0")}-${String(Math.min(d, last)).padStart(2, "0")}`;
}

/** The 回头看 date of a task signed off on `signedOffDay`; null when the unit plans none. */
export function dueAfterSignOff(signedOffDay: string, kind: DeadlineKind, s: RecheckSettings): string | null {
  const months = kind === "ongoing" ? s.ongoingMonths : s.months;
  return months > 0 ? addMonths(signedOffDay, months) : null;
}

/** After a 巩固: a 长期坚持 task's next periodic 回头看; null for any other. */
export function dueAfterHeld(today: string, kind: DeadlineKind, s: RecheckSettings): string | null {
  return kind === "ongoing" && s.ongoingMonths > 0 ? addMonths(today, s.ongoingMonths) : null;
}

/** A unit's settings, missing values taking the defaults. */
export function settingsOf(u: { recheckMonths?: number | null; recheckOngoingMonths?: number | null } | undefined): RecheckSettings {
  return { months: u?.recheckMonths ?? RECHECK_MONTHS_DEFAULT, ongoingMonths: u?.recheckOngoingMonths ?? ONGOING_MONTHS_DEFAULT };
}

export type DueKind = "overdue" | "due" | "upcoming";

/** 逾期 (past its date), 到期 (today), 未到 (later). */
export function dueKind(due: string, today: string): DueKind {
  return due < today ? "overdue" : due === today ? "due" : "upcoming";
}

/** 回头看逾期5天 / 今天回头看 / 12天后回头看 */
export function dueWords(due: string, today: string): string {
  const left = daysBetween(today, due);
  if (left < 0) return `回头看逾期${-left}天`;
  if (left === 0) return "今天回头看";
  return `${left}天后回头看`;
}

export type ItemStatus = "open" | "held" | "rebound";
export const ITEM_STATUS_LABEL: Record<ItemStatus, string> = { open: "待回头看", held: "巩固", rebound: "反弹" };

export const EFFECTS = ["clear", "basic", "weak"] as const;
export type Effect = (typeof EFFECTS)[number];
export const EFFECT_LABEL: Record<Effect, string> = { clear: "成效明显", basic: "基本完成", weak: "成效不明显" };
export function isEffect(s: unknown): s is Effect {
  return typeof s === "string" && (EFFECTS as readonly string[]).includes(s);
}

/** A round's (or a unit's) progress: items checked, of them 巩固 and 反弹, and the open ones due. */
export type Progress = { total: number; checked: number; held: number; rebound: number; open: number; overdue: number };

export function progressOf(items: Iterable<{ status: ItemStatus; due: string }>, today: string): Progress {
  const p: Progress = { total: 0, checked: 0, held: 0, rebound: 0, open: 0, overdue: 0 };
  for (const x of items) {
    p.total++;
    if (x.status === "open") {
      p.open++;
      if (x.due < today) p.overdue++;
    } else {
      p.checked++;
      p[x.status]++;
    }
  }
  return p;
}

/**
 * 巩固率 = 巩固 ÷ (巩固 + 反弹); 反弹率 = 反弹 ÷ (巩固 + 反弹); null where nothing was judged yet.
 * A 反弹 counts every time a signed-off problem came back: at a 回头看, or found again in a
 * later report (重复出现).
 */
export function rates(held: number, rebound: number): { holdRate: number | null; reboundRate: number | null } {
  const n = held + rebound;
  return n ? { holdRate: held / n, reboundRate: rebound / n } : { holdRate: null, reboundRate: null };
}

export const RATES_RULE = "巩固率＝巩固数÷（巩固数＋反弹数）；反弹率＝反弹数÷（巩固数＋反弹数）；反弹含回头看发现的反弹和后续报告中重复出现的问题";

/**
 * What the ledger and the 整改情况报告 say of a task's 回头看: "回头看：2027年3月1日巩固",
 * "反弹，已重新整改" (reopened and signed off again), "反弹，正在重新整改"; "" where there is nothing.
 */
export function resultWords(t: { state: string; reboundCount: number; lastHeldDay: string | null }, cn: (day: string) => string): string {
  const parts: string[] = [];
  if (t.reboundCount > 0) parts.push(t.state === "done" ? "反弹，已重新整改" : "反弹，正在重新整改");
  if (t.lastHeldDay && !(t.reboundCount > 0 && t.state !== "done")) parts.push(`回头看：${cn(t.lastHeldDay)}巩固`);
  return parts.join("；");
}

/** The round's tasks: signed off before `asOf` (and still signed off). */
export function inRound<T extends { state: string; signedOffAt: string | null }>(tasks: T[], asOf: string): T[] {
  return tasks.filter((t) => t.state === "done" && t.signedOffAt !== null && t.signedOffAt.slice(0, 10) < asOf);
}
