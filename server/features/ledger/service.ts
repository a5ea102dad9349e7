// Loads what the pure composers need (a few queries, no N+1) and checks who may see it.
//  - a report (and its 整改情况报告) may be seen by an admin, by a leader whose unit is the
//    report's unit or above it, and by staff of the report's own unit;
//  - a ledger holds only the tasks the actor may see (the task list's own scope), narrowed by
//    report, unit (with sub-units) or the task list's filters.
import { and, asc, eq, inArray, sql, type SQL } from "drizzle-orm";
import { perDb, type Db } from "../../../db/client.ts";
import { problems, reports, tasks, units, users, type Report, type Unit } from "../../../db/schema.ts";
import { unitInScope, type Actor } from "../auth/permissions.ts";
import { subtreeIds, taskConditions, type TaskFilters } from "../tasks/service.ts";
import { ForbiddenError, NotFoundError, ValidationError } from "../../lib/errors.ts";
import { cnDate, isIsoDay } from "../../lib/dates.ts";
import { getSetting } from "../admin/settings.ts";
import { directory } from "../../lib/directory.ts";
import { onOrBefore, taskAsOf, type HistoryEvent, type LedgerTaskInput, type TaskAsOf } from "./as-of.ts";
import { composeReport, type Block, type ComposedReport, type Section } from "./compose.ts";
import { addresseeFromText, charWidth, composeFormal, defaultDocTitle, ledgerTitleFor, TITLE_CHARS } from "./formal.ts";
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

export async function getReport(db: Db, actor: Actor, id: number): Promise<{ report: Report; unit: Unit }> {
  const row = Number.isInteger(id) && id > 0 ? (await db.select({ report: reports, unit: units }).from(reports).innerJoin(units, eq(units.id, reports.unitId)).where(eq(reports.id, id)))[0] : undefined;
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


// The history and the files of a set of tasks, in one query each whatever their number: the
// ids go in as one JSON array (the dialect's jsonInts: no limit on bound variables, so no chunks,
// and one statement text whatever the number of ids). Rows are read by hand-written SQL and
// grouped here: drizzle's mapping of some 50,000 history rows cost more than the query.
const historyStatements = perDb((db) => ({
  // (IN, not a join on the id list: SQLite then walks task_events_task_idx in (task, time, id)
  // order and needs no sort)
  events: `SELECT e.task_id AS "taskId", e.kind, e.at, e.from_state AS "fromState", e.to_state AS "toState", e.text, e.data, a.name AS "actorName"
       FROM task_events e LEFT JOIN users a ON a.id = e.actor_id
      WHERE e.task_id IN (${db.dialect.jsonInts})
      ORDER BY e.task_id, e.at, e.id`,
  files: `SELECT f.task_id AS "taskId", f.original_name AS "originalName", f.uploaded_at AS "uploadedAt" FROM attachments f
      WHERE f.task_id IN (${db.dialect.jsonInts})
      ORDER BY f.id`,
}));

type EventRow = { taskId: number; kind: string; at: string; fromState: string | null; toState: string | null; text: string; data: string | null; actorName: string | null };
type FileRow = { taskId: number; originalName: string; uploadedAt: string };

/** Each task's history in order (time, then id) and its files in upload order. */
async function historyOf(db: Db, ids: number[]): Promise<{ events: Map<number, HistoryEvent[]>; files: Map<number, { originalName: string; uploadedAt: string }[]> }> {
  const events = new Map<number, HistoryEvent[]>();
  const files = new Map<number, { originalName: string; uploadedAt: string }[]>();
  if (!ids.length) return { events, files };
  const st = historyStatements(db);
  const json = JSON.stringify(ids);
  let last = -1;
  let list: HistoryEvent[] = [];
  for (const { taskId, kind, at, fromState, toState, text, data, actorName } of await db.all<EventRow>(st.events, [json])) {
    if (taskId !== last) events.set((last = taskId), (list = []));
    list.push({ kind, at, fromState, toState, text, data, actorName });
  }
  for (const { taskId, originalName, uploadedAt } of await db.all<FileRow>(st.files, [json])) {
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
  leaderId: number | null;
  category: string | null;
  problemText: string | null;
  problemMeasures: string | null;
  seq: number | null;
  reportId: number | null;
  reportTitle: string | null;
};

async function loadTasks(db: Db, where: SQL | undefined): Promise<Loaded[]> {
  // (drizzle types a select that joins users and an alias of users as never[]: the row type is spelled out)
  const rows: TaskQueryRow[] = (await db
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
      leaderId: tasks.leaderId,
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
    .leftJoin(problems, eq(problems.id, tasks.problemId))
    .leftJoin(reports, eq(reports.id, problems.reportId))
    .where(where)
    // (the nulls' place said, as the engines' defaults differ)
    .orderBy(sql`${reports.id} ASC NULLS LAST`, sql`${problems.seq} ASC NULLS LAST`, asc(tasks.id))) as unknown as TaskQueryRow[];
  // tasks of a report first (report, problem order), then the others by id
  rows.sort((a, b) => (a.reportId == null ? 1 : 0) - (b.reportId == null ? 1 : 0));
  const { events, files } = await historyOf(db, rows.map((r) => r.id));
  // 责任领导 by name from the directory (an aliased join of users is not rendered on PostgreSQL)
  const dir = await directory(db);
  // each task's open 回头看 (one at most)
  const recheckDue = new Map(
    rows.length ? (await db.all<{ taskId: number; due: string }>(`SELECT task_id AS "taskId", due FROM recheck_items WHERE status = 'open' AND task_id IN (${db.dialect.jsonInts})`, [JSON.stringify(rows.map((r) => r.id))])).map((x) => [x.taskId, x.due]) : [],
  );
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
      leaderName: r.leaderId ? (dir.users.get(r.leaderId)?.name ?? null) : null,
      ownerName: r.ownerName,
      deadlineKind: r.deadlineKind,
      deadline: r.deadline,
      linkedUnitId: r.linkedUnitId,
      recheckDue: recheckDue.get(r.id) ?? null,
      events: events.get(r.id) ?? [],
      attachments: files.get(r.id) ?? [],
    },
    source: r.reportId != null ? { category: r.category, problemText: r.problemText, problemMeasures: r.problemMeasures, reportTitle: r.reportTitle, seq: r.seq } : null,
    reportId: r.reportId,
  }));
}

/** The 整改情况报告 of a report as it stood at the end of `asOf`. */
export async function reportProgress(db: Db, actor: Actor, reportId: number, asOf: string, tz: string): Promise<ComposedReport & { report: Report; unit: Unit }> {
  const { report, unit } = await getReport(db, actor, reportId);
  const ps = await db.select().from(problems).where(eq(problems.reportId, report.id)).orderBy(asc(problems.seq), asc(problems.id));
  const loaded = ps.length ? await loadTasks(db, inArray(tasks.problemId, ps.map((p) => p.id))) : [];
  const inDay = onOrBefore(asOf, tz);
  const asOfTasks = loaded.map((l) => taskAsOf(l.input, asOf, tz, inDay)).filter((t): t is TaskAsOf => t !== null);
  const composed = composeReport({ id: report.id, title: report.title, fullText: report.fullText, sections: sectionsOf(report) }, ps, asOfTasks, asOf, await getSetting(db, "yellowDays"));
  return { ...composed, report, unit };
}

export type DocumentSettings = {
  /** the title as it will be set: a newline where a leader set the break */
  title: string;
  titleIsDefault: boolean;
  addressee: string | null;
  /** where the 主送机关 comes from */
  addresseeFrom: "report" | "unit" | "text" | "none";
};

/** The 整改情况报告's title and 主送机关: as set for the report, else the unit's last 主送机关 or the one the report names. */
export function documentSettings(report: Report, unit: Unit): DocumentSettings {
  const title = report.docTitle?.trim() || defaultDocTitle(report.title, unit.name);
  const fromText = addresseeFromText(report.fullText);
  const [addressee, addresseeFrom]: [string | null, DocumentSettings["addresseeFrom"]] = report.docAddressee
    ? [report.docAddressee, "report"]
    : unit.reportAddressee
      ? [unit.reportAddressee, "unit"]
      : fromText
        ? [fromText, "text"]
        : [null, "none"];
  return { title, titleIsDefault: !report.docTitle?.trim(), addressee, addresseeFrom };
}

export function canEditDocument(actor: Actor, unit: Pick<Unit, "path">): boolean {
  return actor.role === "admin" || (actor.role === "leader" && unitInScope(actor, unit.path));
}

/** Checks a title and 主送机关 as typed: ValidationError with the reason, or the clean values. */
export function cleanDocumentSettings(input: { title?: unknown; addressee?: unknown }): { title: string | null; addressee: string | null } {
  const title = typeof input.title === "string" ? input.title.replace(/\r\n?/g, "\n").split("\n").map((l) => l.trim()).filter(Boolean).join("\n") : "";
  const addressee = typeof input.addressee === "string" ? input.addressee.trim().replace(/[：:]$/, "") : "";
  if (title) {
    const lines = title.split("\n");
    if (lines.length > 3) throw new ValidationError("标题最多分三行");
    const long = lines.find((l) => charWidth(l) > TITLE_CHARS);
    if (long && lines.length > 1) throw new ValidationError(`标题每行不超过${TITLE_CHARS}个字：“${long}”`);
    if (charWidth(title) > 3 * TITLE_CHARS) throw new ValidationError(`标题过长（不超过${3 * TITLE_CHARS}个字）`);
  }
  if (addressee.length > 40) throw new ValidationError("主送机关过长（不超过40个字）");
  if (/[\n<>]/.test(addressee)) throw new ValidationError("主送机关不能包含换行或尖括号");
  return { title: title || null, addressee: addressee || null };
}

/**
 * Saves a report's title and 主送机关 for its 整改情况报告; a 主送机关 is also remembered for the
 * unit, so its next report starts from it. Empty title: back to the derived one; a field not given
 * (undefined) stays as it is.
 */
export async function saveDocumentSettings(db: Db, actor: Actor, reportId: number, input: { title?: unknown; addressee?: unknown }): Promise<DocumentSettings> {
  const { report, unit } = await getReport(db, actor, reportId);
  if (!canEditDocument(actor, unit)) throw new ForbiddenError("只有本单位或上级单位的领导可以修改整改情况报告的标题和主送机关");
  const clean = cleanDocumentSettings(input);
  // a field not given is left as it is
  const v = { title: input.title === undefined ? report.docTitle : clean.title, addressee: input.addressee === undefined ? report.docAddressee : clean.addressee };
  await db.tx(async () => {
    await db.update(reports).set({ docTitle: v.title, docAddressee: v.addressee }).where(eq(reports.id, report.id));
    if (v.addressee) await db.update(units).set({ reportAddressee: v.addressee }).where(eq(units.id, unit.id));
  });
  return documentSettings({ ...report, docTitle: v.title, docAddressee: v.addressee }, { ...unit, reportAddressee: v.addressee ?? unit.reportAddressee });
}

/** The 整改情况报告 proper (formal.ts) as it stood at the end of `asOf`; `addressee` overrides the setting for this one document. */
export async function formalReport(db: Db, actor: Actor, reportId: number, asOf: string, tz: string, o: { addressee?: string } = {}): Promise<{ title: string; blocks: Block[]; summary: ComposedReport["summary"]; settings: DocumentSettings; report: Report; unit: Unit; asOf: string }> {
  const live = await reportProgress(db, actor, reportId, asOf, tz);
  const settings = documentSettings(live.report, live.unit);
  const addressee = o.addressee?.trim() || settings.addressee;
  const blocks = composeFormal({ title: settings.title, addressee, unitName: live.unit.name, sourceTitle: live.report.title, asOf, groups: live.groups, summary: live.summary });
  return { title: settings.title.replace(/\n/g, ""), blocks, summary: live.summary, settings: { ...settings, addressee }, report: live.report, unit: live.unit, asOf };
}

export type LedgerScope = { report?: number; unit?: number; unitCode?: string; filters?: TaskFilters };

export type Ledger = { title: string; asOf: string; rows: LedgerRow[]; yellowDays: number };

/** The 整改台账: for one report, for a unit and its sub-units, or for the task list's filters; everything when none is given. */
export async function ledger(db: Db, actor: Actor, scope: LedgerScope, asOf: string, today: string, tz: string): Promise<Ledger> {
  const conds: (SQL | undefined)[] = [await taskConditions(db, actor, { ...(scope.filters ?? {}), page: undefined }, today)];
  // with no report or unit: the actor's own unit (the top unit for the command line)
  const home = (actor.unitId ? await db.select({ name: units.name }).from(units).where(eq(units.id, actor.unitId)) : await db.select({ name: units.name }).from(units).orderBy(asc(units.path)).limit(1))[0];
  let title = `${home?.name ?? ""}整改台账`;
  if (scope.report !== undefined) {
    const { report, unit } = await getReport(db, actor, scope.report);
    const ps = await db.select({ id: problems.id }).from(problems).where(eq(problems.reportId, report.id));
    conds.push(ps.length ? inArray(tasks.problemId, ps.map((p) => p.id)) : eq(tasks.id, -1));
    title = ledgerTitleFor(report.title, unit.name);
  }
  let unitId = scope.unit;
  if (scope.unitCode !== undefined) {
    const u = (await db.select().from(units).where(eq(units.code, scope.unitCode)))[0];
    if (!u) throw new NotFoundError(`单位代码不存在：${scope.unitCode}`);
    unitId = u.id;
  }
  if (unitId !== undefined) {
    const u = (await db.select().from(units).where(eq(units.id, unitId)))[0];
    if (!u) throw new NotFoundError("未找到该单位");
    conds.push(inArray(tasks.unitId, await subtreeIds(db, u.id)));
    if (scope.report === undefined) title = `${u.name}整改台账`;
    else title = title.replace(/整改台账$/, `（${u.name}）整改台账`);
  } else if (scope.report === undefined && scope.filters?.unit) {
    const u = (await db.select({ name: units.name }).from(units).where(eq(units.id, scope.filters.unit)))[0];
    if (u) title = `${u.name}整改台账`;
  }
  const loaded = await loadTasks(db, and(...conds));
  const inDay = onOrBefore(asOf, tz);
  const items = loaded.map((l) => ({ task: taskAsOf(l.input, asOf, tz, inDay), source: l.source, reportId: l.reportId })).filter((x): x is { task: TaskAsOf; source: LedgerSource | null; reportId: number | null } => x.task !== null);
  const reportsIn = new Set(items.map((i) => i.reportId).filter((r) => r !== null));
  const yellowDays = await getSetting(db, "yellowDays");
  const rows = ledgerRows(items, asOf, yellowDays, { showSource: scope.report === undefined && reportsIn.size > 1 });
  return { title, asOf, rows, yellowDays };
}

/** File names people see in their downloads folder. */
export function reportFileName(title: string, asOf: string, original = false): string {
  return original ? `${safeName(title)}（整改措施更新至${cnDate(asOf)}）.docx` : `${safeName(title)}（${cnDate(asOf)}）.docx`;
}
export function ledgerFileName(title: string, asOf: string): string {
  return `${safeName(title)}（截至${cnDate(asOf)}）.xlsx`;
}
function safeName(s: string): string {
  return s.replace(/[\\/:*?"<>|\r\n\t]+/g, "_").slice(0, 120);
}
