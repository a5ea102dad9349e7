// Task operations: each checks permissions.ts and workflow.ts, writes the task and its history
// row in one transaction, and returns the task id. A stale version is refused, never overwritten.
import { and, eq, sql, type SQL } from "drizzle-orm";
import type { Db } from "../../../db/client.ts";
import { columnsOf, perDb } from "../../../db/client.ts";
import { attachments, extensionRequests, recheckItems, taskEvents, tasks, units, users, type Task } from "../../../db/schema.ts";
type ExtensionRequest = typeof extensionRequests.$inferSelect;
type TaskEvent = typeof taskEvents.$inferSelect;
type Attachment = typeof attachments.$inferSelect;
import { can, canCreateTaskIn, canView, type Actor, type TaskScope } from "../auth/permissions.ts";
import { checkGuards, GuardError, nextState, STATE_LABEL, ACTION_LABEL, DEADLINE_KINDS, STATES, type Action, type DeadlineKind, type State } from "./workflow.ts";
import { ConflictError, ForbiddenError, NotFoundError, ValidationError, STALE_MESSAGE } from "../../lib/errors.ts";
import { isIsoDay, cnDate } from "../../lib/dates.ts";
import { positiveInt } from "../../lib/http.ts";
import type { StoredFile } from "./evidence.ts";
import { directory, type DirUser } from "../../lib/directory.ts";
import { keptLatest, keptLatestOf } from "../../lib/stats-version.ts";
import { taskIdsMatching } from "../search/service.ts";
import { parseQuery } from "../search/query.ts";
import { dueAfterHeld, dueAfterSignOff, settingsOf, isEffect, EFFECT_LABEL, type Effect } from "../recheck/plan.ts";

export const PAGE_SIZE = 30;

// ───────────────────────── listing ─────────────────────────

export type TaskFilters = {
  unit?: number;
  state?: State;
  owner?: number;
  overdue?: boolean;
  from?: string;
  to?: string;
  /** 我的任务 */
  mine?: boolean;
  /** 待我销号 */
  review?: boolean;
  /** tasks of branches rated 后进/软弱涣散 */
  flagged?: boolean;
  /** keywords: every one in the title or the measures (search's index of tasks) */
  q?: string;
  page?: number;
};

/** A row of the task list: what the list shows, nothing more (every value read costs at 30 rows a page). */
export type TaskRow = {
  id: number;
  title: string;
  state: State;
  deadlineKind: DeadlineKind;
  deadline: string | null;
  originalDeadline: string | null;
  unitId: number;
  unitName: string;
  unitRating: string | null;
  ownerName: string;
};

/** ids of the unit and all its sub-units */
export async function subtreeIds(db: Db, unitId: number): Promise<number[]> {
  return JSON.parse(await subtreeJson(db, unitId)) as number[];
}

/** subtreeIds() as a JSON array, for `IN (${db.dialect.jsonInts})`; kept with the directory (until the unit tree changes) */
async function subtreeJson(db: Db, unitId: number): Promise<string> {
  return (await directory(db)).derived(`subtree|${unitId}`, (dir) => {
    const root = dir.units.get(unitId)?.path;
    return JSON.stringify(root === undefined ? [] : dir.unitsInOrder.filter((u) => u.path.startsWith(root)).map((u) => u.id));
  });
}

/**
 * The WHERE of the task list, as SQL text over the table `tasks` with positional parameters:
 * what the actor may see, narrowed by the filters. A subtree's unit ids are one JSON parameter,
 * so the text depends only on which filters are set: one statement text per shape, which the
 * engines keep prepared. At 100,000 tasks, drizzle building this query anew on every request was
 * most of the list page's time; the query itself is a fraction of it.
 */
export async function taskWhere(db: Db, actor: Actor, f: TaskFilters, today: string, opts: { qLimit?: number; walk?: boolean } = {}): Promise<{ text: string; countText: string; params: unknown[]; keywordCut: boolean; keywordTotal?: number }> {
  const conds: string[] = [];
  const counted: string[] = []; // the same conditions as the count writes them (countText)
  const params: unknown[] = [];
  const add = (text: string, ...p: unknown[]) => addAs(text, text, ...p);
  const addAs = (text: string, countText: string, ...p: unknown[]) => {
    conds.push(text);
    counted.push(countText);
    params.push(...p);
  };
  // `walk`: the scope's and the unit filter's columns as expressions no index serves (col + 0),
  // so the one plan left is walking the list's order index (listTasks)
  const col = (name: "unit_id" | "owner_id" | "leader_id") => (opts.walk ? `(tasks.${name} + 0)` : `tasks.${name}`);
  // a unit without sub-units (most branches) compares by equality: no JSON to read per query
  const under = async (unitId: number): Promise<[string, unknown]> => {
    const json = await subtreeJson(db, unitId);
    return json === `[${unitId}]` ? [`${col("unit_id")} = ?`, unitId] : [`${col("unit_id")} IN (${db.dialect.jsonInts})`, json];
  };
  // 我的任务 of a leader or staff member needs no scope: the owner sees a task (canView), and
  // owner_id alone reads the page in order from tasks_owner_order_idx
  const ownTasksOnly = f.mine && (actor.role === "leader" || actor.role === "staff");
  if (ownTasksOnly) {
    // (the owner filter below is the whole scope)
  } else if (actor.role === "leader") {
    const [text, p] = await under(actor.unitId);
    add(`(${text} OR ${col("leader_id")} = ? OR ${col("owner_id")} = ?)`, p, actor.id, actor.id);
  } else if (actor.role !== "admin") add(`(${col("unit_id")} = ? OR ${col("owner_id")} = ?)`, actor.unitId, actor.id);
  if (f.mine) add(`tasks.owner_id = ?`, actor.id);
  if (f.unit) add(...(await under(f.unit)));
  if (f.state) add(`tasks.state = ?`, f.state);
  if (f.owner) add(`tasks.owner_id = ?`, f.owner);
  // the page walks the list's order index by "not signed off"; the count reads the three open
  // states' ranges of (state, deadline) and skips the signed off (65% of tasks): 55 → 10 ms at a million
  if (f.overdue) addAs(`tasks.state <> 'done' AND tasks.deadline < ?`, `tasks.state IN ('todo', 'doing', 'review') AND tasks.deadline < ?`, today);
  if (f.from) add(`tasks.deadline >= ?`, f.from);
  if (f.to) add(`tasks.deadline <= ?`, f.to);
  if (f.review) add(`tasks.state = 'review' AND (tasks.signoff_requested_by IS NULL OR tasks.signoff_requested_by <> ?)`, actor.id);
  if (f.flagged) add(`${col("unit_id")} IN (SELECT id FROM units WHERE rating IN ('backward', 'weak'))`);
  let keywordCut = false;
  let keywordTotal: number | undefined;
  if (f.q) {
    // the newest qLimit matches (every match without one), read once from search's index and
    // handed to the page's and the count's statements as one JSON parameter
    const ids = await taskIdsMatching(db, f.q, opts.qLimit ?? ALL_MATCHES, actor);
    if (ids) {
      keywordCut = opts.qLimit !== undefined && ids.length === opts.qLimit;
      // the keyword alone (an administrator's list, no other filter): its matches are the list, counted already
      if (!conds.length) keywordTotal = ids.length;
      add(`tasks.id IN (${db.dialect.jsonInts})`, JSON.stringify(ids));
    }
  }
  return { text: conds.join(" AND "), countText: counted.join(" AND "), params, keywordCut, keywordTotal };
}

/** taskWhere() without a qLimit (the ledger export) takes every match: a bound only in name, and one every engine's LIMIT takes */
const ALL_MATCHES = 2_147_483_647;

/**
 * The list looks at no more than this many of a keyword's newest matching tasks (a common word
 * matches most of a million): past it the list says 结果较多，请缩小范围. The ledger export takes them all.
 * 1,000 (34 pages), as GitHub's search stops at 1,000 results: the page sorts every one of them
 * into the list's order, which at a million tasks was most of the page's time at 2,000.
 */
export const KEYWORD_LIMIT = 1000;

/** taskWhere() as a drizzle condition, for queries built with drizzle (the ledger export). */
export async function taskConditions(db: Db, actor: Actor, f: TaskFilters, today: string): Promise<SQL | undefined> {
  const w = await taskWhere(db, actor, f, today);
  if (!w.text) return undefined;
  const pieces = w.text.split("?");
  return sql.join(pieces.flatMap((piece, i) => (i < w.params.length ? [sql.raw(piece), sql`${w.params[i]}`] : [sql.raw(piece)])));
}

/**
 * The list's order: open before signed off, dated before undated, soonest first. Read from an
 * index, not sorted, on SQLite: the whole list from tasks_list_order_idx (migration 0004); a list
 * filtered by state (where "signed off first or last" is settled) from tasks_unit_state_order_idx
 * (migration 0007) when a unit is chosen too. `deadline IS NULL` already puts undated tasks last;
 * NULLS FIRST is SQLite's own default for an ascending key (so its index still gives the order)
 * and says the same to PostgreSQL, whose default differs.
 */
const LIST_ORDER = `ORDER BY tasks.state = 'done', tasks.deadline IS NULL, tasks.deadline NULLS FIRST, tasks.id`;
const LIST_ORDER_ONE_STATE = `ORDER BY tasks.deadline IS NULL, tasks.deadline NULLS FIRST, tasks.id`;

/** the page's rows by id; names and ratings come from the directory, not from joins */
const LIST_COLUMNS = `id, title, state, deadline_kind AS "deadlineKind", deadline, original_deadline AS "originalDeadline", unit_id AS "unitId", owner_id AS "ownerId"`;
type ListRow = { id: number; title: string; state: State; deadlineKind: DeadlineKind; deadline: string | null; originalDeadline: string | null; unitId: number; ownerId: number };

export async function listTasks(db: Db, actor: Actor, f: TaskFilters, today: string) {
  const w = await taskWhere(db, actor, f, today, { qLimit: KEYWORD_LIMIT });
  const where = w.text ? `WHERE ${w.text}` : "";
  const countWhere = w.countText ? `WHERE ${w.countText}` : "";
  const order = f.state || f.review ? LIST_ORDER_ONE_STATE : LIST_ORDER; // 待我销号 is one state
  const requested = Math.max(1, f.page ?? 1);
  const dir = await directory(db);
  const toRow = ({ id, title, state, deadlineKind, deadline, originalDeadline, unitId, ownerId }: ListRow): TaskRow => {
    const unit = dir.units.get(unitId);
    return { id, title, state, deadlineKind, deadline, originalDeadline, unitId, unitName: unit?.name ?? "", unitRating: unit?.rating ?? null, ownerName: dir.users.get(ownerId)?.name ?? "" };
  };
  // A scope or a unit filter (a leader's ninth of a million tasks, 后进支部) is answered by the
  // indexes on unit, leader and owner: every matching task's key read and sorted, tens of ms at
  // a million. Where the matches are many, walking the list's order index (which carries those
  // columns, migration 0021) and keeping the matching entries finds a page sooner: about
  // (offset + 30) × tasks ÷ matches entries against the matches' number. The count (kept, and
  // shown anyway) says which; the walk's statement writes the scope's columns so that no other
  // index serves them (taskWhere's `walk`).
  let total = -1;
  let stmt = w;
  if (!f.q && !f.owner && !f.mine && (actor.role !== "admin" || f.unit || f.flagged)) {
    total = await countOf(db, countWhere, w.params);
    const tasks = await kept(db, "span", async () => Number((await db.value<number>("SELECT max(id) FROM tasks")) ?? 0));
    const page = Math.min(requested, Math.max(1, Math.ceil(total / PAGE_SIZE)));
    if (total * total >= page * PAGE_SIZE * tasks) stmt = await taskWhere(db, actor, f, today, { walk: true });
  }
  // Where an index gives the order (the engine's plan says so), the page's rows come straight
  // from walking it; else the page's ids are sorted and cut first (from the list's index alone
  // where one covers the filter), then those rows only are read: at 100,000 tasks, sorting every
  // matching row with its columns was the list's largest query. LIMIT in the text, not bound:
  // SQLite plans with a LIMIT's value, so a statement with a bound LIMIT is planned anew on every
  // run (OFFSET's value it does not use).
  const stmtWhere = stmt.text ? `WHERE ${stmt.text}` : "";
  const pageSql = `SELECT ${LIST_COLUMNS} FROM tasks ${stmtWhere} ${order} LIMIT ${PAGE_SIZE} OFFSET ?`;
  const oneQuery = await db.readsInOrder(pageSql, [...stmt.params, 0]);
  const idsSql = `SELECT id FROM tasks ${stmtWhere} ${order} LIMIT ${PAGE_SIZE} OFFSET ?`;
  const rowsSql = `SELECT ${LIST_COLUMNS} FROM tasks WHERE id IN (${db.dialect.jsonInts})`;
  const pageRows = async (page: number): Promise<ListRow[]> => {
    const offset = (page - 1) * PAGE_SIZE;
    if (oneQuery) return db.all<ListRow>(pageSql, [...stmt.params, offset]);
    const ids = await db.column<number>(idsSql, [...stmt.params, offset]);
    if (!ids.length) return [];
    const byId = new Map((await db.all<ListRow>(rowsSql, [JSON.stringify(ids)])).map((r) => [r.id, r]));
    return ids.map((id) => byId.get(id)!);
  };
  let page = total < 0 ? requested : Math.min(requested, Math.max(1, Math.ceil(total / PAGE_SIZE)));
  let rows = await pageRows(page);
  if (total < 0) {
    // a short page that is not empty is the last one: the count is what came before it and on it
    total = w.keywordTotal ?? ((rows.length || requested === 1) && rows.length < PAGE_SIZE ? (requested - 1) * PAGE_SIZE + rows.length : await countOf(db, countWhere, w.params, !f.q));
    page = Math.min(requested, Math.max(1, Math.ceil(total / PAGE_SIZE)));
    if (page !== requested) rows = await pageRows(page); // past the end: the last page
  }
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  return { rows: rows.map(toRow), total, page, pages, keywordCut: w.keywordCut };
}

/**
 * The list's counts, kept per filter until stats_version moves: at a million tasks counting 逾期
 * or 待我销号 reads tens of thousands of index entries, and the count changes only when a task's
 * state, deadline, unit, owner, leader or sign-off requester does, each of which moves
 * stats_version in the writing transaction (migrations 0003, 0015); so does a new task. A
 * keyword filter's count is not kept (titles and measures do not move the counter); it is
 * bounded by KEYWORD_LIMIT.
 */
const listCounts = perDb(() => keptLatestOf<number>());
const kept = (db: Db, key: string, count: () => Promise<number>): Promise<number> => keptLatest(listCounts(db), db, key, count);
async function countOf(db: Db, where: string, params: unknown[], keep = true): Promise<number> {
  // on the store's reader thread: a count over tens of thousands of tasks does not hold the event loop
  const count = async () => Number((await db.scan<{ n: number }>(`SELECT count(*) AS n FROM tasks ${where}`, params))[0].n);
  return keep ? kept(db, `${where}|${JSON.stringify(params)}`, count) : count();
}

// ───────────────────────── one task ─────────────────────────

async function loadScope(db: Db, id: number) {
  const q = TASK_PAGE;
  if (!Number.isSafeInteger(id)) return null;
  // read side by side (on a database server, two round trips at once)
  const [row, pending] = await Promise.all([db.get<Task & { overseerId: number | null; recheckDue: string | null }>(q.task, [id]), db.get<ExtensionRequest>(q.pending, [id])]);
  if (!row) return null;
  const { overseerId, recheckDue, ...task } = row;
  const unit = (await directory(db)).units.get(task.unitId)!;
  const scope: TaskScope = {
    unitId: task.unitId,
    unitPath: unit.path,
    ownerId: task.ownerId,
    leaderId: task.leaderId,
    state: task.state,
    signoffRequestedBy: task.signoffRequestedBy,
    extensionRequestedBy: pending?.requestedBy ?? null,
    overseerId,
  };
  return { task: task as Task, scope, requireCheck: unit.requireSignoffCheck, requireEvidence: unit.requireEvidence, pending, recheckDue };
}

/**
 * The task page's queries (also every verb's permission check), by hand, their texts made once
 * (the engines keep them prepared); names and units come from the directory. Columns are aliased
 * to drizzle's names, so rows look as drizzle would give them, without its row mapping on every
 * request.
 */
const TASK_PAGE = {
  // with the unit's overseer (who may answer the 回头看) and the open 回头看's date (one at most)
  task: `SELECT ${columnsOf(tasks)}, (SELECT overseer_id FROM units WHERE units.id = tasks.unit_id) AS "overseerId", (SELECT due FROM recheck_items WHERE recheck_items.task_id = tasks.id AND recheck_items.status = 'open') AS "recheckDue" FROM tasks WHERE id = ?`,
  pending: `SELECT ${columnsOf(extensionRequests)} FROM extension_requests WHERE task_id = ? AND status = 'pending'`,
  events: `SELECT ${columnsOf(taskEvents)} FROM task_events WHERE task_id = ? ORDER BY at DESC, id DESC`,
  files: `SELECT ${columnsOf(attachments)} FROM attachments WHERE task_id = ? ORDER BY id`,
  hasFile: `SELECT 1 FROM attachments WHERE task_id = ? LIMIT 1`,
  problem: `SELECT p.id, p.text, p.category, r.id AS "reportId", r.title AS "reportTitle" FROM problems p JOIN reports r ON r.id = p.report_id WHERE p.id = ?`,
};

export async function getTask(db: Db, actor: Actor, id: number) {
  const s = await loadScope(db, id);
  if (!s || !canView(actor, s.scope)) throw new NotFoundError("未找到该任务，可能您没有权限查看");
  const t = s.task;
  const q = TASK_PAGE;
  const dir = await directory(db);
  const u = dir.units.get(t.unitId)!;
  const nameOf = (uid: number | null) => (uid ? (dir.users.get(uid)?.name ?? "") : "");
  // the page's other reads side by side (on a database server, four round trips at once)
  const [eventRows, files, problem, recurs] = await Promise.all([
    db.all<TaskEvent>(q.events, [id]),
    db.all<Attachment>(q.files, [id]),
    t.problemId ? db.get<{ id: number; text: string; category: string; reportId: number; reportTitle: string }>(q.problem, [t.problemId]).then((p) => p ?? null) : null,
    t.recursOfTaskId ? db.get<{ id: number; title: string }>(`SELECT id, title FROM tasks WHERE id = ?`, [t.recursOfTaskId]).then((r) => r ?? null) : null,
  ]);
  const events = eventRows.map((e) => ({ ...e, actorName: (e.actorId !== null && dir.users.get(e.actorId)?.name) || "系统", data: e.data ? JSON.parse(e.data) : null }));
  const linkedUnit = t.linkedUnitId ? (dir.units.get(t.linkedUnitId) ?? null) : null;
  const allowed = (Object.keys(ACTION_LABEL) as Action[]).filter((a) => can(actor, a, s.scope) && nextState(t.state, a, { requireCheck: s.requireCheck }) !== null);
  return {
    task: t,
    unit: u,
    ownerName: nameOf(t.ownerId),
    leaderName: nameOf(t.leaderId),
    signedOffByName: nameOf(t.signedOffBy),
    requestedByName: nameOf(t.signoffRequestedBy),
    pending: s.pending ? { ...s.pending, requestedByName: nameOf(s.pending.requestedBy) } : null,
    requireCheck: s.requireCheck,
    requireEvidence: s.requireEvidence,
    events,
    files,
    filesByEvent: groupBy(files, (f) => f.eventId ?? 0),
    problem,
    linkedUnit,
    allowed: new Set(allowed.filter((a) => (a !== "decideExtension" || s.pending) && (a !== "confirmHeld" || s.recheckDue))),
    /** the open 回头看's date, if any */
    recheckDue: s.recheckDue,
    effectLabel: t.effect ? EFFECT_LABEL[t.effect as Effect] : "",
    recurs,
  };
}
export type TaskDetail = Awaited<ReturnType<typeof getTask>>;

function groupBy<T>(xs: T[], key: (x: T) => number): Record<number, T[]> {
  const out: Record<number, T[]> = {};
  for (const x of xs) (out[key(x)] ??= []).push(x);
  return out;
}

export async function canSee(db: Db, actor: Actor, id: number): Promise<boolean> {
  const s = await loadScope(db, id);
  return !!s && canView(actor, s.scope);
}

export async function getAttachment(db: Db, actor: Actor, attachmentId: number) {
  const a = (await db.select().from(attachments).where(eq(attachments.id, attachmentId)))[0];
  if (!a) throw new NotFoundError("未找到该文件");
  const s = await loadScope(db, a.taskId);
  if (!s || !canView(actor, s.scope)) throw new NotFoundError("未找到该文件");
  return a;
}

// ───────────────────────── the workflow verbs ─────────────────────────

export type Ctx = { db: Db; actor: Actor; now: Date; today: string };

/**
 * The frame of every change: load, check view/role/version/state/guards in that order,
 * then apply() writes inside the same transaction (db.tx: writers follow one another).
 */
async function act(
  c: Ctx,
  taskId: number,
  version: number,
  action: Action,
  input: Parameters<typeof checkGuards>[2],
  apply: (t: Task, next: State, nowIso: string, s: NonNullable<Awaited<ReturnType<typeof loadScope>>>) => Promise<void>,
): Promise<number> {
  return c.db.tx(async () => {
    const s = await loadScope(c.db, taskId);
    if (!s || !canView(c.actor, s.scope)) throw new NotFoundError("未找到该任务，可能您没有权限查看");
    if (!can(c.actor, action, s.scope)) {
      if ((action === "signOff" || action === "sendBack") && s.scope.signoffRequestedBy === c.actor.id) throw new ForbiddenError("不能审核本人提出的销号申请，请由其他领导审核");
      if (action === "decideExtension" && s.scope.extensionRequestedBy === c.actor.id) throw new ForbiddenError("不能审批本人提出的延期申请");
      throw new ForbiddenError();
    }
    if (s.task.version !== version) throw new ConflictError(STALE_MESSAGE);
    const next = nextState(s.task.state, action, { requireCheck: s.requireCheck });
    if (next === null) throw new ConflictError(`任务当前为“${STATE_LABEL[s.task.state]}”，不能${ACTION_LABEL[action]}；请刷新页面`);
    try {
      checkGuards(action, { ...s.task, hasPendingExtension: !!s.pending, recheckDue: s.recheckDue }, input, c.today);
    } catch (e) {
      if (e instanceof GuardError) throw new ValidationError(e.message, e.field ? { [e.field]: e.message } : {});
      throw e;
    }
    await apply(s.task, next, c.now.toISOString(), s);
    return taskId;
  });
}

/** Writes the task with version+1, guarded by the version read (belt and braces inside the tx). */
async function writeTask(c: Ctx, t: Task, set: Partial<Task>, nowIso: string): Promise<void> {
  const changed = await c.db
    .update(tasks)
    .set({ ...set, version: t.version + 1, updatedAt: nowIso })
    .where(and(eq(tasks.id, t.id), eq(tasks.version, t.version)))
    .returning({ id: tasks.id });
  if (changed.length !== 1) throw new ConflictError(STALE_MESSAGE);
}

async function event(c: Ctx, t: Task, kind: string, nowIso: string, o: { from?: State; to?: State; text?: string; data?: unknown } = {}): Promise<number> {
  const [r] = await c.db
    .insert(taskEvents)
    .values({ taskId: t.id, actorId: c.actor.id, at: nowIso, kind, fromState: o.from ?? null, toState: o.to ?? null, text: o.text ?? "", data: o.data === undefined ? null : JSON.stringify(o.data) })
    .returning({ id: taskEvents.id });
  return r.id;
}

/** A task that reaches 已销号 closes its open extension request. */
async function closePendingExtension(c: Ctx, t: Task, s: { pending?: { id: number } }, nowIso: string) {
  if (!s.pending) return;
  await c.db.update(extensionRequests).set({ status: "withdrawn" as never, decidedAt: nowIso, decisionReason: "任务已销号，申请自动关闭" }).where(eq(extensionRequests.id, s.pending.id));
  await event(c, t, "extensionWithdrawn", nowIso, { text: "任务已销号，延期申请自动关闭" });
}

export async function postProgress(c: Ctx, taskId: number, version: number, text: string, files: StoredFile[]): Promise<number> {
  return act(c, taskId, version, "progress", { text }, async (t, next, nowIso) => {
    await writeTask(c, t, { state: next, progressCount: t.progressCount + 1, lastProgressAt: nowIso }, nowIso);
    const eventId = await event(c, t, "progress", nowIso, { from: t.state, to: next, text: text.trim(), data: files.length ? { files: files.map((f) => f.originalName) } : undefined });
    for (const f of files) await c.db.insert(attachments).values({ ...f, taskId: t.id, eventId, uploadedBy: c.actor.id, uploadedAt: nowIso });
  });
}

/** 佐证材料必传 (a unit setting, on by default): no 申请销号 or 销号 of a task without an evidence file. */
export const EVIDENCE_REQUIRED_MESSAGE = "本单位规定销号须有佐证材料：请先在“填报整改进展”中上传至少一份佐证材料";
async function assertEvidence(c: Ctx, t: Task, s: { requireEvidence: boolean }) {
  if (s.requireEvidence && (await c.db.value(TASK_PAGE.hasFile, [t.id])) === undefined) throw new ValidationError(EVIDENCE_REQUIRED_MESSAGE, { files: EVIDENCE_REQUIRED_MESSAGE });
}

/** 申请销号, or 销号 at once where the unit needs no leader's check. */
export async function requestSignOff(c: Ctx, taskId: number, version: number, note: string): Promise<number> {
  return act(c, taskId, version, "requestSignOff", {}, async (t, next, nowIso, s) => {
    await assertEvidence(c, t, s);
    if (next === "done") {
      await writeTask(c, t, { state: next, signoffRequestedBy: c.actor.id, signoffRequestedAt: nowIso, signedOffBy: c.actor.id, signedOffAt: nowIso }, nowIso);
      await event(c, t, "closedByOwner", nowIso, { from: t.state, to: next, text: note.trim() || "本单位无需领导审核，责任人直接销号" });
      await closePendingExtension(c, t, s, nowIso);
      await planRecheck(c, t, dueAfterSignOff(c.today, t.deadlineKind, await recheckSettings(c, t.unitId)));
    } else {
      await writeTask(c, t, { state: next, signoffRequestedBy: c.actor.id, signoffRequestedAt: nowIso }, nowIso);
      await event(c, t, "requestSignOff", nowIso, { from: t.state, to: next, text: note.trim() });
    }
  });
}

/** 销号, with the leader's 整改成效 (optional; one of EFFECTS) beside the note; plans the 回头看. */
export async function signOff(c: Ctx, taskId: number, version: number, note: string, effect: string = ""): Promise<number> {
  if (effect && !isEffect(effect)) throw new ValidationError("请选择整改成效", { effect: "请选择整改成效" });
  return act(c, taskId, version, "signOff", {}, async (t, next, nowIso, s) => {
    await assertEvidence(c, t, s);
    await writeTask(c, t, { state: next, signedOffBy: c.actor.id, signedOffAt: nowIso, effect: (effect || null) as Effect | null }, nowIso);
    await event(c, t, "signOff", nowIso, { from: t.state, to: next, text: note.trim(), data: effect ? { effect: EFFECT_LABEL[effect as Effect] } : undefined });
    await closePendingExtension(c, t, s, nowIso);
    await planRecheck(c, t, dueAfterSignOff(c.today, t.deadlineKind, await recheckSettings(c, t.unitId)));
  });
}

// ───────────────────────── 回头看 ─────────────────────────

async function recheckSettings(c: Ctx, unitId: number) {
  return settingsOf((await c.db.select({ recheckMonths: units.recheckMonths, recheckOngoingMonths: units.recheckOngoingMonths }).from(units).where(eq(units.id, unitId)))[0]);
}

/** The task's open 回头看 on `due` (replacing an open one's date; none when due is null). Inside the caller's transaction. */
async function planRecheck(c: Ctx, t: Task, due: string | null, roundId: number | null = null): Promise<void> {
  if (!due) return;
  await c.db
    .insert(recheckItems)
    .values({ taskId: t.id, due, roundId, createdAt: c.now.toISOString() })
    .onConflictDoUpdate({ target: recheckItems.taskId, targetWhere: sql`status = 'open'`, set: { due, roundId } });
}

/** 巩固: the 回头看 finds the fix holds (note, optional evidence); a 长期坚持 task's next one is planned. */
export async function confirmHeld(c: Ctx, taskId: number, version: number, note: string, files: StoredFile[]): Promise<number> {
  return act(c, taskId, version, "confirmHeld", {}, async (t, _next, nowIso) => {
    await writeTask(c, t, {}, nowIso);
    const eventId = await event(c, t, "recheckHeld", nowIso, { text: note.trim() || "回头看未发现问题反弹，整改成果巩固", data: files.length ? { files: files.map((f) => f.originalName) } : undefined });
    for (const f of files) await c.db.insert(attachments).values({ ...f, taskId: t.id, eventId, uploadedBy: c.actor.id, uploadedAt: nowIso });
    await c.db
      .update(recheckItems)
      .set({ status: "held", note: note.trim(), decidedBy: c.actor.id, decidedAt: nowIso, eventId })
      .where(and(eq(recheckItems.taskId, t.id), eq(recheckItems.status, "open")));
    await planRecheck(c, t, dueAfterHeld(c.today, t.deadlineKind, await recheckSettings(c, t.unitId)));
  });
}

/** 反弹: the problem came back; the task reopens (整改中), the 反弹 is counted. */
export async function rebound(c: Ctx, taskId: number, version: number, reason: string, files: StoredFile[] = []): Promise<number> {
  return act(c, taskId, version, "rebound", { reason }, async (t, next, nowIso) => {
    await writeTask(c, t, { state: next, signoffRequestedBy: null, signoffRequestedAt: null, signedOffBy: null, signedOffAt: null, reboundCount: t.reboundCount + 1 }, nowIso);
    const eventId = await event(c, t, "rebound", nowIso, { from: t.state, to: next, text: reason.trim(), data: files.length ? { files: files.map((f) => f.originalName) } : undefined });
    for (const f of files) await c.db.insert(attachments).values({ ...f, taskId: t.id, eventId, uploadedBy: c.actor.id, uploadedAt: nowIso });
    const open = await c.db.update(recheckItems).set({ status: "rebound", note: reason.trim(), decidedBy: c.actor.id, decidedAt: nowIso, eventId }).where(and(eq(recheckItems.taskId, t.id), eq(recheckItems.status, "open"))).returning({ id: recheckItems.id });
    // a 反弹 found outside a planned 回头看 is still one: on record as a judged item
    if (!open.length) await c.db.insert(recheckItems).values({ taskId: t.id, due: c.today, status: "rebound", note: reason.trim(), decidedBy: c.actor.id, decidedAt: nowIso, eventId, createdAt: nowIso });
  });
}

/** A leader sets (or, with "", clears) a signed-off task's 回头看 date. */
export async function setRecheckDue(c: Ctx, taskId: number, version: number, due: string): Promise<number> {
  return act(c, taskId, version, "setRecheck", { recheckDue: due }, async (t, _next, nowIso, s) => {
    if ((s.recheckDue ?? "") === due) throw new ValidationError("回头看日期没有变化", { recheckDue: "没有变化" });
    await writeTask(c, t, {}, nowIso);
    if (due) await planRecheck(c, t, due);
    else await c.db.delete(recheckItems).where(and(eq(recheckItems.taskId, t.id), eq(recheckItems.status, "open")));
    await event(c, t, "recheckSet", nowIso, { text: due ? `回头看日期：${cnDate(due)}` : "取消回头看", data: { from: s.recheckDue, to: due || null } });
  });
}

/**
 * 反弹/重复出现: `taskId` (new, from a later report) repeats the problem of `earlierId`. The new
 * task is linked to the earlier one, both histories say so, and the earlier task's 反弹 is
 * counted. Inside the caller's transaction (the import's confirmation).
 */
export async function markRecurrence(c: Ctx, taskId: number, earlierId: number, reportTitle: string): Promise<void> {
  const nowIso = c.now.toISOString();
  const earlier = (await c.db.select().from(tasks).where(eq(tasks.id, earlierId)))[0];
  const s = earlier ? await loadScope(c.db, earlierId) : null;
  if (!earlier || !s || !canView(c.actor, s.scope)) throw new ValidationError("所标记的原问题不存在或无权查看");
  const t = (await c.db.select().from(tasks).where(eq(tasks.id, taskId)))[0]!;
  await writeTask(c, t, { recursOfTaskId: earlierId }, nowIso);
  await event(c, t, "recurrence", nowIso, { text: `与任务“${earlier.title}”（#${earlierId}）为同一问题，反弹/重复出现`, data: { earlier: earlierId } });
  await writeTask(c, earlier, { reboundCount: earlier.reboundCount + 1 }, nowIso);
  await event(c, earlier, "recurred", nowIso, { text: `问题在《${reportTitle}》中再次出现，见任务“${t.title}”（#${taskId}）`, data: { later: taskId } });
  await c.db.insert(recheckItems).values({ taskId: earlierId, due: c.today, status: "rebound", note: `在《${reportTitle}》中重复出现`, decidedBy: c.actor.id, decidedAt: nowIso, createdAt: nowIso }).onConflictDoNothing();
}

export async function sendBack(c: Ctx, taskId: number, version: number, reason: string): Promise<number> {
  return act(c, taskId, version, "sendBack", { reason }, async (t, next, nowIso) => {
    await writeTask(c, t, { state: next, signoffRequestedBy: null, signoffRequestedAt: null }, nowIso);
    await event(c, t, "sendBack", nowIso, { from: t.state, to: next, text: reason.trim() });
  });
}

export async function reopen(c: Ctx, taskId: number, version: number, reason: string): Promise<number> {
  return act(c, taskId, version, "reopen", { reason }, async (t, next, nowIso) => {
    await writeTask(c, t, { state: next, signoffRequestedBy: null, signoffRequestedAt: null, signedOffBy: null, signedOffAt: null }, nowIso);
    await event(c, t, "reopen", nowIso, { from: t.state, to: next, text: reason.trim() });
  });
}

export async function requestExtension(c: Ctx, taskId: number, version: number, newDeadline: string, reason: string): Promise<number> {
  return act(c, taskId, version, "requestExtension", { newDeadline, reason }, async (t, _next, nowIso) => {
    await writeTask(c, t, {}, nowIso);
    await c.db.insert(extensionRequests).values({ taskId: t.id, requestedBy: c.actor.id, requestedAt: nowIso, oldDeadline: t.deadline, newDeadline, reason: reason.trim() });
    await event(c, t, "extensionRequested", nowIso, { text: reason.trim(), data: { from: t.deadline, to: newDeadline } });
  });
}

export async function decideExtension(c: Ctx, taskId: number, version: number, approve: boolean, reason: string): Promise<number> {
  return act(c, taskId, version, "decideExtension", {}, async (t, _next, nowIso, s) => {
    const p = s.pending!;
    if (!approve && !reason.trim()) throw new ValidationError("不同意延期时请填写理由", { reason: "请填写理由" });
    await c.db
      .update(extensionRequests)
      .set({ status: approve ? "approved" : "refused", decidedBy: c.actor.id, decidedAt: nowIso, decisionReason: reason.trim() || null })
      .where(eq(extensionRequests.id, p.id));
    if (approve) {
      await writeTask(c, t, { deadline: p.newDeadline, deadlineKind: t.deadlineKind, originalDeadline: t.originalDeadline ?? t.deadline }, nowIso);
      await event(c, t, "extensionApproved", nowIso, { text: reason.trim(), data: { from: t.deadline, to: p.newDeadline } });
    } else {
      await writeTask(c, t, {}, nowIso);
      await event(c, t, "extensionRefused", nowIso, { text: reason.trim(), data: { from: t.deadline, to: p.newDeadline } });
    }
  });
}

// ───────────────────────── create and edit ─────────────────────────

export type TaskInput = {
  title: string;
  goal: string;
  measures: string;
  coUnits: string;
  unitId: number | null;
  ownerId: number | null;
  leaderId: number | null;
  deadlineKind: string;
  deadline: string;
  deadlineReason?: string;
  linkedUnitId?: number | null;
  problemId?: number | null;
};

/** Checks a create/edit form; returns clean values or throws ValidationError with every field's message. */
async function validateInput(c: Ctx, input: TaskInput, opts: { deadlineMayBePast: boolean }) {
  const errors: Record<string, string> = {};
  const title = input.title.trim();
  if (!title) errors.title = "请填写任务名称（问题描述）";
  else if (title.length > 500) errors.title = "任务名称不超过 500 字";
  const unit = input.unitId ? (await c.db.select().from(units).where(eq(units.id, input.unitId)))[0] : undefined;
  if (!unit) errors.unitId = "请选择责任单位";
  else if (!canCreateTaskIn(c.actor, unit.path)) errors.unitId = "只能在本单位及下级单位中安排任务";
  const owner = input.ownerId ? (await c.db.select().from(users).where(eq(users.id, input.ownerId)))[0] : undefined;
  if (!owner) errors.ownerId = "请选择责任人";
  else if (!owner.active) errors.ownerId = "该责任人账号已停用";
  else if (owner.role === "admin") errors.ownerId = "系统管理员账号不能作为责任人，请选择责任单位的人员";
  else if (unit && !((await directory(c.db)).users.get(owner.id)?.unitPath ?? "").startsWith(unit.path)) errors.ownerId = `责任人须为${unit.name}（含下级单位）的人员`;
  const leader = input.leaderId ? (await c.db.select().from(users).where(eq(users.id, input.leaderId)))[0] : undefined;
  if (input.leaderId && (!leader || !leader.active || leader.role === "staff")) errors.leaderId = "责任领导须为在用的领导账号";
  const kind = input.deadlineKind as DeadlineKind;
  let deadline: string | null = null;
  if (!(DEADLINE_KINDS as readonly string[]).includes(kind)) errors.deadlineKind = "请选择整改时限类型";
  else if (kind !== "ongoing") {
    if (!input.deadline) errors.deadline = "请填写整改时限";
    else if (!isIsoDay(input.deadline)) errors.deadline = "整改时限不是有效日期";
    else if (input.deadline < c.today && !opts.deadlineMayBePast) errors.deadline = `整改时限不能早于今天（${cnDate(c.today)}）`;
    else deadline = input.deadline;
  }
  if (Object.keys(errors).length) throw new ValidationError("请修正标出的内容后再保存", errors);
  return { title, goal: input.goal.trim(), measures: input.measures.trim(), coUnits: input.coUnits.trim(), unitId: unit!.id, ownerId: owner!.id, leaderId: leader?.id ?? null, deadlineKind: kind, deadline };
}

export async function createTask(c: Ctx, input: TaskInput, origin?: { kind: "imported"; text: string }): Promise<number> {
  if (c.actor.role === "staff") throw new ForbiddenError("只有领导和管理员可以新建任务");
  return c.db.tx(async () => {
    const v = await validateInput(c, input, { deadlineMayBePast: false });
    const nowIso = c.now.toISOString();
    const [{ id }] = await c.db
      .insert(tasks)
      .values({ ...v, originalDeadline: v.deadline, linkedUnitId: input.linkedUnitId ?? null, problemId: input.problemId ?? null, createdBy: c.actor.id, createdAt: nowIso, updatedAt: nowIso })
      .returning({ id: tasks.id });
    const t = (await c.db.select().from(tasks).where(eq(tasks.id, id)))[0]!;
    await event(c, t, origin?.kind ?? "created", nowIso, { to: "todo", text: origin?.text ?? "", data: { owner: v.ownerId, deadline: v.deadline, kind: v.deadlineKind } });
    return id;
  });
}

const EDIT_FIELDS = { title: "任务名称", goal: "整改目标", measures: "整改措施", coUnits: "配合单位", unitId: "责任单位", ownerId: "责任人", leaderId: "责任领导", deadlineKind: "时限类型", deadline: "整改时限" } as const;

export async function editTask(c: Ctx, taskId: number, version: number, input: TaskInput): Promise<number> {
  return act(c, taskId, version, "edit", {}, async (t, _next, nowIso) => {
    // an unchanged past deadline may stay; a new one may not be in the past
    const v = await validateInput(c, input, { deadlineMayBePast: input.deadline === t.deadline });
    const changes: { field: string; label: string; from: unknown; to: unknown }[] = [];
    for (const [field, label] of Object.entries(EDIT_FIELDS)) {
      const from = (t as any)[field] ?? null;
      const to = (v as any)[field] ?? null;
      if (from !== to) changes.push({ field, label, from, to });
    }
    if (!changes.length) throw new ValidationError("没有需要保存的修改");
    const deadlineChanged = changes.some((x) => x.field === "deadline" || x.field === "deadlineKind");
    const reason = (input.deadlineReason ?? "").trim();
    if (deadlineChanged && !reason) throw new ValidationError("修改整改时限须填写理由", { deadlineReason: "请填写修改时限的理由" });
    await writeTask(c, t, { ...v, originalDeadline: t.originalDeadline ?? v.deadline }, nowIso);
    const described: { field: string; label: string; from: string; to: string }[] = [];
    for (const x of changes) described.push({ ...x, from: await describe(c, x.field, x.from), to: await describe(c, x.field, x.to) });
    await event(c, t, "edited", nowIso, { text: reason, data: { changes: described } });
  });
}

async function describe(c: Ctx, field: string, v: unknown): Promise<string> {
  if (v === null || v === undefined || v === "") return "（空）";
  if (field === "ownerId" || field === "leaderId") return (await c.db.select({ n: users.name }).from(users).where(eq(users.id, v as number)))[0]?.n ?? String(v);
  if (field === "unitId") return (await c.db.select({ n: units.name }).from(units).where(eq(units.id, v as number)))[0]?.n ?? String(v);
  if (field === "deadline") return cnDate(v as string);
  if (field === "deadlineKind") return ({ immediate: "立行立改", dated: "限期整改", ongoing: "长期坚持" } as Record<string, string>)[v as string] ?? String(v);
  const s = String(v);
  return s.length > 60 ? s.slice(0, 60) + "…" : s;
}

// ───────────────────────── choices for forms ─────────────────────────

export type UnitChoice = { id: number; name: string; depth: number; rating: string | null };

/** Units the actor may assign in, in tree order, with depth for indenting (every list page shows them: kept with the directory). */
export async function assignableUnits(db: Db, actor: Actor): Promise<UnitChoice[]> {
  return (await directory(db)).derived(`units|${actor.role}|${actor.unitPath}`, (dir) =>
    dir.unitsInOrder.filter((u) => canCreateTaskIn(actor, u.path)).map((u) => ({ id: u.id, name: u.name, depth: u.path.split("/").length - 3, rating: u.rating })),
  );
}

/** Above this many units the task list's unit filter loads its options separately (GET /tasks/unit-options, cached by the browser). */
export const UNIT_OPTIONS_INLINE_MAX = 60;

/** The units the task list may be filtered by: the actor's subtree (staff filter like their unit's leaders). */
export async function filterUnits(db: Db, actor: Actor): Promise<UnitChoice[]> {
  return assignableUnits(db, actor.role === "staff" ? { ...actor, role: "leader" } : actor);
}

export type UserChoice = DirUser;

/** Active users the actor may choose as owner or leader: those of the actor's subtree (or of `underPath`'s), by unit then name. */
export async function assignableUsers(db: Db, actor: Actor, underPath?: string): Promise<UserChoice[]> {
  const root = underPath ?? (actor.role === "admin" ? "" : actor.unitPath);
  const scope = actor.role === "admin" ? "" : actor.unitPath;
  // the same few lists on every list page and form: kept with the directory
  return (await directory(db)).derived(`users|${scope}|${root}`, (dir) => dir.activeUsers.filter((u) => u.unitPath.startsWith(root) && u.unitPath.startsWith(scope)));
}

/** Above this many people the list's 责任人 filter asks for a unit first. */
export const OWNER_CHOICES_MAX = 300;

/**
 * Owners to filter the list by: the actor's subtree, or a staff member's own unit; only the
 * chosen unit's subtree when the list is filtered by unit. Over OWNER_CHOICES_MAX people, only the
 * chosen owner is offered (at 3,000 users the full list was most of the page's time).
 */
export async function visibleOwners(db: Db, actor: Actor, unitId?: number, chosen?: number): Promise<{ owners: UserChoice[]; manyOwners: boolean }> {
  const under = unitId ? (await directory(db)).units.get(unitId)?.path : undefined;
  const all = await assignableUsers(db, actor, under);
  if (actor.role === "staff") return { owners: all.filter((u) => u.unitId === actor.unitId), manyOwners: false };
  if (all.length > OWNER_CHOICES_MAX) return { owners: chosen === undefined ? [] : all.filter((u) => u.id === chosen), manyOwners: true };
  return { owners: all, manyOwners: false };
}

/** The task list's filters as a query string gives them (the list page and the ledger export). */
export function filtersFromQuery(q: Record<string, string | undefined>): TaskFilters {
  return {
    unit: positiveInt(q.unit),
    state: isState(q.state) ? q.state : undefined,
    owner: positiveInt(q.owner),
    overdue: q.overdue === "1",
    flagged: q.flagged === "1",
    from: isIsoDay(q.from) ? q.from : undefined,
    to: isIsoDay(q.to) ? q.to : undefined,
    q: parseQuery(q.q).text || undefined,
  };
}

export function isState(s: unknown): s is State {
  return typeof s === "string" && (STATES as readonly string[]).includes(s);
}
