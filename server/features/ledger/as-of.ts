// A task as it stood at the end of a given day, computed from its history (task_events), never
// from its current row: the state, the deadline (extensions and edits replayed), the latest
// progress, who signed it off and when, and the evidence uploaded by then. Pure.
import { cnDate, dayIn, daysBetween } from "../../lib/dates.ts";
import { DEADLINE_KIND_LABEL, type DeadlineKind, type State } from "../tasks/workflow.ts";

export type HistoryEvent = {
  kind: string;
  at: string;
  fromState: string | null;
  toState: string | null;
  text: string;
  /** JSON text as stored, or already parsed */
  data: string | Record<string, unknown> | null;
  actorName: string | null;
};

export type LedgerTaskInput = {
  id: number;
  problemId: number | null;
  title: string;
  goal: string;
  measures: string;
  unitId: number;
  unitName: string;
  coUnits: string;
  leaderName: string | null;
  ownerName: string;
  /** current values, used only when the history does not say otherwise */
  deadlineKind: DeadlineKind;
  deadline: string | null;
  linkedUnitId: number | null;
  events: HistoryEvent[];
  attachments: { originalName: string; uploadedAt: string }[];
  /** the open 回头看's date now (current, not replayed) */
  recheckDue?: string | null;
};

export type TaskAsOf = {
  id: number;
  problemId: number | null;
  title: string;
  goal: string;
  measures: string;
  unitId: number;
  unitName: string;
  coUnits: string;
  leaderName: string;
  ownerName: string;
  linkedUnitId: number | null;
  state: State;
  deadlineKind: DeadlineKind;
  deadline: string | null;
  /** the first deadline on record, when it has moved by then */
  originalDeadline: string | null;
  extended: boolean;
  /** days past the deadline at the end of asOf, 0 when not overdue */
  overdueDays: number;
  progressCount: number;
  latestProgress: { day: string; text: string } | null;
  signedOffDay: string | null;
  signedOffBy: string | null;
  evidence: string[];
  /** 整改成效 recorded at the (last) 销号, in words */
  effect: string | null;
  /** 反弹 by then: at a 回头看 or found again in a later report */
  reboundCount: number;
  /** 巩固 judged by then, and the day of the last */
  heldCount: number;
  lastHeldDay: string | null;
  /** the open 回头看's date, for a task signed off by then */
  recheckDue: string | null;
};

const KIND_BY_LABEL: Record<string, DeadlineKind> = Object.fromEntries(Object.entries(DEADLINE_KIND_LABEL).map(([k, v]) => [v, k as DeadlineKind]));

/** '2026年11月3日' (as edits record it) → '2026-11-03'; '（空）' → null. */
export function isoFromCn(s: unknown): string | null {
  if (typeof s !== "string") return null;
  const m = /^(\d{4})年(\d{1,2})月(\d{1,2})日$/.exec(s.trim());
  if (m) return `${m[1]}-${m[2].padStart(2, "0")}-${m[3].padStart(2, "0")}`;
  return /^\d{4}-\d{2}-\d{2}$/.test(s) ? s : null;
}

function parse(d: HistoryEvent["data"]): Record<string, any> {
  if (!d) return {};
  if (typeof d === "string") {
    try {
      return JSON.parse(d) ?? {};
    } catch {
      return {};
    }
  }
  return d;
}

const HOUR = 3_600_000;

/**
 * "Is the instant `at` on or before the day `asOf` in time zone `tz`?" — `dayIn(tz, at) <= asOf`,
 * answered without the time zone for all but the instants near that day: no zone's offset is
 * more than 26 hours from UTC, so an instant 2 hours before `asOf` begins in UTC is on or before
 * it everywhere, and one 50 hours after is past it everywhere. Formatting a date in a time zone
 * costs far more than this (it was a fifth of a 10,000-row ledger).
 */
export function onOrBefore(asOf: string, tz: string): (at: string) => boolean {
  const start = Date.parse(`${asOf}T00:00:00Z`);
  const surelyIn = start - 2 * HOUR;
  const surelyOut = start + 50 * HOUR;
  return (at) => {
    const t = new Date(at).getTime();
    if (t < surelyIn) return true;
    if (t >= surelyOut) return false;
    return dayIn(tz, new Date(at)) <= asOf;
  };
}

/** the kinds whose data the replay reads */
const DATA_KINDS = new Set(["created", "imported", "extensionApproved", "edited", "signOff"]);

/**
 * The task at the end of day `asOf` (calendar day in time zone `tz`), or null when the task did
 * not exist yet. Events are replayed in order; those after that day are ignored.
 */
export function taskAsOf(t: LedgerTaskInput, asOf: string, tz: string, inDay: (at: string) => boolean = onOrBefore(asOf, tz)): TaskAsOf | null {
  const events = t.events.filter((e) => inDay(e.at)).sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  if (!events.length) return null;
  let state: State = "todo";
  let deadlineKind: DeadlineKind = t.deadlineKind;
  let deadline: string | null = t.deadline;
  let originalDeadline: string | null = null;
  let firstSeen = false;
  let progressCount = 0;
  // the days of the last progress and of the sign-off are worked out once, after the replay
  let lastProgress: HistoryEvent | null = null;
  let signedOff: HistoryEvent | null = null;
  let effect: string | null = null;
  let reboundCount = 0;
  let heldCount = 0;
  let lastHeld: HistoryEvent | null = null;
  for (const e of events) {
    const data = DATA_KINDS.has(e.kind) ? parse(e.data) : {};
    if (e.kind === "created" || e.kind === "imported") {
      if ("kind" in data && typeof data.kind === "string") deadlineKind = data.kind as DeadlineKind;
      if ("deadline" in data) deadline = (data.deadline as string | null) ?? null;
      originalDeadline = deadline;
      firstSeen = true;
    } else if (e.kind === "extensionApproved" && typeof data.to === "string") {
      deadline = data.to;
    } else if (e.kind === "edited" && Array.isArray(data.changes)) {
      for (const c of data.changes) {
        if (c?.field === "deadline") deadline = isoFromCn(c.to);
        if (c?.field === "deadlineKind" && KIND_BY_LABEL[c.to]) deadlineKind = KIND_BY_LABEL[c.to];
      }
    }
    if (e.kind === "progress") {
      progressCount++;
      lastProgress = e;
    }
    if (e.kind === "signOff" || e.kind === "closedByOwner") effect = typeof data.effect === "string" ? data.effect : null;
    if (e.kind === "rebound" || e.kind === "recurred") reboundCount++;
    if (e.kind === "recheckHeld") {
      heldCount++;
      lastHeld = e;
    }
    if (e.toState) state = e.toState as State;
    if (e.toState === "done") signedOff = e;
    else if (e.toState) signedOff = null;
  }
  const latestProgress: TaskAsOf["latestProgress"] = lastProgress ? { day: dayIn(tz, new Date(lastProgress.at)), text: lastProgress.text } : null;
  const signedOffDay = signedOff ? dayIn(tz, new Date(signedOff.at)) : null;
  const signedOffBy = signedOff ? (signedOff.actorName ?? "") : null;
  if (!firstSeen) originalDeadline = deadline;
  if (deadlineKind === "ongoing") deadline = null;
  const overdue = state !== "done" && deadline ? Math.max(0, daysBetween(deadline, asOf)) : 0;
  const evidence = t.attachments.filter((a) => inDay(a.uploadedAt)).map((a) => a.originalName);
  return {
    id: t.id,
    problemId: t.problemId,
    title: t.title,
    goal: t.goal,
    measures: t.measures,
    unitId: t.unitId,
    unitName: t.unitName,
    coUnits: t.coUnits,
    leaderName: t.leaderName ?? "",
    ownerName: t.ownerName,
    linkedUnitId: t.linkedUnitId,
    state,
    deadlineKind,
    deadline,
    originalDeadline,
    extended: !!(originalDeadline && deadline && originalDeadline !== deadline),
    overdueDays: overdue,
    progressCount,
    latestProgress,
    signedOffDay,
    signedOffBy,
    evidence,
    effect: state === "done" ? effect : null,
    reboundCount,
    heldCount,
    lastHeldDay: lastHeld ? dayIn(tz, new Date(lastHeld.at)) : null,
    recheckDue: state === "done" ? (t.recheckDue ?? null) : null,
  };
}

/** 整改时限 in words: 2026年12月31日 / 立行立改（2026年11月30日前）/ 长期坚持. */
export function deadlineText(t: Pick<TaskAsOf, "deadlineKind" | "deadline">): string {
  if (t.deadlineKind === "ongoing" || !t.deadline) return "长期坚持";
  if (t.deadlineKind === "immediate") return `立行立改（${cnDate(t.deadline)}前）`;
  return cnDate(t.deadline);
}
