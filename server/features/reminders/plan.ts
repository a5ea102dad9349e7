// Reminder planning, pure: tasks + users + the sent log + today → the mails to send today.
//
// Every reminder is an *item* (task, recipient, kind, trigger day). Its dedupe key
// `${taskId ?? "-"}:${recipientId}:${kind}:${triggerDay}` is what the reminder_log's unique index
// holds, so an item is sent once. The trigger day is the day the reminder became due (for
// "3 days left" on a task due 2026-11-26, that is 2026-11-23), not the day of the run: a run
// that catches up a missed day uses the same key as the missed run would have, and a later run
// sends nothing twice.
//
// A task is always in exactly one *stage* (7 days left, 3 days left, 1 day left, due today,
// overdue week 1, week 2, …). Only the current stage is planned, and its words are computed for
// today, so a missed "3 days left" is caught up as "剩余2天" the next day and never sent stale
// once the task has reached its next stage.
//
//   owner (责任人)    one mail per run: their open tasks entering a lead day (the user's own
//                     remindDays, e.g. 7,3,1), due today, or overdue (first day, then weekly).
//   leader (责任领导) one mail per run: escalation of overdue tasks (first overdue day, then
//                     weekly), and a nudge when a sign-off request or a 延期申请 has waited
//                     `nudgeAfterDays` (then weekly while it still waits).
//   weekly            Monday (caught up until Friday): each leader's unit and sub-units.
// 长期坚持 tasks get no deadline mail. Deactivated users and users with reminders off get nothing.
import { addDays, daysBetween, dayIn } from "../../lib/dates.ts";

export type PlanTask = {
  id: number;
  title: string;
  state: "todo" | "doing" | "review" | "done";
  deadlineKind: "immediate" | "dated" | "ongoing";
  deadline: string | null;
  unitId: number;
  unitName: string;
  /** '/1/4/' */
  unitPath: string;
  ownerId: number;
  /** 责任领导, or else the unit's 联系领导 */
  leaderId: number | null;
  createdAt: string;
  signedOffAt: string | null;
  signoffRequestedAt: string | null;
  signoffRequestedBy: number | null;
  /** the pending 延期申请, if any */
  extension: { requestedAt: string; requestedBy: number; newDeadline: string } | null;
};

export type PlanUser = {
  id: number;
  name: string;
  email: string;
  role: "admin" | "leader" | "staff";
  unitId: number;
  unitName: string;
  unitPath: string;
  active: boolean;
  remindEnabled: boolean;
  /** "7,3,1" */
  remindDays: string;
};

export type LogEntry = {
  dedupeKey: string;
  status: "pending" | "sent" | "failed";
  attempts: number;
  /** when the current attempt was claimed (ISO); a pending claim older than staleClaimMinutes was lost */
  claimedAt?: string | null;
};

export type PlanSettings = {
  timeZone: string;
  /** the moment of the run (ISO), for stale claims */
  now: string;
  nudgeAfterDays: number;
  repeatEveryDays: number;
  maxAttempts: number;
  staleClaimMinutes: number;
  /** weekly digests are caught up until this many days after Monday (4 = Friday) */
  weeklyCatchUpDays: number;
};

export const DEFAULT_PLAN_SETTINGS: Omit<PlanSettings, "timeZone" | "now"> = {
  nudgeAfterDays: 3,
  repeatEveryDays: 7,
  maxAttempts: 5,
  staleClaimMinutes: 15,
  weeklyCatchUpDays: 4,
};

export type ItemKind = "due" | "overdue" | "escalate" | "nudge-signoff" | "nudge-extension" | "weekly";
export type MailKind = "owner" | "leader" | "weekly";

export type PlannedItem = {
  taskId: number | null;
  /** e.g. "due-3", "due-0", "overdue", "escalate", "nudge-signoff", "nudge-extension", "weekly" */
  kind: string;
  /** the day the reminder became due */
  day: string;
  dedupeKey: string;
  /** attempts already made (a retry of a failed send when > 0) */
  attempts: number;
};

/** One line of an owner's or a leader's mail. */
export type TaskLine = {
  /** the dedupe key of the item this line belongs to ("" in a weekly digest) */
  key: string;
  taskId: number;
  title: string;
  deadline: string | null;
  /** days to the deadline: negative when overdue */
  daysLeft: number;
  /** 剩余3天 / 今天到期 / 逾期2天 */
  words: string;
  state: PlanTask["state"];
  unitName: string;
  ownerName: string;
  /** why this line is in the mail */
  reason: ItemKind;
  /** for nudges: how many days the request has waited, and the requested new deadline */
  waitedDays?: number;
  newDeadline?: string;
};

export type WeeklyDigest = {
  unitId: number;
  unitName: string;
  monday: string;
  sunday: string;
  /** the week reported: the 7 days before Monday */
  from: string;
  to: string;
  total: number;
  /** tasks with an end (长期坚持 left out): the base of the completion rate */
  withEnd: number;
  done: number;
  /** 0–100, signed off / all tasks with an end (长期坚持 left out); null with no such task */
  completionRate: number | null;
  created: TaskLine[];
  signedOff: TaskLine[];
  overdue: TaskLine[];
  dueThisWeek: TaskLine[];
};

export type PlannedMail = {
  kind: MailKind;
  recipient: Pick<PlanUser, "id" | "name" | "email">;
  items: PlannedItem[];
  lines: TaskLine[];
  digest?: WeeklyDigest;
};

export function dedupeKey(taskId: number | null, recipientId: number, kind: string, day: string): string {
  return `${taskId ?? "-"}:${recipientId}:${kind}:${day}`;
}

export function mailKindOf(itemKind: string): MailKind {
  if (itemKind.startsWith("due") || itemKind === "overdue") return "owner";
  if (itemKind === "weekly") return "weekly";
  return "leader";
}

/** "7,3,1" → [7, 3, 1] (positive whole days, largest first); nonsense → the default. */
export function leadDays(s: string): number[] {
  const days = [...new Set(String(s ?? "").split(/[,，、\s]+/).filter(Boolean).map(Number))].filter((d) => Number.isInteger(d) && d > 0 && d <= 60);
  if (!days.length && !/^\s*0\s*$/.test(String(s ?? ""))) return [7, 3, 1];
  return days.sort((a, b) => b - a);
}

/** The current stage of a task's deadline for its owner, or null when no reminder is due. */
export function ownerStage(deadline: string, today: string, lead: number[]): { kind: string; day: string; reason: ItemKind } | null {
  const left = daysBetween(today, deadline);
  if (left > 0) {
    // the latest lead day already reached: the smallest L with L >= left
    const reached = lead.filter((l) => l >= left);
    if (!reached.length) return null;
    const l = Math.min(...reached);
    return { kind: `due-${l}`, day: addDays(deadline, -l), reason: "due" };
  }
  if (left === 0) return { kind: "due-0", day: deadline, reason: "due" };
  return { kind: "overdue", day: repeatingTrigger(addDays(deadline, 1), today, 7), reason: "overdue" };
}

/** first, first+every, first+2·every, …: the latest of these on or before today */
export function repeatingTrigger(first: string, today: string, every: number): string {
  const n = daysBetween(first, today);
  return addDays(first, Math.floor(n / every) * every);
}

/** Monday of the week of `day` (ISO weeks: Monday first). */
export function mondayOf(day: string): string {
  const dow = new Date(day + "T00:00:00Z").getUTCDay(); // 0 Sunday
  return addDays(day, -((dow + 6) % 7));
}

function words(daysLeft: number): string {
  if (daysLeft < 0) return `逾期${-daysLeft}天`;
  if (daysLeft === 0) return "今天到期";
  return `剩余${daysLeft}天`;
}

const inSubtree = (unitPath: string, rootPath: string) => unitPath.startsWith(rootPath);

/**
 * What to send today. Items already sent, or claimed by a run in progress, are left out; failed
 * ones come back (with their attempts) until maxAttempts. Mails are sorted by recipient, then kind.
 */
export function plan(tasks: PlanTask[], users: PlanUser[], sentLog: LogEntry[], today: string, settings: PlanSettings): PlannedMail[] {
  const s = { ...DEFAULT_PLAN_SETTINGS, ...settings };
  const log = new Map(sentLog.map((e) => [e.dedupeKey, e]));
  const nowMs = Date.parse(s.now);
  const byId = new Map(users.map((u) => [u.id, u]));
  const reachable = (id: number | null | undefined): PlanUser | null => {
    const u = id == null ? undefined : byId.get(id);
    return u && u.active && u.remindEnabled && u.email ? u : null;
  };
  const nameOf = (id: number | null) => (id == null ? "" : (byId.get(id)?.name ?? ""));
  // the same moments are asked about once per leader whose digest they fall in: remember them
  const days = new Map<string, string>();
  const localDay = (iso: string) => {
    let d = days.get(iso);
    if (d === undefined) days.set(iso, (d = dayIn(s.timeZone, new Date(iso))));
    return d;
  };

  /** null when the item must not be sent now; else its attempts so far */
  const due = (key: string): number | null => {
    const e = log.get(key);
    if (!e) return 0;
    if (e.status === "sent") return null;
    if (e.status === "pending") {
      const claimed = e.claimedAt ? Date.parse(e.claimedAt) : NaN;
      if (Number.isNaN(claimed) || nowMs - claimed < s.staleClaimMinutes * 60_000) return null;
    }
    return e.attempts < s.maxAttempts ? e.attempts : null;
  };

  const mails = new Map<string, PlannedMail>();
  const add = (kind: MailKind, u: PlanUser, item: Omit<PlannedItem, "dedupeKey" | "attempts">, line: TaskLine | null): boolean => {
    const key = dedupeKey(item.taskId, u.id, item.kind, item.day);
    const attempts = due(key);
    if (attempts === null) return false;
    const id = `${u.id}:${kind}`;
    let m = mails.get(id);
    if (!m) mails.set(id, (m = { kind, recipient: { id: u.id, name: u.name, email: u.email }, items: [], lines: [] }));
    m.items.push({ ...item, dedupeKey: key, attempts });
    if (line) m.lines.push({ ...line, key });
    return true;
  };

  const lineOf = (t: PlanTask, reason: ItemKind, extra: Partial<TaskLine> = {}): TaskLine => {
    const daysLeft = t.deadline ? daysBetween(today, t.deadline) : 0;
    return { key: "", taskId: t.id, title: t.title, deadline: t.deadline, daysLeft, words: t.deadline ? words(daysLeft) : "长期坚持", state: t.state, unitName: t.unitName, ownerName: nameOf(t.ownerId), reason, ...extra };
  };

  for (const t of tasks) {
    if (t.state === "done") continue;
    const hasEnd = t.deadlineKind !== "ongoing" && !!t.deadline;

    // 责任人: deadline mail (not for 长期坚持, nor once sign-off is asked for)
    const owner = reachable(t.ownerId);
    if (owner && hasEnd && (t.state === "todo" || t.state === "doing")) {
      const st = ownerStage(t.deadline!, today, leadDays(owner.remindDays));
      if (st) add("owner", owner, { taskId: t.id, kind: st.kind, day: st.day }, lineOf(t, st.reason));
    }

    const leader = reachable(t.leaderId);
    if (!leader) continue;
    // 责任领导: escalation on the first overdue day, then weekly
    if (hasEnd && daysBetween(t.deadline!, today) >= 1 && leader.id !== t.ownerId) {
      const day = repeatingTrigger(addDays(t.deadline!, 1), today, s.repeatEveryDays);
      add("leader", leader, { taskId: t.id, kind: "escalate", day }, lineOf(t, "escalate"));
    }
    // nudge: a sign-off request that has waited
    if (t.state === "review" && t.signoffRequestedAt && t.signoffRequestedBy !== leader.id) {
      const asked = localDay(t.signoffRequestedAt);
      const waited = daysBetween(asked, today);
      if (waited >= s.nudgeAfterDays) {
        const day = repeatingTrigger(addDays(asked, s.nudgeAfterDays), today, s.repeatEveryDays);
        add("leader", leader, { taskId: t.id, kind: "nudge-signoff", day }, lineOf(t, "nudge-signoff", { waitedDays: waited }));
      }
    }
    // nudge: a 延期申请 that has waited
    if (t.extension && t.extension.requestedBy !== leader.id) {
      const asked = localDay(t.extension.requestedAt);
      const waited = daysBetween(asked, today);
      if (waited >= s.nudgeAfterDays) {
        const day = repeatingTrigger(addDays(asked, s.nudgeAfterDays), today, s.repeatEveryDays);
        add("leader", leader, { taskId: t.id, kind: "nudge-extension", day }, lineOf(t, "nudge-extension", { waitedDays: waited, newDeadline: t.extension.newDeadline }));
      }
    }
  }

  // weekly digest, Monday (caught up until Friday), to each leader for their unit and sub-units
  const monday = mondayOf(today);
  if (daysBetween(monday, today) <= s.weeklyCatchUpDays) {
    // tasks by unit path, so a leader's subtree is found among the units, not among all tasks
    const byPath = new Map<string, PlanTask[]>();
    for (const t of tasks) {
      const list = byPath.get(t.unitPath);
      if (list) list.push(t);
      else byPath.set(t.unitPath, [t]);
    }
    const paths = [...byPath.keys()];
    for (const u of users) {
      if (u.role !== "leader" || !reachable(u.id)) continue;
      const mine = paths.filter((p) => inSubtree(p, u.unitPath)).flatMap((p) => byPath.get(p)!);
      const digest = weeklyDigest(mine, u, monday, today, localDay, nameOf);
      if (digest.total === 0) continue;
      const ok = add("weekly", u, { taskId: null, kind: "weekly", day: monday }, null);
      if (ok) mails.get(`${u.id}:weekly`)!.digest = digest;
    }
  }

  const order: Record<MailKind, number> = { owner: 0, leader: 1, weekly: 2 };
  return [...mails.values()]
    .map((m) => ({ ...m, lines: sortLines(m.lines) }))
    .sort((a, b) => a.recipient.id - b.recipient.id || order[a.kind] - order[b.kind]);
}

function sortLines(lines: TaskLine[]): TaskLine[] {
  return [...lines].sort((a, b) => a.daysLeft - b.daysLeft || a.taskId - b.taskId);
}

function weeklyDigest(tasks: PlanTask[], u: PlanUser, monday: string, today: string, localDay: (iso: string) => string, nameOf: (id: number | null) => string): WeeklyDigest {
  const from = addDays(monday, -7);
  const to = addDays(monday, -1);
  const sunday = addDays(monday, 6);
  const line = (t: PlanTask): TaskLine => {
    const daysLeft = t.deadline ? daysBetween(today, t.deadline) : 0;
    return { key: "", taskId: t.id, title: t.title, deadline: t.deadline, daysLeft, words: t.state === "done" ? "已销号" : t.deadline ? words(daysLeft) : "长期坚持", state: t.state, unitName: t.unitName, ownerName: nameOf(t.ownerId), reason: "weekly" };
  };
  const within = (iso: string | null) => !!iso && localDay(iso) >= from && localDay(iso) <= to;
  const withEnd = tasks.filter((t) => t.deadlineKind !== "ongoing");
  const done = withEnd.filter((t) => t.state === "done").length;
  return {
    unitId: u.unitId,
    unitName: u.unitName,
    monday,
    sunday,
    from,
    to,
    total: tasks.length,
    withEnd: withEnd.length,
    done,
    completionRate: withEnd.length ? Math.round((done / withEnd.length) * 100) : null,
    created: sortLines(tasks.filter((t) => within(t.createdAt)).map(line)),
    signedOff: sortLines(tasks.filter((t) => t.state === "done" && within(t.signedOffAt)).map(line)),
    overdue: sortLines(tasks.filter((t) => t.state !== "done" && t.deadline && t.deadline < today).map(line)),
    dueThisWeek: sortLines(tasks.filter((t) => t.state !== "done" && t.deadline && t.deadline >= today && t.deadline <= sunday).map(line)),
  };
}
