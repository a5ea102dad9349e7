// Loads what the pure composers need (a few queries, no N+1) and checks who may see it.
//  - a report (and its 整改情况报告) may be seen by an admin, by a leader whose unit is the
//    report's unit or above it, and by staff of the report's own unit;
//  - a ledger holds only the tasks the actor may see (the task list's own scope), narrowed by
//    report, unit (with sub-units) or the task list's filters.
import { aliasedTable, and, asc, eq, inArray, type SQL } from "drizzle-orm";
import { perDb, type Db } from "../../../db/client.ts";
import { problems, reports, tasks, units, users, type Report, type Unit } from "../../../db/schema.ts";
import { unitInScope, type Actor } from "../auth/permissions.ts";
import { subtreeIds, taskConditions, type TaskFilters } from "../tasks/service.ts";
import { NotFoundError, ValidationError } from "../../lib/errors.ts";
import { cnDate, isIsoDay } from "../../lib/dates.ts";
import { getSetting } from "../admin/settings.ts";
import { onOrBefore, taskAsOf, type HistoryEvent, type LedgerTaskInput, type TaskAsOf } from "./as-of.ts";
import { composeReport, type ComposedReport, type Section } from "./compose.ts";
import { ledgerRows, type LedgerRow, type LedgerSource } from "./rows.ts";

/** Whoever runs the CLI sees everything. */
export const SYSTEM_ACTOR: Actor = { id: 0, role: "admin", unitId: 0, unitPath: "/" };

/** `asOf` from a query or flag: empty → today; a bad or future day → ValidationError. */
export function parseAsOf(v: unknown, today: string): string {
  if (v === undefined || v === null || v === "") return today;
  if (!isIsoDay(v)) throw new ValidationError(`截至日期无效：${String(v)}（应为 YYYY-MM-DD，如 ${today}）`);
  if (v > today) throw new ValidationError(`截至日期不能晚于今天（${cnDate(today)}）`);
  return v;
}

export function canSeeReport(actor: Actor, unit: Pick<Unit, "id" | "path">): boolean {
  if (actor.role === "admin") return true;
  if (actor.role === "leader") return unitInScope(actor, unit.path);
  return actor.unitId === unit.id;
}

export function getReport(db: Db, actor: Actor, id: number): { report: Report; unit: Unit } {
  const row = Number.isInteger(id) && id > 0 ? db.select({ report: reports, unit: units }).from(reports).innerJoin(units, eq(units.id, reports.unitId)).where(eq(reports.id, id)).get() : undefined;
  if (!row || !canSeeReport(actor, row.unit)) throw new NotFoundError("未找到该自查报告，可能您没有权限查看");
  return row;
}

function sectionsOf(r: Report): Section[] {
  try {
    const s = JSON.parse(r.sectionsJson);
    return Array.isArray(s) ? s : [];
  } catch {
    return [];
  }
}

const leaderUser = aliasedTable(users, "leader_user");

// The history and the files of a set of tasks, in one query each whatever their number: the
// ids go in as one JSON array (no limit on bound variables, so no chunks, and one statement
// prepared once per database). Rows are read as arrays and grouped here: drizzle's mapping of
// some 50,000 history rows cost more than the query.
const historyStatements = perDb((db) => ({
  events: db.$client.prepare(
    // (IN, not a join on json_each: SQLite then walks task_events_task_idx in (task, time, id)
    // order and needs no sort)
    `SELECT e.task_id, e.kind, e.at, e.from_state, e.to_state, e.text, e.data, a.name
       FROM task_events e LEFT JOIN users a ON a.id = e.actor_id
      WHERE e.task_id IN (SELECT value FROM json_each(?))
      ORDER BY e.task_id, e.at, e.id`,
  ),
  files: db.$client.prepare(
    `SELECT f.task_id, f.original_name, f.uploaded_at FROM attachments f
      WHERE f.task_id IN (SELECT value FROM json_each(?))
      ORDER BY f.id`,
  ),
}));

type EventRow = [taskId: number, kind: string, at: string, fromState: string | null, toState: string | null, text: string, data: string | null, actorName: string | null];
type FileRow = [taskId: number, originalName: string, uploadedAt: string];

/** Each task's history in order (time, then id) and its files in upload order. */
function historyOf(db: Db, ids: number[]): { events: Map<number, HistoryEvent[]>; files: Map<number, { originalName: string; uploadedAt: string }[]> } {
  const events = new Map<number, HistoryEvent[]>();
  const files = new Map<number, { originalName: string; uploadedAt: string }[]>();
  if (!ids.length) return { events, files };
  const st = historyStatements(db);
  const json = JSON.stringify(ids);
  let last = -1;
  let list: HistoryEvent[] = [];
  for (const [taskId, kind, at, fromState, toState, text, data, actorName] of st.events.raw(true).all(json) as EventRow[]) {
    if (taskId !== last) events.set((last = taskId), (list = []));
    list.push({ kind, at, fromState, toState, text, data, actorName });
  }
  for (const [taskId, originalName, uploadedAt] of st.files.raw(true).all(json) as FileRow[]) {
    let l = files.get(taskId);
    if (!l) files.set(taskId, (l = []));
    l.push({ originalName, uploadedAt });
  }
  return { events, files };
}

type Loaded = { input: LedgerTaskInput; source: LedgerSource | null; reportId: number | null };

/** Tasks matching `where`, each with its history and files, in ledger order (report, problem, id). */
type TaskQueryRow = {
  id: number;
  problemId: number | null;
  title: string;
  goal: string;
  measures: string;
  unitId: number;
  coUnits: string;
  deadlineKind: "immediate" | "dated" | "ongoing";
  deadline: string | null;
  linkedUnitId: number | null;
  unitName: string;
  ownerName: string;
  leaderName: string | null;
  category: string | null;
  problemText: string | null;
  problemMeasures: string | null;
  seq: number | null;
  reportId: number | null;
  reportTitle: string | null;
};

function loadTasks(db: Db, where: SQL | undefined): Loaded[] {
  // (drizzle types a select that joins users and an alias of users as never[]: the row type is spelled out)
  const rows: TaskQueryRow[] = db
    .select({
      id: tasks.id,
      problemId: tasks.problemId,
      title: tasks.title,
      goal: tasks.goal,
      measures: tasks.measures,
      unitId: tasks.unitId,
      coUnits: tasks.coUnits,
      deadlineKind: tasks.deadlineKind,
      deadline: tasks.deadline,
      linkedUnitId: tasks.linkedUnitId,
      unitName: units.name,
      ownerName: users.name,
      leaderName: leaderUser.name,
      category: problems.category,
      problemText: problems.text,
      problemMeasures: problems.measures,
      seq: problems.seq,
      reportId: reports.id,
      reportTitle: reports.title,
    })
    .from(tasks)
    .innerJoin(units, eq(units.id, tasks.unitId))
    .innerJoin(users, eq(users.id, tasks.ownerId))
    .leftJoin(leaderUser, eq(leaderUser.id, tasks.leaderId))
    .leftJoin(problems, eq(problems.id, tasks.problemId))
    .leftJoin(reports, eq(reports.id, problems.reportId))
    .where(where)
    .orderBy(asc(reports.id), asc(problems.seq), asc(tasks.id))
    .all() as unknown as TaskQueryRow[];
  // tasks of a report first (report, problem order), then the others by id
  rows.sort((a, b) => (a.reportId == null ? 1 : 0) - (b.reportId == null ? 1 : 0));
  const { events, files } = historyOf(db, rows.map((r) => r.id));
  return rows.map((r) => ({
    input: {
      id: r.id,
      problemId: r.problemId,
      title: r.title,
      goal: r.goal,
      measures: r.measures,
      unitId: r.unitId,
      unitName: r.unitName,
      coUnits: r.coUnits,
      leaderName: r.leaderName,
      ownerName: r.ownerName,
      deadlineKind: r.deadlineKind,
      deadline: r.deadline,
      linkedUnitId: r.linkedUnitId,
      events: events.get(r.id) ?? [],
      attachments: files.get(r.id) ?? [],
    },
    source: r.reportId != null ? { category: r.category, problemText: r.problemText, problemMeasures: r.problemMeasures, reportTitle: r.reportTitle, seq: r.seq } : null,
    reportId: r.reportId,
  }));
}

/** The 整改情况报告 of a report as it stood at the end of `asOf`. */
export function reportProgress(db: Db, actor: Actor, reportId: number, asOf: string, tz: string): ComposedReport & { report: Report; unit: Unit } {
  const { report, unit } = getReport(db, actor, reportId);
  const ps = db.select().from(problems).where(eq(problems.reportId, report.id)).orderBy(asc(problems.seq), asc(problems.id)).all();
  const loaded = ps.length ? loadTasks(db, inArray(tasks.problemId, ps.map((p) => p.id))) : [];
  const inDay = onOrBefore(asOf, tz);
  const asOfTasks = loaded.map((l) => taskAsOf(l.input, asOf, tz, inDay)).filter((t): t is TaskAsOf => t !== null);
  const composed = composeReport({ id: report.id, title: report.title, fullText: report.fullText, sections: sectionsOf(report) }, ps, asOfTasks, asOf);
  return { ...composed, report, unit };
}

export type LedgerScope = { report?: number; unit?: number; unitCode?: string; filters?: TaskFilters };

export type Ledger = { title: string; name: string; asOf: string; rows: LedgerRow[] };

/** The 整改台账: for one report, for a unit and its sub-units, or for the task list's filters; everything when none is given. */
export function ledger(db: Db, actor: Actor, scope: LedgerScope, asOf: string, today: string, tz: string): Ledger {
  const conds: (SQL | undefined)[] = [taskConditions(db, actor, { ...(scope.filters ?? {}), page: undefined }, today)];
  // with no report or unit: the actor's own unit (the top unit for the command line)
  const home = actor.unitId ? db.select({ name: units.name }).from(units).where(eq(units.id, actor.unitId)).get() : db.select({ name: units.name }).from(units).orderBy(asc(units.path)).limit(1).get();
  let name = home?.name ?? "整改任务";
  if (scope.report !== undefined) {
    const { report } = getReport(db, actor, scope.report);
    const ps = db.select({ id: problems.id }).from(problems).where(eq(problems.reportId, report.id)).all();
    conds.push(ps.length ? inArray(tasks.problemId, ps.map((p) => p.id)) : eq(tasks.id, -1));
    name = report.title;
  }
  let unitId = scope.unit;
  if (scope.unitCode !== undefined) {
    const u = db.select().from(units).where(eq(units.code, scope.unitCode)).get();
    if (!u) throw new NotFoundError(`单位代码不存在：${scope.unitCode}`);
    unitId = u.id;
  }
  if (unitId !== undefined) {
    const u = db.select().from(units).where(eq(units.id, unitId)).get();
    if (!u) throw new NotFoundError("未找到该单位");
    conds.push(inArray(tasks.unitId, subtreeIds(db, u.id)));
    if (scope.report === undefined) name = u.name;
    else name = `${name}（${u.name}）`;
  } else if (scope.report === undefined && scope.filters?.unit) {
    const u = db.select({ name: units.name }).from(units).where(eq(units.id, scope.filters.unit)).get();
    if (u) name = u.name;
  }
  const loaded = loadTasks(db, and(...conds));
  const inDay = onOrBefore(asOf, tz);
  const items = loaded.map((l) => ({ task: taskAsOf(l.input, asOf, tz, inDay), source: l.source, reportId: l.reportId })).filter((x): x is { task: TaskAsOf; source: LedgerSource | null; reportId: number | null } => x.task !== null);
  const reportsIn = new Set(items.map((i) => i.reportId).filter((r) => r !== null));
  const rows = ledgerRows(items, asOf, getSetting(db, "yellowDays"), { showSource: scope.report === undefined && reportsIn.size > 1 });
  return { title: `《${name}整改台账》`, name, asOf, rows };
}

/** File names people see in their downloads folder. */
export function reportFileName(title: string, asOf: string): string {
  return `${safeName(title)}整改情况报告（截至${cnDate(asOf)}）.docx`;
}
export function ledgerFileName(name: string, asOf: string): string {
  return `${safeName(name)}整改台账（截至${cnDate(asOf)}）.xlsx`;
}
function safeName(s: string): string {
  return s.replace(/[\\/:*?"<>|\r\n\t]+/g, "_").slice(0, 120);
}
