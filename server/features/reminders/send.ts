// One reminder run: load → plan (pure) → for each mail: claim its items in one IMMEDIATE
// transaction (insert into reminder_log, whose unique dedupe key lets only one run have an
// item), render, deliver outside any transaction, then record sent or failed with the reason.
// A second run, or another process at the same moment, finds the items claimed and sends
// nothing twice. Failures come back in later runs (plan keeps them) until the attempts cap.
import { Eta } from "eta";
import { aliasedTable, and, desc, eq, inArray, sql } from "drizzle-orm";
import { randomBytes } from "node:crypto";
import type { Db } from "../../../db/client.ts";
import { columnsOf, perDb, tx } from "../../../db/client.ts";
import { reminderLog, tasks, units, users } from "../../../db/schema.ts";
import type { Config } from "../../config.ts";
import { addDays, cnDate, dayIn } from "../../lib/dates.ts";
import { ConflictError, NotFoundError, ValidationError } from "../../lib/errors.ts";
import { STATE_LABEL, type State } from "../tasks/workflow.ts";
import { viewsDir } from "../../plugins/views.ts";
import type { Mailer, OutgoingMail } from "./mailer.ts";
import { DEFAULT_PLAN_SETTINGS, mailKindOf, mondayOf, plan, type ClosedTally, type LogEntry, type PlanSettings, type PlanTask, type PlanUser, type PlannedMail } from "./plan.ts";

// HTML bodies escape everything; the plain-text bodies are not HTML, so they are not escaped.
const htmlEta = new Eta({ views: viewsDir, cache: true, autoEscape: true, autoTrim: [false, "nl"] });
const textEta = new Eta({ views: viewsDir, cache: true, autoEscape: false, autoTrim: false });
const helpers = { cnDate, stateLabel: (s: State) => STATE_LABEL[s] ?? s };

export const KIND_LABEL: Record<string, string> = {
  "due-0": "今天到期",
  overdue: "逾期提醒",
  escalate: "逾期督办",
  "nudge-signoff": "销号申请待审",
  "nudge-extension": "延期申请待审",
  weekly: "每周汇总",
};
export function kindLabel(kind: string): string {
  const m = /^due-(\d+)$/.exec(kind);
  if (m && m[1] !== "0") return `到期前${m[1]}天`;
  return KIND_LABEL[kind] ?? kind;
}

export type RunOptions = {
  db: Db;
  config: Pick<Config, "timeZone" | "baseUrl" | "mailFrom">;
  mailer: Mailer;
  now: Date;
  /** the day to plan for; today in TZ by default */
  today?: string;
  dryRun?: boolean;
  /** only items that failed before (the retry pass between daily runs) */
  retryOnly?: boolean;
  settings?: Partial<PlanSettings>;
};

export type RunResult = {
  recipient: { id: number; name: string; email: string };
  kind: PlannedMail["kind"];
  subject: string;
  items: number;
  status: "sent" | "failed" | "would-send" | "taken";
  error?: string;
  where?: string;
};

// ───────────────────────── loading ─────────────────────────

const requester = aliasedTable(users, "requester");

export type PlanInput = { tasks: PlanTask[]; users: PlanUser[]; log: LogEntry[]; closed: ClosedTally[] };

// The planner's reads, prepared once per database and read as arrays: drizzle's mapping of every
// task row was half of a run's time at 100,000 tasks.
const planReads = perDb((db) => {
  const c = db.$client;
  return {
    units: c.prepare("SELECT id, name, path, overseer_id FROM units"),
    // open tasks, and signed-off ones created or signed off around the digest's week
    tasks: c.prepare(
      `SELECT id, title, state, deadline_kind, deadline, unit_id, owner_id, leader_id, created_at, signed_off_at, signoff_requested_at, signoff_requested_by
       FROM tasks
       WHERE state <> 'done' OR (created_at >= @lo AND created_at < @hi) OR (signed_off_at >= @lo AND signed_off_at < @hi)
       ORDER BY id`,
    ),
    // all signed-off tasks by unit, from the index (unit_id, state, deadline) alone; a task has
    // no deadline exactly when it is 长期坚持 (tasks_deadline_kind_ck), so count(deadline) = with an end
    done: c.prepare("SELECT unit_id, count(*), count(deadline) FROM tasks WHERE state = 'done' GROUP BY unit_id"),
    extensions: c.prepare("SELECT task_id, requested_at, requested_by, new_deadline FROM extension_requests WHERE status = 'pending'"),
    users: c.prepare("SELECT id, name, email, role, unit_id, active, remind_enabled, remind_days FROM users ORDER BY id"),
    log: c.prepare("SELECT dedupe_key, status, attempts, message_id FROM reminder_log WHERE day >= ?"),
  };
});

type Row = any[];

/**
 * What plan() needs for `today`, in one read transaction. Open tasks come whole (in id order);
 * a signed-off task can only show in a weekly digest, as a line if it was created or signed off
 * in the digest's week, else only in its counts: those come whole when their moment's UTC day
 * is within two days of that week (which covers every time zone), the others only as counts
 * by unit (`closed`).
 */
export function loadPlanInput(db: Db, today: string): PlanInput {
  const q = planReads(db);
  const monday = mondayOf(today);
  const week = { lo: addDays(monday, -7 - 2), hi: addDays(monday, -1 + 3) };
  return db.$client.transaction((): PlanInput => {
    const unitById = new Map((q.units.raw(true).all() as Row[]).map(([id, name, path, overseerId]) => [id as number, { name: name as string, path: path as string, overseerId: overseerId as number | null }]));
    const pending = new Map((q.extensions.raw(true).all() as Row[]).map(([taskId, requestedAt, requestedBy, newDeadline]) => [taskId as number, { requestedAt, requestedBy, newDeadline }]));
    const planTasks: PlanTask[] = [];
    const doneLoaded = new Map<number, { total: number; withEnd: number }>();
    for (const [id, title, state, deadlineKind, deadline, unitId, ownerId, leaderId, createdAt, signedOffAt, signoffRequestedAt, signoffRequestedBy] of q.tasks.raw(true).all(week) as Row[]) {
      const unit = unitById.get(unitId);
      if (!unit) continue;
      if (state === "done") {
        let n = doneLoaded.get(unitId);
        if (!n) doneLoaded.set(unitId, (n = { total: 0, withEnd: 0 }));
        n.total++;
        if (deadlineKind !== "ongoing") n.withEnd++;
      }
      planTasks.push({
        id,
        title,
        state,
        deadlineKind,
        deadline,
        unitId,
        unitName: unit.name,
        unitPath: unit.path,
        ownerId,
        leaderId: leaderId ?? unit.overseerId ?? null,
        createdAt,
        signedOffAt,
        signoffRequestedAt,
        signoffRequestedBy,
        extension: pending.get(id) ?? null,
      });
    }
    const closed: ClosedTally[] = [];
    for (const [unitId, total, withEnd] of q.done.raw(true).all() as Row[]) {
      const unit = unitById.get(unitId);
      const loaded = doneLoaded.get(unitId) ?? { total: 0, withEnd: 0 };
      if (unit && total > loaded.total) closed.push({ unitPath: unit.path, total: total - loaded.total, withEnd: withEnd - loaded.withEnd });
    }
    const planUsers: PlanUser[] = [];
    for (const [id, name, email, role, unitId, active, remindEnabled, remindDays] of q.users.raw(true).all() as Row[]) {
      const unit = unitById.get(unitId);
      if (unit) planUsers.push({ id, name, email, role, unitId, unitName: unit.name, unitPath: unit.path, active: Number(active) === 1, remindEnabled: Number(remindEnabled) === 1, remindDays });
    }
    // no trigger day lies further back than the largest lead day (60)
    const log: LogEntry[] = (q.log.raw(true).all(addDays(today, -62)) as Row[]).map(([dedupeKey, status, attempts, messageId]) => ({ dedupeKey, status, attempts, claimedAt: claimTimeOf(messageId) }));
    return { tasks: planTasks, users: planUsers, log, closed };
  })();
}

// ───────────────────────── Message-ID and claims ─────────────────────────

function hostOf(baseUrl: string): string {
  try {
    return new URL(baseUrl).hostname || "localhost";
  } catch {
    return "localhost";
  }
}

/** <rectify.20261123T003000123Z.ab12cd34@host>: made when the send is claimed, so it tells when. */
export function newMessageId(baseUrl: string, at: Date): string {
  const stamp = at.toISOString().replace(/[-:.]/g, "");
  return `<rectify.${stamp}.${randomBytes(6).toString("hex")}@${hostOf(baseUrl)}>`;
}

export function claimTimeOf(messageId: string | null | undefined): string | null {
  const m = /^<rectify\.(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})Z\./.exec(messageId ?? "");
  return m ? `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}.${m[7]}Z` : null;
}

type Claimable = { taskId: number | null; recipientId: number; kind: string; day: string; dedupeKey: string };

/**
 * Takes the items for this send in one IMMEDIATE transaction. New items are inserted as
 * pending; failed ones (under the cap) and lost claims are taken again. Returns the keys taken.
 * `force` (the resend button) also takes sent and capped items.
 */
export function claim(db: Db, items: Claimable[], messageId: string, now: Date, opts: { maxAttempts: number; staleClaimMinutes: number; force?: boolean }): Set<string> {
  const nowIso = now.toISOString();
  return tx(db, () => {
    const taken = new Set<string>();
    for (const it of items) {
      const row = db.select().from(reminderLog).where(eq(reminderLog.dedupeKey, it.dedupeKey)).get();
      if (!row) {
        db.insert(reminderLog).values({ taskId: it.taskId, recipientId: it.recipientId, kind: it.kind, day: it.day, dedupeKey: it.dedupeKey, status: "pending", attempts: 1, messageId, createdAt: nowIso }).run();
        taken.add(it.dedupeKey);
        continue;
      }
      const claimedAt = claimTimeOf(row.messageId);
      const lost = row.status === "pending" && (!claimedAt || now.getTime() - Date.parse(claimedAt) >= opts.staleClaimMinutes * 60_000);
      const again = (row.status === "failed" && (opts.force || row.attempts < opts.maxAttempts)) || lost || (opts.force && row.status === "sent");
      if (!again) continue;
      db.update(reminderLog)
        .set({ status: "pending", attempts: row.attempts + 1, messageId })
        .where(and(eq(reminderLog.id, row.id), eq(reminderLog.attempts, row.attempts)))
        .run();
      taken.add(it.dedupeKey);
    }
    return taken;
  });
}

function record(db: Db, messageId: string, keys: Set<string>, outcome: { ok: true; at: Date } | { ok: false; error: string }) {
  const where = and(eq(reminderLog.messageId, messageId), inArray(reminderLog.dedupeKey, [...keys]), eq(reminderLog.status, "pending"));
  tx(db, () => {
    if (outcome.ok) db.update(reminderLog).set({ status: "sent", sentAt: outcome.at.toISOString(), lastError: null }).where(where).run();
    else db.update(reminderLog).set({ status: "failed", lastError: outcome.error.slice(0, 1000) }).where(where).run();
  });
}

// ───────────────────────── rendering ─────────────────────────

export function subjectOf(m: PlannedMail): string {
  if (m.kind === "weekly") {
    const d = m.digest!;
    return `【整改周报】${d.unitName}整改情况（${cnDate(d.monday)}当周，完成率${d.completionRate === null ? "—" : d.completionRate + "%"}）`;
  }
  if (m.kind === "owner") {
    const over = m.lines.filter((l) => l.daysLeft < 0).length;
    const today = m.lines.filter((l) => l.daysLeft === 0).length;
    const soon = m.lines.length - over - today;
    const n = m.lines.length;
    if (over === n) return `【整改提醒】您有${n}项整改任务已逾期`;
    if (today === n) return `【整改提醒】您有${n}项整改任务今天到期`;
    if (soon === n) return `【整改提醒】您有${n}项整改任务即将到期`;
    const parts = [over && `${over}项已逾期`, today && `${today}项今天到期`, soon && `${soon}项即将到期`].filter(Boolean);
    return `【整改提醒】您有${n}项整改任务临近或超过时限（${parts.join("，")}）`;
  }
  const overdue = m.lines.filter((l) => l.reason === "escalate").length;
  const waiting = m.lines.length - overdue;
  if (!waiting) return `【整改督办】${overdue}项整改任务逾期未销号`;
  if (!overdue) return `【整改督办】${waiting}项销号或延期申请等待您审批`;
  return `【整改督办】${overdue}项整改任务逾期未销号，${waiting}项申请等待您审批`;
}

function summaryOf(m: PlannedMail): string {
  const over = m.lines.filter((l) => l.daysLeft < 0).length;
  const today = m.lines.filter((l) => l.daysLeft === 0).length;
  const soon = m.lines.length - over - today;
  return [soon && `${soon}项即将到期`, today && `${today}项今天到期`, over && `${over}项已逾期`].filter(Boolean).join("、");
}

const X_KIND: Record<PlannedMail["kind"], string> = { owner: "deadline-reminder", leader: "leader-escalation", weekly: "weekly-digest" };

export function renderMail(m: PlannedMail, ctx: { baseUrl: string; today: string; now: Date; messageId: string }): OutgoingMail {
  const subject = subjectOf(m);
  const heading = subject.replace(/^【[^】]+】/, "");
  const data = {
    ...m,
    subject,
    heading,
    summary: summaryOf(m),
    overdue: m.lines.filter((l) => l.reason === "escalate"),
    waiting: m.lines.filter((l) => l.reason === "nudge-signoff" || l.reason === "nudge-extension"),
    baseUrl: ctx.baseUrl,
    today: ctx.today,
    h: helpers,
  };
  const host = hostOf(ctx.baseUrl);
  const taskIds = [...new Set(m.items.map((i) => i.taskId).filter((x) => x !== null))];
  return {
    to: { name: m.recipient.name, address: m.recipient.email },
    subject,
    html: htmlEta.render(`/emails/${m.kind}.html.eta`, data),
    text: textEta.render(`/emails/${m.kind}.text.eta`, data),
    messageId: ctx.messageId,
    date: ctx.now,
    // one thread per recipient and kind, so a client groups the daily mails
    references: `<rectify.thread.${m.kind}.${m.recipient.id}@${host}>`,
    headers: {
      "List-Id": `Rectify reminders <reminders.${host}>`,
      "List-Unsubscribe": `<${ctx.baseUrl}/profile>`,
      "Auto-Submitted": "auto-generated",
      "X-Auto-Response-Suppress": "All",
      "X-Rectify-Kind": X_KIND[m.kind],
      ...(taskIds.length ? { "X-Rectify-Tasks": taskIds.join(",") } : {}),
    },
  };
}

// ───────────────────────── the run ─────────────────────────

// Claims are about real processes, so their times are the wall clock's, even when the run is
// for another day (--date) or a test's fixed clock: `now` decides the day, not how old a claim is.
const wall = () => new Date();

function settingsFor(o: RunOptions): PlanSettings {
  return { ...DEFAULT_PLAN_SETTINGS, timeZone: o.config.timeZone, now: wall().toISOString(), ...o.settings };
}

/** Restrict a planned mail to the items in `keys` (and their lines). */
function only(m: PlannedMail, keys: Set<string>): PlannedMail | null {
  const items = m.items.filter((i) => keys.has(i.dedupeKey));
  if (!items.length) return null;
  return { ...m, items, lines: m.lines.filter((l) => keys.has(l.key)) };
}

export async function runReminders(o: RunOptions): Promise<{ today: string; results: RunResult[] }> {
  const today = o.today ?? dayIn(o.config.timeZone, o.now);
  const settings = settingsFor(o);
  const input = loadPlanInput(o.db, today);
  let mails = plan(input.tasks, input.users, input.log, today, settings, input.closed);
  if (o.retryOnly) mails = mails.map((m) => only(m, new Set(m.items.filter((i) => i.attempts > 0).map((i) => i.dedupeKey)))).filter((m): m is PlannedMail => !!m);
  const results: RunResult[] = [];
  for (const planned of mails) {
    if (o.dryRun) {
      results.push({ recipient: planned.recipient, kind: planned.kind, subject: subjectOf(planned), items: planned.items.length, status: "would-send" });
      continue;
    }
    results.push(await deliver(o, planned, today, settings, false));
  }
  return { today, results };
}

async function deliver(o: RunOptions, planned: PlannedMail, today: string, settings: PlanSettings, force: boolean): Promise<RunResult> {
  const at = wall();
  const messageId = newMessageId(o.config.baseUrl, at);
  const claimItems = planned.items.map((i) => ({ ...i, recipientId: planned.recipient.id }));
  const keys = claim(o.db, claimItems, messageId, at, { maxAttempts: settings.maxAttempts, staleClaimMinutes: settings.staleClaimMinutes, force });
  const mail = only(planned, keys);
  if (!mail) return { recipient: planned.recipient, kind: planned.kind, subject: subjectOf(planned), items: planned.items.length, status: "taken" };
  let out: OutgoingMail;
  try {
    out = renderMail(mail, { baseUrl: o.config.baseUrl, today, now: o.now, messageId });
  } catch (err) {
    const error = `生成邮件失败：${(err as Error).message}`;
    record(o.db, messageId, keys, { ok: false, error });
    return { recipient: mail.recipient, kind: mail.kind, subject: subjectOf(mail), items: keys.size, status: "failed", error };
  }
  try {
    const r = await o.mailer.send(out);
    record(o.db, messageId, keys, { ok: true, at: wall() });
    return { recipient: mail.recipient, kind: mail.kind, subject: out.subject, items: keys.size, status: "sent", where: r.where };
  } catch (err) {
    const e = err as Error & { response?: string; responseCode?: number; code?: string };
    const error = [e.code, e.responseCode, e.response ?? e.message].filter(Boolean).join(" ");
    record(o.db, messageId, keys, { ok: false, error: error || "发送失败" });
    return { recipient: mail.recipient, kind: mail.kind, subject: out.subject, items: keys.size, status: "failed", error };
  }
}

// ───────────────────────── the admin page 提醒记录 ─────────────────────────

export const LOG_PAGE_SIZE = 50;

/** Counted up to this many, shown as "10000+" past it: the log grows every day, a page never counts all of it. */
export const LOG_COUNT_MAX = 10_000;

/**
 * 提醒记录, newest first, a page at a time: read in the order of reminder_created_idx (or, with a
 * status, reminder_status_idx), counts capped at LOG_COUNT_MAX. `pages` is null where the count
 * was capped; then `more` says whether a next page exists.
 */
export function listLog(db: Db, f: { status?: string; page?: number }) {
  const status = f.status === "sent" || f.status === "failed" || f.status === "pending" ? f.status : null;
  const c = db.$client;
  const capped = (sql: string, ...p: unknown[]) => c.prepare(`SELECT count(*) FROM (SELECT 1 FROM reminder_log ${sql} LIMIT ${LOG_COUNT_MAX + 1})`).pluck().get(...p) as number;
  const total = status ? capped("WHERE status = ?", status) : capped("");
  const counts = Object.fromEntries(["sent", "failed", "pending"].map((s) => [s, ((n) => (n > LOG_COUNT_MAX ? `${LOG_COUNT_MAX}+` : n))(capped("WHERE status = ?", s))])) as Record<string, number | string>;
  const pages = total > LOG_COUNT_MAX ? null : Math.max(1, Math.ceil(total / LOG_PAGE_SIZE));
  const page = Math.max(1, pages === null ? (f.page ?? 1) : Math.min(f.page ?? 1, pages));
  // by hand, LIMIT in the text: drizzle binds it, and SQLite plans a statement with a bound LIMIT anew on every run
  const found = (
    c
      .prepare(
        `SELECT ${columnsOf(reminderLog).replace(/"([a-z_]+)" AS/g, 'l."$1" AS')}, u.name AS recipientName, u.email AS recipientEmail, t.title AS taskTitle
         FROM reminder_log l JOIN users u ON u.id = l.recipient_id LEFT JOIN tasks t ON t.id = l.task_id
         ${status ? "WHERE l.status = ?" : ""} ORDER BY l.created_at DESC, l.id DESC LIMIT ${LOG_PAGE_SIZE + 1} OFFSET ?`,
      )
      .all(...(status ? [status] : []), (page - 1) * LOG_PAGE_SIZE) as (typeof reminderLog.$inferSelect & { recipientName: string; recipientEmail: string; taskTitle: string | null })[]
  ).map((r) => ({ ...r, kindLabel: kindLabel(r.kind) }));
  const more = found.length > LOG_PAGE_SIZE;
  return { rows: found.slice(0, LOG_PAGE_SIZE), total: total > LOG_COUNT_MAX ? `${LOG_COUNT_MAX}+` : total, page, pages, more, counts };
}

/**
 * 重新发送: the clicked row and the rows that went out in the same mail with the same status,
 * rebuilt from today's data and sent again now.
 */
export async function resend(o: Omit<RunOptions, "today" | "dryRun" | "retryOnly">, id: number): Promise<RunResult> {
  const row = o.db.select().from(reminderLog).where(eq(reminderLog.id, id)).get();
  if (!row) throw new NotFoundError("未找到该提醒记录");
  const settings = settingsFor(o);
  const claimedAt = claimTimeOf(row.messageId);
  if (row.status === "pending" && claimedAt && wall().getTime() - Date.parse(claimedAt) < settings.staleClaimMinutes * 60_000) {
    throw new ConflictError("该提醒正在发送中，请稍后刷新查看结果");
  }
  const group = row.messageId
    ? o.db
        .select()
        .from(reminderLog)
        .where(and(eq(reminderLog.messageId, row.messageId), eq(reminderLog.status, row.status), eq(reminderLog.recipientId, row.recipientId)))
        .all()
    : [row];
  const today = dayIn(o.config.timeZone, o.now);
  const input = loadPlanInput(o.db, today);
  const recipient = input.users.find((u) => u.id === row.recipientId);
  if (!recipient || !recipient.active) throw new ValidationError("收件人账号已停用，不能重新发送");
  // plan for this recipient as if nothing had been sent, then keep the lines of these items
  const kind = mailKindOf(row.kind);
  const matchRow = (g: { taskId: number | null; kind: string }) => (kind === "owner" ? `${g.taskId}` : `${g.taskId}:${g.kind}`);
  const matchLine = (l: { taskId: number; reason: string }) => (kind === "owner" ? `${l.taskId}` : `${l.taskId}:${l.reason}`);
  const keyOf = new Map(group.map((g) => [matchRow(g), g.dedupeKey]));
  const fresh = plan(input.tasks, [...input.users.filter((u) => u.id !== recipient.id), { ...recipient, remindEnabled: true }], [], today, { ...settings, weeklyCatchUpDays: 6 }, input.closed);
  const base = fresh.find((m) => m.recipient.id === recipient.id && m.kind === kind);
  const lines = (base?.lines ?? []).filter((l) => keyOf.has(matchLine(l))).map((l) => ({ ...l, key: keyOf.get(matchLine(l))! }));
  if (kind !== "weekly" && !lines.length) throw new ValidationError("该提醒涉及的任务已销号或已不再需要提醒，无需重新发送");
  if (kind === "weekly" && !base?.digest) throw new ValidationError("该单位目前没有整改任务，无需重新发送周报");
  // the old rows are the items; the lines show today's state of their tasks
  const keep = new Set(kind === "weekly" ? group.map((g) => g.dedupeKey) : lines.map((l) => l.key));
  const items = group.filter((g) => keep.has(g.dedupeKey)).map((g) => ({ taskId: g.taskId, kind: g.kind, day: g.day, dedupeKey: g.dedupeKey, attempts: g.attempts }));
  const mail: PlannedMail = { kind, recipient: { id: recipient.id, name: recipient.name, email: recipient.email }, items, lines, digest: base?.digest };
  return deliver({ ...o, today }, mail, today, settings, true);
}
