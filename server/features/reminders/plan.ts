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
//   回头看            to the 责任领导 (or the unit's 联系领导) of a signed-off task whose 回头看 is
//                     due: on its date, then weekly while it is not done (巩固 or 反弹).
//   weekly            Monday (caught up until Friday): each leader's unit and sub-units.
//   delivery          Monday (caught up until Friday): to each admin, the reminder mail that
//                     failed, bounced (退信) or was given up and no admin has acknowledged yet.
//
// A failed send is temporary (4xx, network): retried after retryDelayMs (15 min, 1 h, 4 h, then
// daily) for as long as its item is still planned, i.e. still relevant: the task open and its
// next stage not reached. A 退信 (5xx) is never retried. Items no longer planned are given up
// by the run (`relevant` collects every item planned today, sent or not).
// 长期坚持 tasks get no deadline mail. Deactivated users and users with reminders off get nothing.
import { addDays, daysBetween, dayIn } from "../../lib/dates.ts";
import type { Role } from "../auth/permissions.ts";

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
  /** a signed-off task's open 回头看 date, when it is due */
  recheckDue?: string | null;
};

export type PlanUser = {
  id: number;
  name: string;
  email: string;
  role: Role;
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
  status: "pending" | "sent" | "failed" | "bounced" | "expired";
  attempts: number;
  /** when the current attempt was claimed (ISO); a pending claim older than staleClaimMinutes was lost */
  claimedAt?: string | null;
  /** a failed item's next attempt (ISO); due at once when missing */
  retryAt?: string | null;
};

/** Reminder mail that went wrong and no admin has acknowledged, for the admins' weekly mail. */
export type DeliveryProblem = {
  status: "failed" | "bounced" | "expired";
  recipientName: string;
  address: string;
  kind: string;
  taskId: number | null;
  taskTitle: string | null;
  day: string;
  attempts: number;
  error: string | null;
  retryAt: string | null;
};

/**
 * An item's log entry → null when it must not be sent now (sent, 退信, given up, claimed by a run
 * in progress, or failed and waiting for its retry time); else the attempts made so far.
 */
export function dueAttempts(e: LogEntry | undefined, nowMs: number, staleClaimMs: number): number | null {
  if (!e) return 0;
  if (e.status === "pending") {
    const claimed = e.claimedAt ? Date.parse(e.claimedAt) : NaN;
    return !Number.isNaN(claimed) && nowMs - claimed < staleClaimMs ? null : e.attempts;
  }
  if (e.status === "failed") return e.retryAt && Date.parse(e.retryAt) > nowMs ? null : e.attempts;
  return null; // sent, bounced, expired
}

/** Waits between the attempts of a temporary failure: 15 min, 1 h, 4 h, then daily. */
export function retryDelayMs(attempts: number): number {
  return attempts <= 1 ? 15 * 60_000 : attempts === 2 ? 3600_000 : attempts === 3 ? 4 * 3600_000 : 24 * 3600_000;
}

export type PlanSettings = {
  timeZone: string;
  /** the moment of the run (ISO), for stale claims */
  now: string;
  nudgeAfterDays: number;
  repeatEveryDays: number;
  /** a pending claim older than this was left by a run that died (the longest a send can take) */
  staleClaimMinutes: number;
  /** weekly digests are caught up until this many days after Monday (4 = Friday) */
  weeklyCatchUpDays: number;
};

export const DEFAULT_PLAN_SETTINGS: Omit<PlanSettings, "timeZone" | "now"> = {
  nudgeAfterDays: 3,
  repeatEveryDays: 7,
  staleClaimMinutes: 15,
  weeklyCatchUpDays: 4,
};

export type ItemKind = "due" | "overdue" | "escalate" | "nudge-signoff" | "nudge-extension" | "recheck" | "weekly" | "delivery";
export type MailKind = "owner" | "leader" | "weekly" | "delivery";

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
  /** kind "delivery": the problems listed */
  problems?: DeliveryProblem[];
};

export function dedupeKey(taskId: number | null, recipientId: number, kind: string, day: string): string {
  return `${taskId ?? "-"}:${recipientId}:${kind}:${day}`;
}

export function mailKindOf(itemKind: string): MailKind {
  if (itemKind.startsWith("due") || itemKind === "overdue") return "owner";
  if (itemKind === "weekly") return "weekly";
  if (itemKind === "delivery") return "delivery";
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

// days left → 剩余3天 / 今天到期 / 逾期2天 (a few hundred distinct values)
const wordsOf = new Map<number, string>();
function words(daysLeft: number): string {
  let w = wordsOf.get(daysLeft);
  if (w === undefined) wordsOf.set(daysLeft, (w = daysLeft < 0 ? `逾期${-daysLeft}天` : daysLeft === 0 ? "今天到期" : `剩余${daysLeft}天`));
  return w;
}

/**
 * Signed-off tasks left out of `tasks` by the loader, counted by unit: they show in no mail's
 * line (neither created nor signed off in the digest's week), only in a weekly digest's counts.
 */
export type ClosedTally = { unitPath: string; total: number; withEnd: number };

// Calendar days as numbers (days since 1970-01-01), each distinct day string parsed once:
// daysBetween(a, b) === num(b) − num(a), addDays(d, n) === str(num(d) + n).
function dayNumbers() {
  const nums = new Map<string, number>();
  const strs = new Map<number, string>();
  return {
    num(day: string): number {
      let n = nums.get(day);
      if (n === undefined) nums.set(day, (n = daysBetween("1970-01-01", day)));
      return n;
    },
    str(n: number): string {
      let d = strs.get(n);
      if (d === undefined) strs.set(n, (d = addDays("1970-01-01", n)));
      return d;
    },
  };
}

/** first, first+every, …: the latest of these on or before today (repeatingTrigger on day numbers) */
const latestOf = (first: number, today: number, every: number) => first + Math.floor((today - first) / every) * every;

// an ISO moment in UTC ('2026-11-23T02:00:00.000Z'): its day in any time zone is within a day of its UTC day
const UTC_MOMENT = /^\d{4}-\d{2}-\d{2}T[^]*Z$/;

/**
 * What to send today. Items already sent, bounced or given up, or claimed by a run in progress,
 * are left out; failed ones come back (with their attempts) once their retry time has come.
 * Mails are sorted by recipient, then kind.
 * `closed`: signed-off tasks not in `tasks`, counted by unit (see ClosedTally); [] when `tasks` has them all.
 * `extra.relevant` receives the key of every item due today, whatever the log says of it;
 * `extra.problems` (not acknowledged) go to the admins on Monday.
 */
export function plan(tasks: PlanTask[], users: PlanUser[], sentLog: LogEntry[], today: string, settings: PlanSettings, closed: ClosedTally[] = [], extra: PlanExtra = {}): PlannedMail[] {
  const p = planner(users, sentLog, today, settings, extra);
  p.add(tasks);
  return p.finish(closed);
}

export type PlanExtra = { relevant?: Set<string>; problems?: DeliveryProblem[] };

/**
 * plan() a part at a time: add() the tasks in parts (in the order plan() would take them whole),
 * then finish() once; the same mails as plan() over all of them. The loader plans each range of
 * tasks while the next is read.
 */
export type Planner = { add(tasks: PlanTask[]): void; finish(closed?: ClosedTally[]): PlannedMail[] };

export function planner(users: PlanUser[], sentLog: LogEntry[], today: string, settings: PlanSettings, extra: PlanExtra = {}): Planner {
  const s = { ...DEFAULT_PLAN_SETTINGS, ...settings };
  const log = new Map(sentLog.map((e) => [e.dedupeKey, e]));
  const nowMs = Date.parse(s.now);
  const byId = new Map(users.map((u) => [u.id, u]));
  // the users a mail can reach, asked about two or three times a task
  const reach = new Map<number, PlanUser>();
  for (const u of byId.values()) if (u.active && u.remindEnabled && u.email) reach.set(u.id, u);
  const reachable = (id: number | null | undefined): PlanUser | null => (id == null ? null : (reach.get(id) ?? null));
  const nameOf = (id: number | null) => (id == null ? "" : (byId.get(id)?.name ?? ""));
  // formatting a moment in a time zone is dear: each moment once
  const days = new Map<string, string>();
  const localDay = (iso: string) => {
    let d = days.get(iso);
    if (d === undefined) days.set(iso, (d = dayIn(s.timeZone, new Date(iso))));
    return d;
  };
  const D = dayNumbers();
  const todayN = D.num(today);
  const leads = new Map<string, number[]>();
  const leadOf = (u: PlanUser) => {
    let l = leads.get(u.remindDays);
    if (l === undefined) leads.set(u.remindDays, (l = leadDays(u.remindDays)));
    return l;
  };

  /** null when the item must not be sent now; else its attempts so far */
  const due = (key: string): number | null => dueAttempts(log.get(key), nowMs, s.staleClaimMinutes * 60_000);

  const mails: Record<MailKind, Map<number, PlannedMail>> = { owner: new Map(), leader: new Map(), weekly: new Map(), delivery: new Map() };
  /** an item for u; with a task, its line too (made only when the item goes out), `daysLeft` to its deadline (0 without one) */
  const add = (kind: MailKind, u: PlanUser, taskId: number | null, itemKind: string, day: string, t: PlanTask | null, daysLeft: number, reason: ItemKind, waitedDays?: number): PlannedMail | null => {
    const key = dedupeKey(taskId, u.id, itemKind, day);
    extra.relevant?.add(key);
    const attempts = due(key);
    if (attempts === null) return null;
    let m = mails[kind].get(u.id);
    if (!m) mails[kind].set(u.id, (m = { kind, recipient: { id: u.id, name: u.name, email: u.email }, items: [], lines: [] }));
    m.items.push({ taskId, kind: itemKind, day, dedupeKey: key, attempts });
    if (t) {
      const line: TaskLine = { key, taskId: t.id, title: t.title, deadline: t.deadline, daysLeft, words: t.deadline ? words(daysLeft) : "长期坚持", state: t.state, unitName: t.unitName, ownerName: nameOf(t.ownerId), reason };
      if (waitedDays !== undefined) line.waitedDays = waitedDays;
      if (reason === "nudge-extension") line.newDeadline = t.extension!.newDeadline;
      m.lines.push(line);
    }
    return m;
  };

  const planTask = (t: PlanTask) => {
    const daysLeft = t.deadline ? D.num(t.deadline) - todayN : 0;
    if (t.state === "done") {
      // 回头看: on its date, then every repeatEveryDays while still open
      const leader = t.recheckDue && t.recheckDue <= today ? reachable(t.leaderId) : null;
      if (leader) {
        const dueN = D.num(t.recheckDue!);
        const m = add("leader", leader, t.id, "recheck", D.str(latestOf(dueN, todayN, s.repeatEveryDays)), t, daysLeft, "recheck");
        const line = m?.lines[m.lines.length - 1];
        if (line?.taskId === t.id && line.reason === "recheck") Object.assign(line, { deadline: t.recheckDue, daysLeft: dueN - todayN, words: dueN === todayN ? "今天回头看" : `回头看逾期${todayN - dueN}天` });
      }
      return;
    }
    const hasEnd = t.deadlineKind !== "ongoing" && !!t.deadline;
    const left = hasEnd ? daysLeft : NaN;
    const deadlineN = todayN + daysLeft; // (with an end)

    // 责任人: deadline mail (not for 长期坚持, nor once sign-off is asked for); as ownerStage()
    const owner = reachable(t.ownerId);
    if (owner && hasEnd && (t.state === "todo" || t.state === "doing")) {
      let kind: string | null = null;
      let day = "";
      let reason: ItemKind = "due";
      if (left > 0) {
        // the latest lead day already reached: the smallest L with L >= left
        let l = Infinity;
        for (const x of leadOf(owner)) if (x >= left && x < l) l = x;
        if (l !== Infinity) {
          kind = `due-${l}`;
          day = D.str(deadlineN - l);
        }
      } else if (left === 0) {
        kind = "due-0";
        day = t.deadline!;
      } else {
        kind = "overdue";
        reason = "overdue";
        const first = deadlineN + 1;
        day = D.str(latestOf(first, todayN, 7));
      }
      if (kind) add("owner", owner, t.id, kind, day, t, daysLeft, reason);
    }

    const leader = reachable(t.leaderId);
    if (!leader) return;
    // 责任领导: escalation on the first overdue day, then weekly
    if (hasEnd && -left >= 1 && leader.id !== t.ownerId) {
      const day = D.str(latestOf(deadlineN + 1, todayN, s.repeatEveryDays));
      add("leader", leader, t.id, "escalate", day, t, daysLeft, "escalate");
    }
    // nudge: a sign-off request that has waited
    if (t.state === "review" && t.signoffRequestedAt && t.signoffRequestedBy !== leader.id) {
      const asked = D.num(localDay(t.signoffRequestedAt));
      const waited = todayN - asked;
      if (waited >= s.nudgeAfterDays) {
        const day = D.str(latestOf(asked + s.nudgeAfterDays, todayN, s.repeatEveryDays));
        add("leader", leader, t.id, "nudge-signoff", day, t, daysLeft, "nudge-signoff", waited);
      }
    }
    // nudge: a 延期申请 that has waited
    if (t.extension && t.extension.requestedBy !== leader.id) {
      const asked = D.num(localDay(t.extension.requestedAt));
      const waited = todayN - asked;
      if (waited >= s.nudgeAfterDays) {
        const day = D.str(latestOf(asked + s.nudgeAfterDays, todayN, s.repeatEveryDays));
        add("leader", leader, t.id, "nudge-extension", day, t, daysLeft, "nudge-extension", waited);
      }
    }
  };

  // weekly digest, Monday (caught up until Friday), to each leader for their unit and sub-units
  const monday = mondayOf(today);
  const weekly = D.num(today) - D.num(monday) <= s.weeklyCatchUpDays;
  const digests = weekly ? weeklyDigests(users.filter((u) => u.role === "leader" && reachable(u.id)).map((u) => u.unitPath), monday, today, localDay, nameOf) : null;

  return {
    add(tasks) {
      for (const t of tasks) planTask(t);
      digests?.add(tasks);
    },
    finish(closed = []) {
      if (digests) {
        const digestOf = digests.finish(closed);
        for (const u of users) {
          if (u.role !== "leader" || !reachable(u.id)) continue;
          const digest = digestOf(u);
          if (digest.total === 0) continue;
          const m = add("weekly", u, null, "weekly", monday, null, 0, "weekly");
          if (m) m.digest = digest;
        }
      }
      if (weekly && extra.problems?.length) {
        for (const u of users) {
          if (u.role !== "admin" || !reachable(u.id)) continue;
          const m = add("delivery", u, null, "delivery", monday, null, 0, "delivery");
          if (m) m.problems = extra.problems;
        }
      }

      const order: Record<MailKind, number> = { owner: 0, leader: 1, weekly: 2, delivery: 3 };
      const out = [...mails.owner.values(), ...mails.leader.values(), ...mails.weekly.values(), ...mails.delivery.values()];
      for (const m of out) sortLines(m.lines);
      return out.sort((a, b) => a.recipient.id - b.recipient.id || order[a.kind] - order[b.kind]);
    },
  };
}

const byDaysLeft = (a: TaskLine, b: TaskLine) => a.daysLeft - b.daysLeft || a.taskId - b.taskId;

/**
 * Sorts lines in byDaysLeft order (stable). Lines in task order (as the tasks come from the
 * loader, in id order) are put in that order by days left alone, a day at a time, keeping their
 * order within a day: no line is compared with another (the leaders' mails have 100,000s).
 */
export function sortLines(lines: TaskLine[]): void {
  let inTaskOrder = lines.length >= 64;
  for (let i = 1; inTaskOrder && i < lines.length; i++) if (lines[i].taskId < lines[i - 1].taskId) inTaskOrder = false;
  if (!inTaskOrder) {
    lines.sort(byDaysLeft);
    return;
  }
  const byDay = new Map<number, TaskLine[]>();
  for (const l of lines) {
    const day = byDay.get(l.daysLeft);
    if (day) day.push(l);
    else byDay.set(l.daysLeft, [l]);
  }
  let k = 0;
  for (const d of [...byDay.keys()].sort((a, b) => a - b)) for (const l of byDay.get(d)!) lines[k++] = l;
}

type DigestList = "created" | "signedOff" | "overdue" | "dueThisWeek";
const DIGEST_LISTS: DigestList[] = ["created", "signedOff", "overdue", "dueThisWeek"];
/** What a leader's unit and its sub-units bring to their digest. */
type Subtree = { total: number; withEnd: number; done: number } & Record<DigestList, TaskLine[]>;
/** What one unit's own tasks bring, and the subtrees asked for that it is in. */
type UnitPart = { total: number; withEnd: number; done: number; subtrees: Subtree[] };

/**
 * The weekly digests of the leaders whose unit paths are `roots`: every task is looked at once
 * (add, part after part), counted into its unit's part, its lines kept as they come. finish()
 * puts each list's lines in byDaysLeft order once, all units together (a day at a time; within
 * a day in task order, as the loader gives the tasks), and deals them to the subtrees their unit
 * is in (its path starts with the root's), which so get them in that order without comparing
 * any. Lines are shared between digests (nothing changes them).
 */
function weeklyDigests(roots: Iterable<string>, monday: string, today: string, localDay: (iso: string) => string, nameOf: (id: number | null) => string): { add(tasks: PlanTask[]): void; finish(closed: ClosedTally[]): (u: PlanUser) => WeeklyDigest } {
  const from = addDays(monday, -7);
  const to = addDays(monday, -1);
  const sunday = addDays(monday, 6);
  const D = dayNumbers();
  const todayN = D.num(today);
  // a moment in UTC further than a day outside [from, to] falls outside it in every time zone
  const lo = addDays(from, -1);
  const hi = addDays(to, 1);
  const within = (iso: string | null): boolean => {
    if (!iso) return false;
    if (UTC_MOMENT.test(iso)) {
      const utcDay = iso.slice(0, 10);
      if (utcDay < lo || utcDay > hi) return false;
    }
    const d = localDay(iso);
    return d >= from && d <= to;
  };
  const lineOf = (t: PlanTask): TaskLine => {
    const daysLeft = t.deadline ? D.num(t.deadline) - todayN : 0;
    return { key: "", taskId: t.id, title: t.title, deadline: t.deadline, daysLeft, words: t.state === "done" ? "已销号" : t.deadline ? words(daysLeft) : "长期坚持", state: t.state, unitName: t.unitName, ownerName: nameOf(t.ownerId), reason: "weekly" };
  };

  const parts = new Map<string, UnitPart>();
  const partOf = (path: string) => {
    let p = parts.get(path);
    if (!p) parts.set(path, (p = { total: 0, withEnd: 0, done: 0, subtrees: [] }));
    return p;
  };
  // each list's lines as they came, and the part of each
  const came = Object.fromEntries(DIGEST_LISTS.map((k) => [k, { lines: [] as TaskLine[], parts: [] as UnitPart[] }])) as Record<DigestList, { lines: TaskLine[]; parts: UnitPart[] }>;
  const keep = (k: DigestList, line: TaskLine, p: UnitPart) => {
    came[k].lines.push(line);
    came[k].parts.push(p);
    return line;
  };
  const add = (tasks: PlanTask[]) => {
    for (const t of tasks) {
      const p = partOf(t.unitPath);
      p.total++;
      if (t.deadlineKind !== "ongoing") {
        p.withEnd++;
        if (t.state === "done") p.done++;
      }
      let line: TaskLine | null = null;
      if (within(t.createdAt)) line = keep("created", lineOf(t), p);
      if (t.state === "done") {
        if (within(t.signedOffAt)) keep("signedOff", (line ??= lineOf(t)), p);
      } else if (t.deadline) {
        if (t.deadline < today) keep("overdue", (line ??= lineOf(t)), p);
        else if (t.deadline <= sunday) keep("dueThisWeek", (line ??= lineOf(t)), p);
      }
    }
  };

  const subtrees = new Map<string, Subtree>();
  for (const root of roots) if (!subtrees.has(root)) subtrees.set(root, { total: 0, withEnd: 0, done: 0, created: [], signedOff: [], overdue: [], dueThisWeek: [] });
  const finish = (closed: ClosedTally[]) => {
    for (const c of closed) {
      const p = partOf(c.unitPath);
      p.total += c.total;
      p.withEnd += c.withEnd;
      p.done += c.withEnd;
    }
    for (const [path, p] of parts) {
      for (let n = 0; n <= path.length; n++) {
        const s = subtrees.get(path.slice(0, n));
        if (s) p.subtrees.push(s);
      }
      for (const s of p.subtrees) {
        s.total += p.total;
        s.withEnd += p.withEnd;
        s.done += p.done;
      }
    }
    for (const k of DIGEST_LISTS) {
      const { lines, parts: partOfLine } = came[k];
      const byDay = new Map<number, number[]>();
      for (let i = 0; i < lines.length; i++) {
        const day = byDay.get(lines[i].daysLeft);
        if (day) day.push(i);
        else byDay.set(lines[i].daysLeft, [i]);
      }
      for (const d of [...byDay.keys()].sort((a, b) => a - b)) {
        const day = byDay.get(d)!;
        if (!day.every((i, n) => n === 0 || lines[day[n - 1]].taskId <= lines[i].taskId)) day.sort((a, b) => lines[a].taskId - lines[b].taskId || a - b);
        for (const i of day) for (const s of partOfLine[i].subtrees) s[k].push(lines[i]);
      }
    }
  };

  const none: Subtree = { total: 0, withEnd: 0, done: 0, created: [], signedOff: [], overdue: [], dueThisWeek: [] };
  /** a leader's digest (one whose unit path is not among `roots` has none: total 0) */
  const digestOf = (u: PlanUser): WeeklyDigest => {
    const p = subtrees.get(u.unitPath) ?? none;
    return {
      unitId: u.unitId,
      unitName: u.unitName,
      monday,
      sunday,
      from,
      to,
      total: p.total,
      withEnd: p.withEnd,
      done: p.done,
      completionRate: p.withEnd ? Math.round((p.done / p.withEnd) * 100) : null,
      created: [...p.created],
      signedOff: [...p.signedOff],
      overdue: [...p.overdue],
      dueThisWeek: [...p.dueThisWeek],
    };
  };
  return {
    add,
    finish(closed) {
      finish(closed);
      return digestOf;
    },
  };
}
