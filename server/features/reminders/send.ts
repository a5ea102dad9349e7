// One reminder run: load → plan (pure) → for each mail, a few at once: claim its items in one
// writing transaction (db.tx; insert into reminder_log, whose unique dedupe key lets only one run
// have an item), render, deliver after the claim has committed and outside any transaction, then
// record the outcome in a short transaction of its own: sent; 退信
// (a 5xx: never retried); or failed (4xx, network: retried after 15 min, 1 h, 4 h, then daily,
// while the item is still planned). Items no longer planned are given up. A second run, or
// another process at the same moment, finds the items claimed and sends nothing twice. The
// Message-ID comes from the items' keys, so every attempt of a mail carries the same one.
// This holds with several processes or servers on one database (SQLite file or PostgreSQL).
import { Eta } from "eta";
import { and, eq, inArray, isNull, sql } from "drizzle-orm";
import { createHash } from "node:crypto";
import type { Db, Dialect } from "../../../db/client.ts";
import { columnsOf } from "../../../db/client.ts";
import { reminderLog } from "../../../db/schema.ts";
import type { Config } from "../../config.ts";
import { addDays, cnDate, cnDateTime, dayIn } from "../../lib/dates.ts";
import { ConflictError, NotFoundError, ValidationError } from "../../lib/errors.ts";
import type { State } from "../tasks/workflow.ts";
import { STATUS_LABEL, statusKind } from "../tasks/status.ts";
import { viewsDir } from "../../plugins/views.ts";
import { classify, DEFAULT_SMTP_TIMEOUTS, longestSendMs, type Mailer, type OutgoingMail } from "./mailer.ts";
import { runRobots, type RobotResult, type RobotTuning } from "../channels/deliver.ts";
import { DEFAULT_PLAN_SETTINGS, mailKindOf, mondayOf, plan, planner, retryDelayMs, type ClosedTally, type DeliveryProblem, type LogEntry, type PlanExtra, type PlanSettings, type Planner, type PlanTask, type PlanUser, type PlannedMail } from "./plan.ts";

/** the planner's reads are seconds at a province's size: db.scan's thread for long reads, so that searches never wait behind them */
const LONG = { long: true };

// HTML bodies escape everything; the plain-text bodies are not HTML, so they are not escaped.
const htmlEta = new Eta({ views: viewsDir, cache: true, autoEscape: true, autoTrim: [false, "nl"] });
const textEta = new Eta({ views: viewsDir, cache: true, autoEscape: false, autoTrim: false });
// 状态 as every other output names it (tasks/status.ts): a task without an end date reads 长期坚持
const helpers = { cnDate, statusLabel: (l: { state: State; deadline: string | null }) => STATUS_LABEL[statusKind(l)] };

export const KIND_LABEL: Record<string, string> = {
  "due-0": "今天到期",
  overdue: "逾期提醒",
  escalate: "逾期督办",
  "nudge-signoff": "销号申请待审",
  "nudge-extension": "延期申请待审",
  recheck: "回头看",
  weekly: "每周汇总",
  delivery: "投递问题周报",
};
export function kindLabel(kind: string): string {
  const m = /^due-(\d+)$/.exec(kind);
  if (m && m[1] !== "0") return `到期前${m[1]}天`;
  return KIND_LABEL[kind] ?? kind;
}

export type RunOptions = {
  db: Db;
  config: Pick<Config, "timeZone" | "baseUrl" | "mailFrom"> & Partial<Pick<Config, "smtpUrl" | "smtpTimeouts" | "remindParallel" | "sessionSecret" | "channelSecretKey" | "channelAllowPrivate" | "channelTimeoutMs">>;
  mailer: Mailer;
  now: Date;
  /** the day to plan for; today in TZ by default */
  today?: string;
  dryRun?: boolean;
  /** only items that failed before (the retry pass between daily runs) */
  retryOnly?: boolean;
  settings?: Partial<PlanSettings>;
  /** the wall clock of claims and retry times (real time; tests move it) */
  wall?: () => Date;
  /** the group robots' retries and pacing window (tests shorten them) */
  robotTuning?: Partial<RobotTuning>;
};

export type RunResult = {
  recipient: { id: number; name: string; email: string };
  kind: PlannedMail["kind"];
  subject: string;
  items: number;
  /** failed: temporary, retried at retryAt; bounced: 退信; taken: already sent by another run; claimed: another run holds the claim, not confirmed sent */
  status: "sent" | "failed" | "bounced" | "would-send" | "taken" | "claimed";
  error?: string;
  where?: string;
  /** failed: the next attempt; claimed: when the claim counts as lost and is taken again */
  retryAt?: string;
  messageId?: string;
};

/** What a run saw besides the mails it sent: the report `remind` prints. */
export type RunReport = {
  today: string;
  results: RunResult[];
  /** items due today that went out in an earlier run */
  alreadySent: number;
  /** failed items waiting for their next attempt */
  waiting: { key: string; retryAt: string }[];
  /** items claimed by another run and not confirmed sent (it may be running, or was killed) */
  claimedElsewhere: { key: string; claimedAt: string | null; retryAt: string }[];
  /** items given up in this run: failed or lost, and no longer relevant */
  expired: number;
  /** failed, 退信 and given-up items no admin has acknowledged (the exit status follows this) */
  unacknowledged: { failed: number; bounced: number; expired: number };
  /** the group robots' messages (channels/deliver.ts) */
  robots: RobotResult[];
};

// ───────────────────────── loading ─────────────────────────

export type LoggedEntry = LogEntry & { messageId: string | null; day: string };
export type PlanInput = { tasks: PlanTask[]; users: PlanUser[]; log: LoggedEntry[]; closed: ClosedTally[] };

/**
 * PLAN_SQL.tasks reads a range of tasks as two texts: their titles, and their other fields
 * (TASK_FIELDS, which no control character is in). FIELD_SEP is between a row's fields and
 * ROW_SEP between rows in both; in a title, ESC is doubled and ROW_SEP written ESC + "r".
 */
const FIELD_SEP = "\u001f";
const ROW_SEP = "\u001e";
const ESC = "\u001d";
/** a task row's fields but its title, in the order planTasksOf() reads them */
const TASK_FIELDS = [
  "CAST(id AS TEXT)",
  "state",
  "deadline_kind",
  "COALESCE(deadline, '')",
  "CAST(unit_id AS TEXT)",
  "CAST(owner_id AS TEXT)",
  "COALESCE(CAST(leader_id AS TEXT), '')",
  "created_at",
  "COALESCE(signed_off_at, '')",
  "COALESCE(signoff_requested_at, '')",
  "COALESCE(CAST(signoff_requested_by AS TEXT), '')",
];

// The planner's reads, by hand: drizzle's mapping of every task row was half of a run's time at
// 100,000 tasks. The engines keep each statement's plan by its text.
const PLAN_SQL = {
  units: "SELECT id, name, path, overseer_id AS \"overseerId\" FROM units",
  // open tasks, and signed-off ones created or signed off around the digest's week, a range of
  // ids at a time (taskRanges), each range as two texts (the dialect's groupConcat; both
  // aggregates see the rows in the same order). At a million tasks (366,000 rows) the rows as
  // objects of twelve fields cost 4–7 s to build in db.scan's thread, copy across and rebuild
  // here; as one text a row, 1.5–2 s; as two texts a range, the fields one byte a character
  // (no title among them), 0.6 s. The ranges let this thread take one range while the next is
  // read. No ORDER BY: the engine walks a range in id order anyway (planTasksOf checks).
  tasks: (d: Dialect) => `SELECT ${d.groupConcat(`concat_ws('${FIELD_SEP}', ${TASK_FIELDS.join(", ")})`, `'${ROW_SEP}'`)} AS fields,
            ${d.groupConcat(`replace(replace(title, '${ESC}', '${ESC}${ESC}'), '${ROW_SEP}', '${ESC}r')`, `'${ROW_SEP}'`)} AS titles
          FROM tasks
          WHERE (state <> 'done' OR (created_at >= ? AND created_at < ?) OR (signed_off_at >= ? AND signed_off_at < ?)
            OR id IN (SELECT task_id FROM recheck_items WHERE status = 'open' AND due <= ?))
            AND id >= ? AND id < ?`,
  // all signed-off tasks by unit, from an index on (unit_id, state, …) alone: `unit_id IN (units)`
  // makes SQLite seek each unit's signed-off entries (0.08 s at a million tasks; a walk of the
  // whole index took 0.13–0.3 s, and `state = 'done'` alone took tasks_state_deadline_idx and
  // fetched each of 650,000 rows, 2–3 s); a task has no deadline exactly when it is 长期坚持
  // (tasks_deadline_kind_ck), so a deadline means it has an end
  done: `SELECT unit_id AS "unitId", count(*) AS total, count(deadline) AS "withEnd" FROM tasks WHERE unit_id IN (SELECT id FROM units) AND state = 'done' GROUP BY unit_id ORDER BY unit_id`, // in one order on either engine (PostgreSQL's hashed groups come in any)
  extensions: `SELECT task_id AS "taskId", requested_at AS "requestedAt", requested_by AS "requestedBy", new_deadline AS "newDeadline" FROM extension_requests WHERE status = 'pending'`,
  // 回头看 due by today (one open per task)
  rechecks: `SELECT task_id AS "taskId", due FROM recheck_items WHERE status = 'open' AND due <= ?`,
  users: `SELECT id, name, email, role, unit_id AS "unitId", active, remind_enabled AS "remindEnabled", remind_days AS "remindDays" FROM users ORDER BY id`,
  log: `SELECT dedupe_key AS "dedupeKey", status, attempts, message_id AS "messageId", claimed_at AS "claimedAt", retry_at AS "retryAt", day FROM reminder_log WHERE day >= ?`,
};

type UnitRow = { id: number; name: string; path: string; overseerId: number | null };
type Pending = { requestedAt: string; requestedBy: number; newDeadline: string };
/** a range's row of PLAN_SQL.tasks (both null when no task in it is read) */
type TaskTexts = { fields: string | null; titles: string | null };

/** ids a PLAN_SQL.tasks statement reads at most: a million tasks in 62 ranges, most taken by this thread in 10–30 ms */
export const TASK_RANGE = 16_384;

/**
 * PLAN_SQL.tasks over every range of ids, in id order, asked all at once: db.scan's thread reads
 * the next range while this one takes the last (a smaller copy across, a shorter hold of this
 * thread's event loop each). Await them in turn; one that fails is reported there.
 */
async function taskRanges(db: Db, params: unknown[]): Promise<Promise<TaskTexts | undefined>[]> {
  const max = Number((await db.value<number>("SELECT max(id) FROM tasks")) ?? 0);
  const text = PLAN_SQL.tasks(db.dialect);
  const ranges: Promise<TaskTexts | undefined>[] = [];
  for (let from = 0; from <= max; from += TASK_RANGE) ranges.push(db.scan<TaskTexts>(text, [...params, from, from + TASK_RANGE], LONG).then((rows) => rows[0]));
  for (const range of ranges) range.catch(() => {}); // (not unhandled while an earlier one is awaited)
  return ranges;
}

/** what the planner's tasks take from the other tables */
type TaskContext = { unitById: Map<number, UnitRow>; pending: Map<number, Pending>; rechecks: Map<number, string> };

const unescapeTitle = (t: string) => (t.includes(ESC) ? t.replace(/\u001d([\u001dr])/g, (_, c: string) => (c === "r" ? ROW_SEP : ESC)) : t);
const STATES: PlanTask["state"][] = ["todo", "doing", "review", "done"];
const DEADLINE_KINDS: PlanTask["deadlineKind"][] = ["immediate", "dated", "ongoing"];

/**
 * A range's texts of PLAN_SQL.tasks as the planner's tasks, in id order: each row's fields in
 * TASK_FIELDS' order, joined with its unit, its pending 延期申请 and its due 回头看. Tasks of a
 * unit not in unitById are left out. A field read as a number or as one of a few words is read
 * in place, with no string of its own (at a million tasks, two million strings fewer to collect).
 */
function planTasksOf({ fields, titles }: TaskTexts, { unitById, pending, rechecks }: TaskContext): PlanTask[] {
  const out: PlanTask[] = [];
  if (fields === null || titles === null) return out;
  const n = TASK_FIELDS.length;
  /** field i of the row is fields[start[i], start[i + 1] - 1) */
  const start = new Int32Array(n + 1);
  const text = (i: number) => fields.slice(start[i], start[i + 1] - 1);
  const int = (i: number): number | null => {
    const from = start[i];
    const end = start[i + 1] - 1;
    if (from === end) return null;
    let v = 0;
    for (let k = from; k < end; k++) {
      const digit = fields.charCodeAt(k) - 48;
      if (digit < 0 || digit > 9) return Number(fields.slice(from, end));
      v = v * 10 + digit;
    }
    return v;
  };
  const word = <W extends string>(i: number, words: W[]): W => {
    for (const w of words) if (w.length === start[i + 1] - 1 - start[i] && fields.startsWith(w, start[i])) return w;
    return text(i) as W;
  };
  let inOrder = true;
  for (let at = 0, titleAt = 0; at < fields.length; ) {
    for (let i = 0; i < n; i++) {
      start[i] = at;
      const end = fields.indexOf(i < n - 1 ? FIELD_SEP : ROW_SEP, at);
      at = end < 0 ? fields.length + 1 : end + 1;
    }
    start[n] = at;
    let titleEnd = titles.indexOf(ROW_SEP, titleAt);
    if (titleEnd < 0) titleEnd = titles.length;
    const title = unescapeTitle(titles.slice(titleAt, titleEnd));
    titleAt = titleEnd + 1;
    const id = int(0)!;
    const unitId = int(4)!;
    const unit = unitById.get(unitId);
    if (!unit) continue;
    if (out.length && id < out[out.length - 1].id) inOrder = false;
    const state = word(1, STATES);
    const t: PlanTask = {
      id,
      title,
      state,
      deadlineKind: word(2, DEADLINE_KINDS),
      deadline: text(3) || null,
      unitId,
      unitName: unit.name,
      unitPath: unit.path,
      ownerId: int(5)!,
      leaderId: int(6) ?? unit.overseerId ?? null,
      createdAt: text(7),
      signedOffAt: text(8) || null,
      signoffRequestedAt: text(9) || null,
      signoffRequestedBy: int(10),
      extension: pending.get(id) ?? null,
    };
    // only where one is due (the task rows stay as they were otherwise)
    if (state === "done" && rechecks.has(id)) t.recheckDue = rechecks.get(id);
    out.push(t);
  }
  return inOrder ? out : out.sort((a, b) => a.id - b.id);
}
type UserRow = Omit<PlanUser, "unitName" | "unitPath" | "active" | "remindEnabled"> & { active: number; remindEnabled: number };
type LogRow = Omit<LoggedEntry, "claimedAt"> & { claimedAt: string | null };

/**
 * What plan() needs for `today`. Open tasks come whole (in id order);
 * a signed-off task can only show in a weekly digest, as a line if it was created or signed off
 * in the digest's week, else only in its counts: those come whole when their moment's UTC day
 * is within two days of that week (which covers every time zone), the others only as counts
 * by unit (`closed`). `each` is given the tasks a range at a time, in order, as they are read,
 * with the users and the log (read before them): loadAndPlan plans them meanwhile.
 *
 * The reads are not one transaction: db.tx is the writers' turn, and holding it for the whole
 * load (long at 100,000 tasks) would stop every writer of every process or server meanwhile. A
 * change committed between two reads can at worst make one plan a little stale; it cannot send
 * anything twice, as every item is claimed (claim) before its mail goes out. They walk every
 * open task: db.scan keeps the server's event loop free meanwhile (the schedule runs in the server).
 */
export async function loadPlanInput(db: Db, today: string, each?: (tasks: PlanTask[], read: Pick<PlanInput, "users" | "log">) => void): Promise<PlanInput> {
  const monday = mondayOf(today);
  const lo = addDays(monday, -7 - 2);
  const hi = addDays(monday, -1 + 3);
  // asked all at once, answered in turn by db.scan's thread: the signed-off counts last, while this thread takes the last tasks
  const unitRows = db.scan<UnitRow>(PLAN_SQL.units, [], LONG);
  const extensionRows = db.scan<Pending & { taskId: number }>(PLAN_SQL.extensions, [], LONG);
  const userRows = db.scan<UserRow>(PLAN_SQL.users, [], LONG);
  // no trigger day lies further back than the largest lead day (60)
  const logRows = db.scan<LogRow>(PLAN_SQL.log, [addDays(today, -62)], LONG);
  for (const early of [unitRows, extensionRows, userRows, logRows]) early.catch(() => {}); // (reported where awaited)
  const ranges = await taskRanges(db, [lo, hi, lo, hi, today]);
  const doneRows = db.scan<{ unitId: number; total: number | string; withEnd: number | string }>(PLAN_SQL.done, [], LONG);
  doneRows.catch(() => {});

  const unitById = new Map((await unitRows).map((u) => [u.id, u]));
  const pending = new Map<number, Pending>((await extensionRows).map(({ taskId, requestedAt, requestedBy, newDeadline }) => [taskId, { requestedAt, requestedBy, newDeadline }]));
  const rechecks = new Map((await db.all<{ taskId: number; due: string }>(PLAN_SQL.rechecks, [today])).map((r) => [r.taskId, r.due]));
  const users: PlanUser[] = [];
  for (const u of await userRows) {
    const unit = unitById.get(u.unitId);
    if (unit) users.push({ id: u.id, name: u.name, email: u.email, role: u.role, unitId: u.unitId, unitName: unit.name, unitPath: unit.path, active: Number(u.active) === 1, remindEnabled: Number(u.remindEnabled) === 1, remindDays: u.remindDays });
  }
  const log: LoggedEntry[] = (await logRows).map((e) => ({ dedupeKey: e.dedupeKey, status: e.status, attempts: e.attempts, claimedAt: e.claimedAt ?? claimTimeOf(e.messageId), retryAt: e.retryAt, messageId: e.messageId, day: e.day }));

  const tasks: PlanTask[] = [];
  const doneLoaded = new Map<number, { total: number; withEnd: number }>();
  const context: TaskContext = { unitById, pending, rechecks };
  for (const range of ranges) {
    const texts = await range;
    if (!texts) continue;
    const part = planTasksOf(texts, context);
    for (const t of part) {
      if (t.state === "done") {
        let n = doneLoaded.get(t.unitId);
        if (!n) doneLoaded.set(t.unitId, (n = { total: 0, withEnd: 0 }));
        n.total++;
        if (t.deadlineKind !== "ongoing") n.withEnd++;
      }
      tasks.push(t);
    }
    each?.(part, { users, log });
    // a range read while this one was taken is already here: let waiting requests in between
    await new Promise((res) => setImmediate(res));
  }
  const closed: ClosedTally[] = [];
  for (const { unitId, total, withEnd } of await doneRows) {
    const unit = unitById.get(unitId);
    const loaded = doneLoaded.get(unitId) ?? { total: 0, withEnd: 0 };
    if (unit && Number(total) > loaded.total) closed.push({ unitPath: unit.path, total: Number(total) - loaded.total, withEnd: Number(withEnd) - loaded.withEnd });
  }
  return { tasks, users, log, closed };
}

/**
 * loadPlanInput, and plan() over it: each range of tasks is planned as soon as it is read, while
 * db.scan's thread reads the next (planner()); the same mails as plan() over the whole input.
 */
export async function loadAndPlan(db: Db, today: string, settings: PlanSettings, extra: PlanExtra = {}): Promise<{ input: PlanInput; mails: PlannedMail[] }> {
  let p: Planner | undefined;
  const input = await loadPlanInput(db, today, (tasks, { users, log }) => (p ??= planner(users, log, today, settings, extra)).add(tasks));
  return { input, mails: (p ?? planner(input.users, input.log, today, settings, extra)).finish(input.closed) };
}

// ───────────────────────── Message-ID and claims ─────────────────────────

function hostOf(baseUrl: string): string {
  try {
    return new URL(baseUrl).hostname || "localhost";
  } catch {
    return "localhost";
  }
}

/** The domain of MAIL_FROM's address, else BASE_URL's host. */
export function mailDomain(config: { mailFrom: string; baseUrl: string }): string {
  const m = /@([A-Za-z0-9.-]+)>?\s*$/.exec(config.mailFrom.trim());
  return m ? m[1].toLowerCase() : hostOf(config.baseUrl);
}

/**
 * <rectify.<hash of the mail's dedupe keys>@domain>: the same for every attempt of a mail, so a
 * receiver that got a copy whose reply was lost can tell the retry is the same mail.
 */
export function messageIdFor(keys: Iterable<string>, domain: string): string {
  const hash = createHash("sha256").update([...keys].sort().join("\n")).digest("hex").slice(0, 32);
  return `<rectify.${hash}@${domain}>`;
}

/** The claim time written into the Message-IDs of earlier versions (rows claimed before claimed_at). */
export function claimTimeOf(messageId: string | null | undefined): string | null {
  const m = /^<rectify\.(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})Z\./.exec(messageId ?? "");
  return m ? `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}.${m[7]}Z` : null;
}

/** An item to claim; a group robot's message names its channel (robot_channels.id). */
export type Claimable = { taskId: number | null; recipientId: number; kind: string; day: string; dedupeKey: string; channelId?: number | null };

/**
 * Takes the items for this send in one writing transaction (db.tx: writers follow one another,
 * across processes and servers). New items are inserted as pending (INSERT … ON CONFLICT DO
 * NOTHING RETURNING: the unique dedupe key lets only one run have an item); failed ones whose
 * retry time has come, and lost claims, are taken again by an UPDATE that changes the row only
 * while it is as read (status and attempts). A key is taken only when its statement changed a
 * row. Returns the keys taken. `force` (the resend button) also takes failed ones early, sent,
 * 退信 and given-up ones. Nothing is sent in here: the caller sends after this has committed.
 */
export async function claim(db: Db, items: Claimable[], messageId: string, now: Date, opts: { staleClaimMs: number; address: string; force?: boolean }): Promise<Set<string>> {
  const nowIso = now.toISOString();
  return db.tx(async () => {
    const taken = new Set<string>();
    for (const it of items) {
      const row = (await db.select().from(reminderLog).where(eq(reminderLog.dedupeKey, it.dedupeKey)))[0];
      if (!row) {
        const inserted = await db
          .insert(reminderLog)
          .values({ taskId: it.taskId, recipientId: it.recipientId, kind: it.kind, day: it.day, dedupeKey: it.dedupeKey, status: "pending", attempts: 1, messageId, createdAt: nowIso, claimedAt: nowIso, sentTo: opts.address, channelId: it.channelId ?? null })
          .onConflictDoNothing({ target: reminderLog.dedupeKey })
          .returning({ id: reminderLog.id });
        if (inserted.length) taken.add(it.dedupeKey);
        continue;
      }
      const claimedAt = row.claimedAt ?? claimTimeOf(row.messageId);
      const lost = row.status === "pending" && (!claimedAt || now.getTime() - Date.parse(claimedAt) >= opts.staleClaimMs);
      const retry = row.status === "failed" && (opts.force || !row.retryAt || Date.parse(row.retryAt) <= now.getTime());
      const again = retry || lost || (opts.force && row.status !== "pending");
      if (!again) continue;
      const changed = await db
        .update(reminderLog)
        .set({ status: "pending", attempts: row.attempts + 1, messageId, claimedAt: nowIso, retryAt: null, sentTo: opts.address })
        .where(and(eq(reminderLog.id, row.id), eq(reminderLog.status, row.status), eq(reminderLog.attempts, row.attempts)))
        .returning({ id: reminderLog.id });
      if (changed.length) taken.add(it.dedupeKey);
    }
    return taken;
  });
}

/** A send's outcome; a group robot's failure carries the platform's error code. */
export type Outcome = { ok: true; at: Date } | { ok: false; permanent: boolean; error: string; at: Date; errorCode?: string | null };

/**
 * Records a send's outcome on the rows it claimed (still pending under this Message-ID), in a
 * short transaction of its own after the send; a temporary failure gets its next attempt's time.
 */
export async function record(db: Db, messageId: string, keys: Set<string>, outcome: Outcome): Promise<string | undefined> {
  const where = and(eq(reminderLog.messageId, messageId), inArray(reminderLog.dedupeKey, [...keys]), eq(reminderLog.status, "pending"));
  return db.tx(async () => {
    if (outcome.ok) {
      await db.update(reminderLog).set({ status: "sent", sentAt: outcome.at.toISOString(), lastError: null, errorCode: null, retryAt: null }).where(where);
      return undefined;
    }
    const error = outcome.error.slice(0, 1000);
    const errorCode = outcome.errorCode ?? null;
    // a new 退信 is shown to the admins again, even if an earlier failure of it was acknowledged
    if (outcome.permanent) {
      await db.update(reminderLog).set({ status: "bounced", lastError: error, errorCode, retryAt: null, acknowledgedAt: null, acknowledgedBy: null }).where(where);
      return undefined;
    }
    let next: string | undefined;
    for (const row of await db.select({ id: reminderLog.id, attempts: reminderLog.attempts }).from(reminderLog).where(where)) {
      const retryAt = new Date(outcome.at.getTime() + retryDelayMs(row.attempts)).toISOString();
      if (!next || retryAt < next) next = retryAt;
      await db.update(reminderLog).set({ status: "failed", lastError: error, errorCode, retryAt }).where(eq(reminderLog.id, row.id));
    }
    return next;
  });
}

/**
 * Gives up failed items, and claims lost by a run that died, that are no longer relevant (not
 * planned today: the task closed, or its next reminder due). Only items of `today` or before.
 */
async function expire(db: Db, log: LoggedEntry[], relevant: Set<string>, today: string, nowMs: number, staleClaimMs: number): Promise<number> {
  const gone = log.filter(
    (e) =>
      e.day <= today &&
      !relevant.has(e.dedupeKey) &&
      (e.status === "failed" || (e.status === "pending" && (!e.claimedAt || nowMs - Date.parse(e.claimedAt) >= staleClaimMs))),
  );
  if (!gone.length) return 0;
  return db.tx(async () => {
    let n = 0;
    for (const e of gone) {
      const why = e.status === "failed" ? "已放弃：任务已销号或已进入下一阶段提醒，不再重试" : "已放弃：发送进程中断、未确认发出，且已不再需要提醒";
      n += (
        await db
          .update(reminderLog)
          .set({ status: "expired", lastError: sql`coalesce(${reminderLog.lastError} || '；', '') || CAST(${why} AS TEXT)`, retryAt: null, acknowledgedAt: null, acknowledgedBy: null })
          .where(and(eq(reminderLog.dedupeKey, e.dedupeKey), eq(reminderLog.status, e.status), eq(reminderLog.attempts, e.attempts)))
          .returning({ id: reminderLog.id })
      ).length;
    }
    return n;
  });
}

// ───────────────────────── rendering ─────────────────────────

export function subjectOf(m: PlannedMail): string {
  if (m.kind === "delivery") {
    const p = m.problems ?? [];
    const n = (st: string) => p.filter((x) => x.status === st).length;
    const parts = [n("bounced") && `${n("bounced")}项退信`, n("failed") && `${n("failed")}项发送失败`, n("expired") && `${n("expired")}项已放弃`].filter(Boolean);
    return `【提醒邮件】${p.length}项提醒未能送达，请处理（${parts.join("，")}）`;
  }
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
  const rechecks = m.lines.filter((l) => l.reason === "recheck").length;
  const waiting = m.lines.length - overdue - rechecks;
  if (rechecks === m.lines.length) return `【回头看】${rechecks}项已销号的整改任务到了回头看日期，请确认巩固或认定反弹`;
  if (rechecks) return `【整改督办】${[overdue && `${overdue}项整改任务逾期未销号`, waiting && `${waiting}项申请等待您审批`, `${rechecks}项任务待回头看`].filter(Boolean).join("，")}`;
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

const X_KIND: Record<PlannedMail["kind"], string> = { owner: "deadline-reminder", leader: "leader-escalation", weekly: "weekly-digest", delivery: "delivery-problems" };

export function renderMail(m: PlannedMail, ctx: { baseUrl: string; today: string; now: Date; messageId: string; timeZone?: string }): OutgoingMail {
  const subject = subjectOf(m);
  const heading = subject.replace(/^【[^】]+】/, "");
  const data = {
    ...m,
    subject,
    heading,
    summary: summaryOf(m),
    overdue: m.lines.filter((l) => l.reason === "escalate"),
    waiting: m.lines.filter((l) => l.reason === "nudge-signoff" || l.reason === "nudge-extension"),
    rechecks: m.lines.filter((l) => l.reason === "recheck"),
    baseUrl: ctx.baseUrl,
    today: ctx.today,
    h: { ...helpers, kindLabel, cnDateTime: (iso: string) => cnDateTime(iso, ctx.timeZone ?? "Asia/Shanghai") },
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
const realTime = () => new Date();

function settingsFor(o: RunOptions, staleMs: number): PlanSettings {
  return { ...DEFAULT_PLAN_SETTINGS, staleClaimMinutes: staleMs / 60_000, timeZone: o.config.timeZone, now: (o.wall ?? realTime)().toISOString(), ...o.settings };
}

/** Restrict a planned mail to the items in `keys` (and their lines). */
function only(m: PlannedMail, keys: Set<string>): PlannedMail | null {
  const items = m.items.filter((i) => keys.has(i.dedupeKey));
  if (!items.length) return null;
  return { ...m, items, lines: m.lines.filter((l) => keys.has(l.key)) };
}

/** The longest a send can take (a claim older than this was lost): from the SMTP timeouts, 15 minutes without SMTP. */
export function staleClaimMs(config: RunOptions["config"]): number {
  return config.smtpUrl ? longestSendMs(config.smtpTimeouts ?? DEFAULT_SMTP_TIMEOUTS) : 15 * 60_000;
}

/** Runs `fn` over `items`, at most `limit` at once, results in the order of `items`. */
async function inParallel<T, R>(items: T[], limit: number, fn: (x: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, worker));
  return out;
}

/**
 * One planned mail → the mails to send: items retried keep the Message-ID of the mail they were
 * first in (one mail per such ID); items new today go together under an ID made from their keys.
 */
function splitByMessageId(m: PlannedMail, log: Map<string, LoggedEntry>, domain: string): { mail: PlannedMail; messageId: string }[] {
  const groups = new Map<string, Set<string>>();
  const fresh = new Set<string>();
  for (const i of m.items) {
    const id = i.attempts > 0 ? log.get(i.dedupeKey)?.messageId : null;
    if (id) {
      let g = groups.get(id);
      if (!g) groups.set(id, (g = new Set()));
      g.add(i.dedupeKey);
    } else fresh.add(i.dedupeKey);
  }
  const out = [...groups].map(([messageId, keys]) => ({ mail: only(m, keys)!, messageId }));
  if (fresh.size) out.push({ mail: only(m, fresh)!, messageId: messageIdFor(fresh, domain) });
  return out;
}

/** Mail is never sent inside a transaction: a claim must commit before its mail goes out. */
function outsideTx(db: Db): void {
  if (db.inTx()) throw new Error("提醒邮件不能在数据库事务内发送");
}

export async function runReminders(o: RunOptions): Promise<RunReport> {
  outsideTx(o.db);
  const today = o.today ?? dayIn(o.config.timeZone, o.now);
  const staleMs = staleClaimMs(o.config);
  const settings = settingsFor(o, staleMs);
  const relevant = new Set<string>();
  const loaded = await loadAndPlan(o.db, today, settings, { relevant, problems: await loadProblems(o.db) });
  const input = loaded.input;
  let mails = loaded.mails;
  if (o.retryOnly) mails = mails.map((m) => only(m, new Set(m.items.filter((i) => i.attempts > 0).map((i) => i.dedupeKey)))).filter((m): m is PlannedMail => !!m);
  const nowMs = Date.parse(settings.now);
  const logByKey = new Map(input.log.map((e) => [e.dedupeKey, e]));
  const seen = input.log.filter((e) => relevant.has(e.dedupeKey));
  const report: Omit<RunReport, "results" | "expired" | "unacknowledged" | "robots"> = {
    today,
    alreadySent: seen.filter((e) => e.status === "sent").length,
    waiting: seen.filter((e) => e.status === "failed" && e.retryAt && Date.parse(e.retryAt) > nowMs).map((e) => ({ key: e.dedupeKey, retryAt: e.retryAt! })),
    claimedElsewhere: seen
      .filter((e) => e.status === "pending" && e.claimedAt && nowMs - Date.parse(e.claimedAt) < staleMs)
      .map((e) => ({ key: e.dedupeKey, claimedAt: e.claimedAt ?? null, retryAt: new Date(Date.parse(e.claimedAt!) + staleMs).toISOString() })),
  };
  let results: RunResult[];
  let expired = 0;
  // the group robots: the same items, each channel's claimed under its own keys (robot:…), posted beside the mail
  const robotConfig = { sessionSecret: "", channelSecretKey: undefined, channelAllowPrivate: false, channelTimeoutMs: 10_000, ...o.config };
  const robotRun = { db: o.db, config: robotConfig, mailer: o.mailer, today, settings, input, relevant, staleClaimMs: staleMs, retryOnly: o.retryOnly, dryRun: o.dryRun, wall: o.wall, tuning: o.robotTuning };
  let robots: RobotResult[];
  if (o.dryRun) {
    results = mails.map((m) => ({ recipient: m.recipient, kind: m.kind, subject: subjectOf(m), items: m.items.length, status: "would-send" as const }));
    robots = await runRobots(robotRun);
  } else {
    const domain = mailDomain(o.config);
    const sends = mails.flatMap((m) => splitByMessageId(m, logByKey, domain));
    [results, robots] = await Promise.all([inParallel(sends, o.config.remindParallel ?? 4, (x) => deliver(o, x.mail, x.messageId, today, staleMs, false)), runRobots(robotRun)]);
    // after both: every robot item due today is in `relevant` too
    expired = await expire(o.db, input.log, relevant, today, nowMs, staleMs);
  }
  return { ...report, results, expired, unacknowledged: await unacknowledged(o.db), robots };
}

async function deliver(o: RunOptions, planned: PlannedMail, messageId: string, today: string, staleMs: number, force: boolean): Promise<RunResult> {
  const wall = o.wall ?? realTime;
  const at = wall();
  const claimItems = planned.items.map((i) => ({ ...i, recipientId: planned.recipient.id }));
  // the claim commits before anything is sent; the outcome is recorded in a transaction of its own
  const keys = await claim(o.db, claimItems, messageId, at, { staleClaimMs: staleMs, address: planned.recipient.email, force });
  const mail = only(planned, keys);
  const base = { recipient: planned.recipient, kind: planned.kind, messageId };
  if (!mail) {
    // another run got there first: sent, or only claimed (it may still be sending, or was killed)
    const rows = await o.db.select({ status: reminderLog.status, claimedAt: reminderLog.claimedAt }).from(reminderLog).where(inArray(reminderLog.dedupeKey, planned.items.map((i) => i.dedupeKey)));
    const open = rows.filter((r) => r.status === "pending");
    const retryAt = open.map((r) => new Date(Date.parse(r.claimedAt ?? at.toISOString()) + staleMs).toISOString()).sort()[0];
    return { ...base, subject: subjectOf(planned), items: planned.items.length, status: open.length ? "claimed" : "taken", ...(open.length ? { retryAt } : {}) };
  }
  let out: OutgoingMail;
  try {
    out = renderMail(mail, { baseUrl: o.config.baseUrl, today, now: o.now, messageId, timeZone: o.config.timeZone });
  } catch (err) {
    const error = `生成邮件失败：${(err as Error).message}`;
    const retryAt = await record(o.db, messageId, keys, { ok: false, permanent: false, error, at: wall() });
    return { ...base, recipient: mail.recipient, subject: subjectOf(mail), items: keys.size, status: "failed", error, retryAt };
  }
  try {
    const r = await o.mailer.send(out);
    await record(o.db, messageId, keys, { ok: true, at: wall() });
    return { ...base, subject: out.subject, items: keys.size, status: "sent", where: r.where };
  } catch (err) {
    const e = classify(err);
    const retryAt = await record(o.db, messageId, keys, { ok: false, permanent: e.permanent, error: e.message, at: wall() });
    return { ...base, subject: out.subject, items: keys.size, status: e.permanent ? "bounced" : "failed", error: e.message, ...(retryAt ? { retryAt } : {}) };
  }
}

// ───────────────────────── failures for the admins ─────────────────────────

const PROBLEM = ["failed", "bounced", "expired"] as const;
const unacked = and(inArray(reminderLog.status, [...PROBLEM]), isNull(reminderLog.acknowledgedAt));

// 首页 reads these for every admin view: by hand, the LIMIT written into the text (a bound
// LIMIT has SQLite plan the statement again on every run; test/lib/statements.test.ts)
const UNACKED_SQL = "l.status IN ('failed', 'bounced', 'expired') AND l.acknowledged_at IS NULL";
const PROBLEM_COUNTS_SQL = `SELECT l.status AS status, count(*) AS n FROM reminder_log l WHERE ${UNACKED_SQL} GROUP BY l.status`;
const problemListSql = (limit: number) =>
  `SELECT l.id, l.message_id AS "messageId", l.recipient_id AS "recipientId", l.status, u.name AS "recipientName", coalesce(l.sent_to, u.email) AS address, l.kind, l.task_id AS "taskId", t.title AS "taskTitle", l.day, l.attempts, l.last_error AS error, l.retry_at AS "retryAt"
   FROM reminder_log l JOIN users u ON u.id = l.recipient_id LEFT JOIN tasks t ON t.id = l.task_id
   WHERE ${UNACKED_SQL} ORDER BY l.created_at DESC, l.id DESC LIMIT ${Math.max(1, Math.floor(limit))}`;

/** Failed, 退信 and given-up items no admin has acknowledged. */
export async function unacknowledged(db: Db): Promise<RunReport["unacknowledged"]> {
  const n = { failed: 0, bounced: 0, expired: 0 };
  for (const r of await db.all<{ status: keyof typeof n; n: number }>(PROBLEM_COUNTS_SQL)) n[r.status] = r.n;
  return n;
}

export type ProblemRow = DeliveryProblem & { id: number; messageId: string | null; recipientId: number };

/** The unacknowledged failures, newest first (at most `limit`), for 首页 and the admins' weekly mail. */
export async function loadProblems(db: Db, limit = 200): Promise<ProblemRow[]> {
  return db.all<ProblemRow>(problemListSql(limit));
}

/** 首页's list for the admin: the counts and the newest 50, labelled. */
export async function mailProblems(db: Db) {
  const [counts, rows] = await Promise.all([unacknowledged(db), loadProblems(db, 50)]);
  return { counts, rows: rows.map((r) => ({ ...r, kindLabel: kindLabel(r.kind) })) };
}

/**
 * 知悉: an admin acknowledges failures (the rows given, or all unacknowledged ones); they leave
 * 首页's list, the weekly mail and `remind`'s exit status. Returns how many.
 */
export async function acknowledge(db: Db, adminId: number, ids: number[] | "all", now: Date): Promise<number> {
  if (ids !== "all" && !ids.length) throw new ValidationError("请选择要标记为已知悉的提醒");
  return db.tx(
    async () =>
      (
        await db
          .update(reminderLog)
          .set({ acknowledgedAt: now.toISOString(), acknowledgedBy: adminId })
          .where(ids === "all" ? unacked : and(unacked, inArray(reminderLog.id, ids)))
          .returning({ id: reminderLog.id })
      ).length,
  );
}

/** The person's latest 退信 to the address they still have, if no mail reached them since. */
export async function bounceOf(db: Db, userId: number, email: string): Promise<{ error: string | null; at: string } | null> {
  const row = await db.get<{ last_error: string | null; at: string }>(
    `SELECT b.last_error, coalesce(b.claimed_at, b.created_at) AS at FROM reminder_log b
     WHERE b.recipient_id = ? AND b.status = 'bounced' AND b.sent_to = ?
       AND NOT EXISTS (SELECT 1 FROM reminder_log s WHERE s.recipient_id = b.recipient_id AND s.status = 'sent' AND s.sent_to = b.sent_to AND s.sent_at > coalesce(b.claimed_at, b.created_at))
     ORDER BY b.id DESC LIMIT 1`,
    [userId, email],
  );
  return row ? { error: row.last_error, at: row.at } : null;
}

// ───────────────────────── the admin page 提醒记录 ─────────────────────────

export const LOG_PAGE_SIZE = 50;
export const LOG_STATUSES = ["sent", "failed", "bounced", "expired", "pending"] as const;
/** Counted up to this many, shown as "10000+" past it: the log grows every day, a page never counts all of it. */
export const LOG_COUNT_MAX = 10_000;

/**
 * 提醒记录, newest first, a page at a time: read in the order of reminder_created_idx (or, with a
 * status, reminder_status_idx), counts capped at LOG_COUNT_MAX. `pages` is null where the count
 * was capped; then `more` says whether a next page exists.
 */
export async function listLog(db: Db, f: { status?: string; page?: number }) {
  const status = LOG_STATUSES.find((x) => x === f.status) ?? null;
  const capped = async (where: string, ...p: unknown[]) => (await db.value<number>(`SELECT count(*) FROM (SELECT 1 FROM reminder_log ${where} LIMIT ${LOG_COUNT_MAX + 1}) AS capped`, p)) ?? 0;
  const total = status ? await capped("WHERE status = ?", status) : await capped("");
  const counts: Record<string, number | string> = {};
  for (const s of LOG_STATUSES) {
    const n = await capped("WHERE status = ?", s);
    counts[s] = n > LOG_COUNT_MAX ? `${LOG_COUNT_MAX}+` : n;
  }
  const pages = total > LOG_COUNT_MAX ? null : Math.max(1, Math.ceil(total / LOG_PAGE_SIZE));
  const page = Math.max(1, pages === null ? (f.page ?? 1) : Math.min(f.page ?? 1, pages));
  // by hand, LIMIT in the text: drizzle binds it, and SQLite plans a statement with a bound LIMIT anew on every run
  const found = (
    await db.all<typeof reminderLog.$inferSelect & { recipientName: string; recipientEmail: string; taskTitle: string | null }>(
      `SELECT ${columnsOf(reminderLog).replace(/"([a-z_]+)" AS/g, 'l."$1" AS')}, u.name AS "recipientName", u.email AS "recipientEmail", t.title AS "taskTitle"
       FROM reminder_log l JOIN users u ON u.id = l.recipient_id LEFT JOIN tasks t ON t.id = l.task_id
       ${status ? "WHERE l.status = ?" : ""} ORDER BY l.created_at DESC, l.id DESC LIMIT ${LOG_PAGE_SIZE + 1} OFFSET ?`,
      [...(status ? [status] : []), (page - 1) * LOG_PAGE_SIZE],
    )
  ).map((r) => ({ ...r, kindLabel: kindLabel(r.kind) }));
  const more = found.length > LOG_PAGE_SIZE;
  return { rows: found.slice(0, LOG_PAGE_SIZE), total: total > LOG_COUNT_MAX ? `${LOG_COUNT_MAX}+` : total, page, pages, more, counts };
}

/**
 * 重新发送: the clicked row and the rows that went out in the same mail with the same status,
 * rebuilt from today's data and sent again now.
 */
export async function resend(o: Omit<RunOptions, "today" | "dryRun" | "retryOnly">, id: number): Promise<RunResult> {
  outsideTx(o.db);
  const row = (await o.db.select().from(reminderLog).where(eq(reminderLog.id, id)))[0];
  if (!row) throw new NotFoundError("未找到该提醒记录");
  if (row.channelId) throw new ValidationError("群机器人消息失败后会自动重试，不能在这里重新发送；可在单位管理的群机器人页发送测试消息检查");
  const staleMs = staleClaimMs(o.config);
  const settings = settingsFor(o, staleMs);
  const claimedAt = row.claimedAt ?? claimTimeOf(row.messageId);
  if (row.status === "pending" && claimedAt && (o.wall ?? realTime)().getTime() - Date.parse(claimedAt) < staleMs) {
    throw new ConflictError("该提醒正在发送中，请稍后刷新查看结果");
  }
  const group = row.messageId
    ? await o.db
        .select()
        .from(reminderLog)
        .where(and(eq(reminderLog.messageId, row.messageId), eq(reminderLog.status, row.status), eq(reminderLog.recipientId, row.recipientId)))
    : [row];
  const today = dayIn(o.config.timeZone, o.now);
  const input = await loadPlanInput(o.db, today);
  const recipient = input.users.find((u) => u.id === row.recipientId);
  if (!recipient || !recipient.active) throw new ValidationError("收件人账号已停用，不能重新发送");
  // plan for this recipient as if nothing had been sent, then keep the lines of these items
  const kind = mailKindOf(row.kind);
  const matchRow = (g: { taskId: number | null; kind: string }) => (kind === "owner" ? `${g.taskId}` : `${g.taskId}:${g.kind}`);
  const matchLine = (l: { taskId: number; reason: string }) => (kind === "owner" ? `${l.taskId}` : `${l.taskId}:${l.reason}`);
  const keyOf = new Map(group.map((g) => [matchRow(g), g.dedupeKey]));
  const problems = kind === "delivery" ? await loadProblems(o.db) : undefined;
  const fresh = plan(input.tasks, [...input.users.filter((u) => u.id !== recipient.id), { ...recipient, remindEnabled: true }], [], today, { ...settings, weeklyCatchUpDays: 6 }, input.closed, { problems });
  const base = fresh.find((m) => m.recipient.id === recipient.id && m.kind === kind);
  const lines = (base?.lines ?? []).filter((l) => keyOf.has(matchLine(l))).map((l) => ({ ...l, key: keyOf.get(matchLine(l))! }));
  if (kind === "delivery" && !base?.problems) throw new ValidationError("目前没有未处理的提醒邮件投递问题，无需重新发送");
  if (kind !== "weekly" && kind !== "delivery" && !lines.length) throw new ValidationError("该提醒涉及的任务已销号或已不再需要提醒，无需重新发送");
  if (kind === "weekly" && !base?.digest) throw new ValidationError("该单位目前没有整改任务，无需重新发送周报");
  // the old rows are the items; the lines show today's state of their tasks
  const keep = new Set(kind === "weekly" || kind === "delivery" ? group.map((g) => g.dedupeKey) : lines.map((l) => l.key));
  const items = group.filter((g) => keep.has(g.dedupeKey)).map((g) => ({ taskId: g.taskId, kind: g.kind, day: g.day, dedupeKey: g.dedupeKey, attempts: g.attempts }));
  const mail: PlannedMail = { kind, recipient: { id: recipient.id, name: recipient.name, email: recipient.email }, items, lines, digest: base?.digest, problems: base?.problems };
  // a mail that was not delivered keeps its Message-ID; sending a delivered one again is a new mail
  const keys = items.map((i) => i.dedupeKey);
  const messageId = row.status !== "sent" && row.messageId ? row.messageId : messageIdFor([...keys, `resend:${row.attempts}`], mailDomain(o.config));
  return deliver({ ...o, today }, mail, messageId, today, staleMs, true);
}
