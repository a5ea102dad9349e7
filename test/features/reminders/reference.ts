// The reminder planner and its loader as they were before the fast path (commit 8d10647,
// server/features/reminders/{plan,send}.ts): every task loaded through drizzle, one pass per task,
// the weekly digest filtered leader by leader over all tasks. Slow (O(leaders × tasks)) but
// plainly right; plan-fast.test.ts holds the fast planner and loader to it.
import { asc, eq, gte } from "drizzle-orm";
import type { Db } from "../../../db/client.ts";
import { extensionRequests, reminderLog, tasks as tasksT, units, users as usersT } from "../../../db/schema.ts";
import { claimTimeOf } from "../../../server/features/reminders/send.ts";
import { addDays, daysBetween, dayIn } from "../../../server/lib/dates.ts";
import { DEFAULT_PLAN_SETTINGS, dedupeKey, leadDays, mondayOf, ownerStage, repeatingTrigger, type ItemKind, type LogEntry, type MailKind, type PlanSettings, type PlanTask, type PlanUser, type PlannedItem, type PlannedMail, type TaskLine, type WeeklyDigest } from "../../../server/features/reminders/plan.ts";

function words(daysLeft: number): string {
  if (daysLeft < 0) return `逾期${-daysLeft}天`;
  if (daysLeft === 0) return "今天到期";
  return `剩余${daysLeft}天`;
}

const inSubtree = (unitPath: string, rootPath: string) => unitPath.startsWith(rootPath);

/**
 * What to send today. Items already sent, or claimed by a run in progress, are left out; failed
 * ones come back (with their attempts) once their retry time has come. Mails are sorted by recipient, then kind.
 */
export function referencePlan(tasks: PlanTask[], users: PlanUser[], sentLog: LogEntry[], today: string, settings: PlanSettings): PlannedMail[] {
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
    if (e.status === "sent" || e.status === "bounced" || e.status === "expired") return null;
    if (e.status === "pending") {
      // a claim with no time, or older than staleClaimMinutes, was lost: taken again
      const claimed = e.claimedAt ? Date.parse(e.claimedAt) : NaN;
      if (!Number.isNaN(claimed) && nowMs - claimed < s.staleClaimMinutes * 60_000) return null;
      return e.attempts;
    }
    // failed: once its retry time has come
    if (e.retryAt && Date.parse(e.retryAt) > nowMs) return null;
    return e.attempts;
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

  const order: Record<MailKind, number> = { owner: 0, leader: 1, weekly: 2, delivery: 3 };
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

/** Every task, whole, through drizzle; in id order (the old loader had no order: the query plan's). */
export async function referenceLoad(db: Db, today: string): Promise<{ tasks: PlanTask[]; users: PlanUser[]; log: LogEntry[] }> {
  const rows = await db
    .select({ t: tasksT, unitName: units.name, unitPath: units.path, overseerId: units.overseerId })
    .from(tasksT)
    .innerJoin(units, eq(units.id, tasksT.unitId))
    .orderBy(asc(tasksT.id));
  const pending = new Map((await db.select().from(extensionRequests).where(eq(extensionRequests.status, "pending"))).map((e) => [e.taskId, e]));
  const planTasks: PlanTask[] = rows.map(({ t, unitName, unitPath, overseerId }) => {
    const e = pending.get(t.id);
    return {
      id: t.id,
      title: t.title,
      state: t.state,
      deadlineKind: t.deadlineKind,
      deadline: t.deadline,
      unitId: t.unitId,
      unitName,
      unitPath,
      ownerId: t.ownerId,
      leaderId: t.leaderId ?? overseerId ?? null,
      createdAt: t.createdAt,
      signedOffAt: t.signedOffAt,
      signoffRequestedAt: t.signoffRequestedAt,
      signoffRequestedBy: t.signoffRequestedBy,
      extension: e ? { requestedAt: e.requestedAt, requestedBy: e.requestedBy, newDeadline: e.newDeadline } : null,
    };
  });
  const planUsers: PlanUser[] = (
    await db
      .select({ u: usersT, unitName: units.name, unitPath: units.path })
      .from(usersT)
      .innerJoin(units, eq(units.id, usersT.unitId))
      .orderBy(asc(usersT.id))
  ).map(({ u, unitName, unitPath }) => ({ id: u.id, name: u.name, email: u.email, role: u.role, unitId: u.unitId, unitName, unitPath, active: u.active, remindEnabled: u.remindEnabled, remindDays: u.remindDays }));
  const log: LogEntry[] = (
    await db
      .select({ dedupeKey: reminderLog.dedupeKey, status: reminderLog.status, attempts: reminderLog.attempts, messageId: reminderLog.messageId, claimedAt: reminderLog.claimedAt, retryAt: reminderLog.retryAt, day: reminderLog.day })
      .from(reminderLog)
      .where(gte(reminderLog.day, addDays(today, -62)))
  ).map((r) => ({ dedupeKey: r.dedupeKey, status: r.status, attempts: r.attempts, claimedAt: r.claimedAt ?? claimTimeOf(r.messageId), retryAt: r.retryAt, messageId: r.messageId, day: r.day }));
  return { tasks: planTasks, users: planUsers, log };
}
