// Import a 自查报告: upload → draft (nothing but the draft is written) → review edits → 确认生成任务
// (report, problems and tasks in one transaction). Also the report page's data.
import { and, asc, desc, eq, inArray, sql } from "drizzle-orm";
import { createHash, randomUUID } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { extname, join } from "node:path";
import type { Db } from "../../../db/client.ts";
import { keptFor, perDb } from "../../../db/client.ts";
import { directory } from "../../lib/directory.ts";
import { keptLatest, keptLatestOf } from "../../lib/stats-version.ts";
import { pathEnd } from "../../lib/path-range.ts";
import { importDrafts, problems, reports, tasks, units, users, type ImportDraft } from "../../../db/schema.ts";
import { canCreateTaskIn, canView, type Actor } from "../auth/permissions.ts";
import { ConflictError, DomainError, ForbiddenError, NotFoundError, ValidationError } from "../../lib/errors.ts";
import { cnDate } from "../../lib/dates.ts";
import { createTask, markRecurrence, subtreeIds, type Ctx, type TaskInput } from "../tasks/service.ts";
import { recurrenceHints, hintWords } from "../recheck/service.ts";
import { getSetting } from "../admin/settings.ts";
import { canSeeReport as canSeeReportDocuments } from "../ledger/service.ts";
import { extractReport, type Item } from "./extract/index.ts";
import { readReportFile, ReportFileError, stripMarkers } from "./extract/read-file.ts";
import * as draft from "./draft.ts";
import type { DraftItem } from "./draft.ts";

export const REPORT_EXTENSIONS = [".docx", ".doc", ".txt"];
export const REPORT_ACCEPT = REPORT_EXTENSIONS.join(",");

export type Upload = { unitId: number | null; title: string; file?: { filename: string; data: Buffer }; pasted?: string };

function assertLeader(actor: Actor) {
  if (actor.role === "staff") throw new ForbiddenError("只有领导和管理员可以导入自查报告");
}

const sha256 = (b: Buffer | string) => createHash("sha256").update(b).digest("hex");

/** Reports already imported from the same file (or the same pasted text). */
export async function sameFileReports(db: Db, sha: string | null) {
  if (!sha) return [];
  return await db
    .select({ id: reports.id, title: reports.title, importedAt: reports.importedAt, by: users.name })
    .from(reports)
    .innerJoin(users, eq(users.id, reports.importedBy))
    .where(eq(reports.sha256, sha))
    .orderBy(asc(reports.id));
}

async function draftDefaults(c: Ctx, unitId: number): Promise<draft.Defaults> {
  const periodEnd = await getSetting(c.db, "periodEnd");
  return { unitId, leaderId: c.actor.role === "leader" ? c.actor.id : null, deadline: periodEnd && periodEnd >= c.today ? periodEnd : "" };
}

async function unitRefs(db: Db): Promise<draft.UnitRef[]> {
  return await db.select({ id: units.id, name: units.name, rating: units.rating, ratingYear: units.ratingYear, secretaryId: units.secretaryId, overseerId: units.overseerId, path: units.path }).from(units);
}

/**
 * Reads the upload (a file or pasted text), runs the parser and stores a draft. The original file
 * is kept under `reportsDir` from now on; the report takes it over on confirmation.
 */
export async function createDraft(c: Ctx, reportsDir: string, up: Upload): Promise<number> {
  assertLeader(c.actor);
  const errors: Record<string, string> = {};
  const unit = up.unitId ? (await c.db.select().from(units).where(eq(units.id, up.unitId)))[0] : undefined;
  if (!unit) errors.unitId = "请选择报告所属单位";
  else if (!canCreateTaskIn(c.actor, unit.path)) errors.unitId = "只能为本单位及下级单位导入报告";
  const pasted = stripMarkers((up.pasted ?? "").replace(/\r\n?/g, "\n"));
  if (up.file && pasted.trim()) errors.file = "请只选择一种方式：上传文件或粘贴文字";
  else if (!up.file && !pasted.trim()) errors.file = "请选择报告文件，或把报告全文粘贴到文本框中";
  if (up.title.trim().length > 200) errors.title = "报告标题不超过 200 字";
  if (Object.keys(errors).length) throw new ValidationError("请修正标出的内容", errors);

  let text: string;
  let format: ImportDraft["format"];
  let sha: string;
  let stored: string | null = null;
  let originalName: string | null = null;
  if (up.file) {
    const ext = extname(up.file.filename).toLowerCase();
    if (!REPORT_EXTENSIONS.includes(ext)) throw new ValidationError("只能导入 Word 文档（.docx、.doc）或文本文件（.txt）", { file: "文件类型不支持" });
    try {
      const read = await readReportFile(up.file.data, up.file.filename);
      text = read.text;
      format = read.format;
    } catch (e) {
      if (e instanceof ReportFileError) throw new ValidationError(e.message, { file: e.message });
      throw e;
    }
    if (!text.trim()) throw new ValidationError("文件中没有文字内容，请检查是否选错了文件", { file: "文件中没有文字" });
    sha = sha256(up.file.data);
    originalName = up.file.filename.replace(/[\\/]/g, "_").slice(-200);
    stored = join(new Date(c.now).toISOString().slice(0, 7), `${randomUUID()}${ext}`);
    mkdirSync(join(reportsDir, stored, ".."), { recursive: true });
    writeFileSync(join(reportsDir, stored), up.file.data, { flag: "wx" });
  } else {
    text = pasted;
    format = "paste";
    sha = sha256(pasted.trim());
  }

  try {
    const ex = extractReport(text);
    const d = await draftDefaults(c, unit!.id);
    const items = draft.initialItems(ex, await unitRefs(c.db), d);
    const title = up.title.trim() || ex.title || (originalName ? originalName.replace(/\.[^.]+$/, "") : "") || `${unit!.name}自查报告`;
    const nowIso = c.now.toISOString();
    const values = {
      userId: c.actor.id,
      unitId: unit!.id,
      title: title.slice(0, 200),
      originalName,
      format,
      storedFile: stored,
      sha256: sha,
      fullText: text,
      sectionsJson: JSON.stringify(ex.sections),
      measuresJson: JSON.stringify(ex.measures),
      itemsJson: JSON.stringify(items),
      notice: ex.notice ?? null,
      createdAt: nowIso,
      updatedAt: nowIso,
    };
    return await c.db.tx(async () => (await c.db.insert(importDrafts).values(values).returning({ id: importDrafts.id }))[0].id);
  } catch (e) {
    if (stored) rmSync(join(reportsDir, stored), { force: true });
    throw e;
  }
}

async function loadDraft(c: Ctx, id: number): Promise<ImportDraft> {
  const d = (await c.db.select().from(importDrafts).where(eq(importDrafts.id, id)))[0];
  if (!d) throw new NotFoundError("导入草稿不存在");
  if (d.userId !== c.actor.id && c.actor.role !== "admin") throw new ForbiddenError("这是其他人的导入草稿");
  return d;
}

async function openDraft(c: Ctx, id: number): Promise<ImportDraft> {
  const d = await loadDraft(c, id);
  if (d.status === "confirmed") throw Object.assign(new ConflictError("这份报告已确认生成任务，不能再修改草稿"), { reportId: d.reportId });
  if (d.status === "discarded") throw new ConflictError("这份导入草稿已放弃");
  return d;
}

export type DraftView = Awaited<ReturnType<typeof getDraft>>;

/** Everything the review screen shows. */
export async function getDraft(c: Ctx, id: number) {
  const d = await loadDraft(c, id);
  const items = JSON.parse(d.itemsJson) as DraftItem[];
  const measures = JSON.parse(d.measuresJson) as Item[];
  const unitRows = await unitRefs(c.db);
  const unitName = new Map(unitRows.map((u) => [u.id, u.name]));
  const linked = new Map(unitRows.filter((u) => u.rating && draft.FLAGGED_RATINGS.has(u.rating)).map((u) => [u.id, u]));
  return {
    draft: d,
    items,
    /** the report's own measures, for the picker on each problem */
    measures: measures.map((m) => m.text),
    defaultDeadlines: draft.defaultDeadlines(items),
    unitName,
    linked,
    duplicates: await sameFileReports(c.db, d.sha256),
    // 屡查屡犯: each problem that clearly repeats one of an earlier report of the unit's tree
    recurrence: new Map([...(await recurrenceHints(c.db, c.actor, d.unitId, items, c.today))].map(([k, h]) => [k, { ...h, words: hintWords(h) }])),
    // the report's own measures, in the report's order, for a picker on each problem card: the key
    // is the one their highlight carries in the 原文 (id "src-m1"), start/end offsets in fullText
    reportMeasures: measures.map((m, i) => ({ key: `m${i + 1}`, category: m.category, text: m.text, start: m.start, end: m.end })),
    // problems first (numbered), then the report's own measures (marked, not numbered)
    runs: draft.highlightRuns(d.fullText, [...items, ...measures.map((m, i) => ({ key: `m${i + 1}`, start: m.start, end: m.end }))]),
  };
}

/** The open drafts of the signed-in user, newest first. */
export async function myDrafts(c: Ctx) {
  return (
    await c.db
      .select({ id: importDrafts.id, title: importDrafts.title, updatedAt: importDrafts.updatedAt, itemsJson: importDrafts.itemsJson })
      .from(importDrafts)
      .where(and(eq(importDrafts.userId, c.actor.id), eq(importDrafts.status, "open")))
      .orderBy(desc(importDrafts.updatedAt))
  ).map((d) => ({ id: d.id, title: d.title, updatedAt: d.updatedAt, count: (JSON.parse(d.itemsJson) as unknown[]).length }));
}

/** Checks the people and units an edit sets; the actor may only assign in their own subtree. */
async function checkAssignment(c: Ctx, p: draft.ItemPatch): Promise<void> {
  if (p.unitId) {
    const u = (await c.db.select().from(units).where(eq(units.id, p.unitId)))[0];
    if (!u || !canCreateTaskIn(c.actor, u.path)) throw new ValidationError("只能在本单位及下级单位中安排任务", { unitId: "责任单位不可选" });
  }
  for (const [field, id] of [
    ["ownerId", p.ownerId],
    ["leaderId", p.leaderId],
  ] as const) {
    if (!id) continue;
    const u = (await c.db.select({ active: users.active, role: users.role, path: units.path }).from(users).innerJoin(units, eq(units.id, users.unitId)).where(eq(users.id, id)))[0];
    if (!u || !u.active) throw new ValidationError("所选人员不存在或已停用", { [field]: "人员不可选" });
    if (c.actor.role !== "admin" && !u.path.startsWith(c.actor.unitPath)) throw new ValidationError("只能选择本单位及下级单位的人员", { [field]: "人员不可选" });
    if (field === "leaderId" && u.role === "staff") throw new ValidationError("责任领导须为领导账号", { leaderId: "须为领导账号" });
  }
  if (p.deadline && p.deadline < c.today) throw new ValidationError(`整改时限不能早于今天（${cnDate(c.today)}）`, { deadline: "时限已过" });
  if (p.linkedUnitId) {
    const u = (await c.db.select().from(units).where(eq(units.id, p.linkedUnitId)))[0];
    if (!u || !u.rating || !draft.FLAGGED_RATINGS.has(u.rating)) throw new ValidationError("只能关联评定为后进或软弱涣散的支部", { linkedUnitId: "不可关联" });
  }
}

export type DraftOp =
  | { op: "edit"; key: string; patch: draft.ItemPatch }
  | { op: "merge"; key: string; patch?: draft.ItemPatch }
  | { op: "split"; key: string; at: number; patch?: draft.ItemPatch }
  | { op: "delete"; key: string }
  | { op: "up" | "down"; key: string; patch?: draft.ItemPatch }
  | { op: "add"; text: string; category?: string }
  | { op: "bulk"; keys: string[]; patch: draft.ItemPatch }
  | { op: "measure"; key: string; index: number; patch?: draft.ItemPatch }
  | { op: "title"; title: string };

/** Applies one edit to an open draft, in a transaction; a bad edit changes nothing. */
export async function updateDraft(c: Ctx, id: number, o: DraftOp): Promise<void> {
  assertLeader(c.actor);
  await c.db.tx(async () => {
    const d = await openDraft(c, id);
    let items = JSON.parse(d.itemsJson) as DraftItem[];
    let title = d.title;
    try {
      if ("patch" in o && o.patch) await checkAssignment(c, o.patch);
      // an operation posted from an item's form carries that item's fields: apply them first
      if (o.op !== "bulk" && o.op !== "add" && o.op !== "title" && o.op !== "delete" && o.patch) items = draft.patchItem(items, o.key, o.patch);
      switch (o.op) {
        case "edit":
          break;
        case "merge":
          items = draft.mergeWithNext(items, o.key);
          break;
        case "split":
          items = draft.splitAt(items, o.key, o.at);
          break;
        case "delete":
          items = draft.removeItem(items, o.key);
          break;
        case "up":
        case "down":
          items = draft.moveItem(items, o.key, o.op);
          break;
        case "add":
          items = draft.addItem(items, { text: o.text, category: o.category }, await draftDefaults(c, d.unitId));
          break;
        case "bulk":
          items = draft.bulkAssign(items, o.keys, o.patch);
          break;
        case "measure": {
          const all = JSON.parse(d.measuresJson) as Item[];
          items = draft.addMeasure(items, o.key, Number.isInteger(o.index) ? (all[o.index]?.text ?? "") : "");
          break;
        }
        case "title": {
          const t = o.title.trim();
          if (!t) throw new ValidationError("报告标题不能为空", { title: "请填写标题" });
          if (t.length > 200) throw new ValidationError("报告标题不超过 200 字", { title: "标题过长" });
          title = t;
          break;
        }
      }
    } catch (e) {
      if (e instanceof draft.DraftError) throw e.kind === "stale" ? new ConflictError(e.message) : new ValidationError(e.message);
      throw e;
    }
    await c.db
      .update(importDrafts)
      .set({ itemsJson: JSON.stringify(items), title, version: d.version + 1, updatedAt: c.now.toISOString() })
      .where(eq(importDrafts.id, id));
  });
}

export async function discardDraft(c: Ctx, id: number, reportsDir: string): Promise<void> {
  const d = await c.db.tx(async () => {
    const d = await openDraft(c, id);
    await c.db.update(importDrafts).set({ status: "discarded", updatedAt: c.now.toISOString() }).where(eq(importDrafts.id, id));
    return d;
  });
  // the uploaded file was never acknowledged as a report; no other draft or report shares it
  if (d.storedFile) rmSync(join(reportsDir, d.storedFile), { force: true });
}

/** An item's problems before anything is written: every item, every field, in Chinese. */
export class ConfirmError extends ValidationError {
  constructor(readonly itemErrors: Record<string, Record<string, string>>) {
    const n = Object.keys(itemErrors).length;
    super(`有 ${n} 条问题还不能生成任务，请按标出的提示修改后再确认`);
  }
}

/**
 * 确认生成任务: the report (original file, full text, sections), its problems and one task per
 * problem with a 责任人, in one transaction. A problem without one is kept in the report as 待分派
 * (with the review's choices so far), to be assigned from the report page. A draft from a file
 * already imported needs `acknowledgeDuplicate`; deadlines left at the period's end by default
 * need `acceptDefaultDeadlines`.
 */
export async function confirmDraft(
  c: Ctx,
  id: number,
  opts: { acknowledgeDuplicate: boolean; acceptDefaultDeadlines?: boolean; /** item key → the earlier task it repeats (反弹/重复出现) */ recurs?: Map<string, number> },
): Promise<{ reportId: number; tasks: number; pending: number; recurring: number }> {
  assertLeader(c.actor);
  return c.db.tx(async () => {
    const d = await openDraft(c, id);
    const items = JSON.parse(d.itemsJson) as DraftItem[];
    if (!items.length) throw new ValidationError("草稿中没有问题，请先添加问题再确认");
    const dups = await sameFileReports(c.db, d.sha256);
    if (dups.length && !opts.acknowledgeDuplicate)
      throw new ValidationError(`这份报告已于${cnDate(dups[0].importedAt.slice(0, 10))}导入过（《${dups[0].title}》）。如确需再次导入，请勾选“仍要导入”后再确认`, { acknowledgeDuplicate: "请确认是否重复导入" });
    const defaults = draft.defaultDeadlines(items);
    if (defaults.length && !opts.acceptDefaultDeadlines)
      throw new ValidationError(`有 ${defaults.length} 条问题的整改时限是默认的整改期截止日（${cnDate(defaults[0].deadline)}），请逐条核对，或勾选“默认时限已核对”后再确认`, { acceptDefaultDeadlines: "请核对默认的整改时限" });

    const unit = (await c.db.select().from(units).where(eq(units.id, d.unitId)))[0]!;
    if (!canCreateTaskIn(c.actor, unit.path)) throw new ForbiddenError("您不能为这个单位导入报告");
    const nowIso = c.now.toISOString();
    const reportId = (
      await c.db
        .insert(reports)
        .values({ title: d.title, unitId: d.unitId, originalName: d.originalName, format: d.format, storedFile: d.storedFile, sha256: d.sha256, fullText: d.fullText, sectionsJson: d.sectionsJson, importedBy: c.actor.id, importedAt: nowIso })
        .returning({ id: reports.id })
    )[0].id;
    const origin = { kind: "imported" as const, text: `由《${d.title}》导入` };
    const itemErrors: Record<string, Record<string, string>> = {};
    let made = 0;
    let recurring = 0;
    for (const [i, it] of items.entries()) {
      // no 责任人 yet: the problem stays in the report, 待分派, with what the review chose so far
      const pending = !it.ownerId;
      const problemId = (
        await c.db
          .insert(problems)
          .values({ reportId, seq: i + 1, category: it.category, text: it.text, startOffset: it.start, endOffset: it.end, measures: it.measures || null, pendingJson: pending ? JSON.stringify(draft.pendingChoice(it)) : null, createdAt: nowIso })
          .returning({ id: problems.id })
      )[0].id;
      if (pending) continue;
      made++;
      try {
        if (it.linkedUnitId) await checkAssignment(c, { linkedUnitId: it.linkedUnitId });
        const taskId = await createTask(
          c,
          { title: it.text, goal: "", measures: it.measures, coUnits: "", unitId: it.unitId, ownerId: it.ownerId, leaderId: it.leaderId, deadlineKind: it.deadlineKind, deadline: it.deadlineKind === "ongoing" ? "" : it.deadline, linkedUnitId: it.linkedUnitId, problemId },
          origin,
        );
        const earlier = opts.recurs?.get(it.key);
        if (earlier) {
          await markRecurrence(c, taskId, earlier, d.title);
          recurring++;
        }
      } catch (e) {
        if (!(e instanceof DomainError)) throw e;
        itemErrors[it.key] = e.fields && Object.keys(e.fields).length ? e.fields : { _: e.message };
      }
    }
    // one bad item and nothing is written: the whole transaction rolls back
    if (Object.keys(itemErrors).length) throw new ConfirmError(itemErrors);
    await c.db.update(importDrafts).set({ status: "confirmed", reportId, updatedAt: nowIso }).where(eq(importDrafts.id, id));
    return { reportId, tasks: made, pending: items.length - made, recurring };
  });
}

/**
 * Assigns a problem left 待分派 at confirmation: its task (with the report's provenance, as the
 * import gives it) and the problem no longer pending, in one transaction. Refused for a problem
 * that has its task already (a second click, another leader first).
 */
export async function assignProblem(c: Ctx, reportId: number, problemId: number, input: Omit<TaskInput, "problemId" | "title">): Promise<number> {
  assertLeader(c.actor);
  return c.db.tx(async () => {
    const r = await readableReport(c, reportId);
    const p = (await c.db.select().from(problems).where(and(eq(problems.id, problemId), eq(problems.reportId, reportId))))[0];
    if (!p) throw new NotFoundError("这份报告中没有这条问题");
    if (p.pendingJson === null) throw new ConflictError("这条问题已经分派，请刷新页面");
    if (input.linkedUnitId) await checkAssignment(c, { linkedUnitId: input.linkedUnitId });
    const taskId = await createTask(c, { ...input, title: p.text, problemId: p.id }, { kind: "imported", text: `由《${r.report.title}》导入` });
    await c.db.update(problems).set({ pendingJson: null }).where(eq(problems.id, p.id));
    return taskId;
  });
}

/** Reports with problems 待分派 that the actor may see, with how many: for the overview. */
export async function pendingProblems(c: Pick<Ctx, "db" | "actor">) {
  const rows = await c.db.all<{ id: number; title: string; unitId: number; unitPath: string; unitName: string; n: number }>(
    `SELECT r.id, r.title, r.unit_id AS "unitId", u.path AS "unitPath", u.name AS "unitName", count(*) AS n
       FROM problems p JOIN reports r ON r.id = p.report_id JOIN units u ON u.id = r.unit_id
      WHERE p.pending_json IS NOT NULL
      GROUP BY r.id, r.title, r.unit_id, u.path, u.name, r.imported_at
      ORDER BY r.imported_at DESC, r.id DESC`,
  );
  return rows.filter((r) => c.actor.role !== "staff" && canSeeReportDocuments(c.actor, { id: r.unitId, path: r.unitPath }));
}

// ───────────────────────── reports ─────────────────────────

/**
 * A report the actor may read, with its unit and importer. Who may: those who may read its
 * 整改情况报告 (admin, leaders of its unit or above, staff of its unit: ledger/service.ts), and
 * anyone who owns or leads a task from it. A report one may not read is not there (404, its title
 * not revealed), as on the 整改情况 pages.
 */
async function readableReport(c: Pick<Ctx, "db" | "actor">, reportId: number) {
  const r = Number.isSafeInteger(reportId)
    ? (
        await c.db
          .select({ report: reports, unitName: units.name, unitPath: units.path, importer: users.name })
          .from(reports)
          .innerJoin(units, eq(units.id, reports.unitId))
          .innerJoin(users, eq(users.id, reports.importedBy))
          .where(eq(reports.id, reportId))
      )[0]
    : undefined;
  const documents = !!r && canSeeReportDocuments(c.actor, { id: r.report.unitId, path: r.unitPath });
  const involved =
    !!r &&
    !documents &&
    (
      await c.db
        .select({ n: sql<number>`count(*)`.mapWith(Number) }) // (mapWith: drizzle on PostgreSQL gives count(*) as text)
        .from(tasks)
        .innerJoin(problems, eq(problems.id, tasks.problemId))
        .where(and(eq(problems.reportId, reportId), sql`(${tasks.ownerId} = ${c.actor.id} or ${tasks.leaderId} = ${c.actor.id})`))
    )[0].n > 0;
  if (!r || !(documents || involved)) throw new NotFoundError("未找到该自查报告，可能您没有权限查看");
  // the 整改情况报告 and the ledger cover every task of the report: only for those who may see them all
  return { ...r, documents };
}

export async function getReport(c: Pick<Ctx, "db" | "actor">, reportId: number) {
  const r = await readableReport(c, reportId);
  const probs = await c.db.select().from(problems).where(eq(problems.reportId, reportId)).orderBy(asc(problems.seq));
  const ids = probs.map((p) => p.id);
  const taskRows = ids.length
    ? await c.db
        .select({ id: tasks.id, problemId: tasks.problemId, state: tasks.state, deadline: tasks.deadline, deadlineKind: tasks.deadlineKind, unitId: tasks.unitId, unitName: units.name, unitPath: units.path, ownerId: tasks.ownerId, ownerName: users.name, leaderId: tasks.leaderId, signoffRequestedBy: tasks.signoffRequestedBy, signedOffAt: tasks.signedOffAt })
        .from(tasks)
        .innerJoin(units, eq(units.id, tasks.unitId))
        .innerJoin(users, eq(users.id, tasks.ownerId))
        .where(inArray(tasks.problemId, ids))
        .orderBy(asc(tasks.id))
    : [];
  const byProblem = new Map<number, (typeof taskRows)[number][]>();
  for (const t of taskRows) {
    if (!canView(c.actor, t)) continue;
    byProblem.set(t.problemId!, [...(byProblem.get(t.problemId!) ?? []), t]);
  }
  const hidden = taskRows.length - [...byProblem.values()].reduce((a, l) => a + l.length, 0);
  const counts = { total: taskRows.length, done: taskRows.filter((t) => t.state === "done").length };
  const runs = draft.highlightRuns(
    r.report.fullText,
    probs.map((p) => ({ key: `p${p.seq}`, start: p.startOffset, end: p.endOffset })),
  );
  const pending = probs.filter((p) => p.pendingJson !== null).length;
  // who may assign a problem 待分派: a leader or admin who may create tasks in the report's unit
  const canAssign = pending > 0 && r.documents && c.actor.role !== "staff" && canCreateTaskIn(c.actor, r.unitPath);
  return {
    ...r,
    problems: probs.map((p) => ({ ...p, tasks: byProblem.get(p.id) ?? [], pending: p.pendingJson === null ? null : (JSON.parse(p.pendingJson) as draft.PendingChoice) })),
    hidden,
    counts: { ...counts, pending },
    canAssign,
    runs,
  };
}

export const REPORTS_PAGE_SIZE = 30;

export type ReportRow = { id: number; title: string; unitId: number; unitName: string; importedAt: string; importer: string; total: number; done: number };

/**
 * Reports the actor may read, newest first, a page at a time, with the shown ones' task counts.
 * The page is read in the order of reports_imported_idx (no sort, nothing counted but its 30
 * reports' tasks); the scope is the canSeeReport rule (admin all, a leader their subtree as a
 * range of paths, staff their unit); names come from the directory. `more`: a next page exists.
 */
export async function listReports(c: Pick<Ctx, "db" | "actor">, requested = 1): Promise<{ rows: ReportRow[]; page: number; more: boolean }> {
  const { actor } = c;
  const page = Math.max(1, requested);
  const q = reportListStatements(c.db);
  const offset = (page - 1) * REPORTS_PAGE_SIZE;
  type Found = { id: number; title: string; unitId: number; importedAt: string; importedBy: number };
  const dir = await directory(c.db);
  // a leader's subtree: its reports found by unit and sorted, or, where the subtree holds a good
  // share of all (a 党委 of a province: 2,000 of 20,000), the newest walked in order and kept when
  // theirs: about (offset + 31) ÷ share reports walked against share × all sorted. The units'
  // share stands for the reports'; max(id) for their number.
  const tree = async () => {
    const share = (await subtreeIds(c.db, actor.unitId)).length / Math.max(1, dir.unitsInOrder.length);
    const reports = await spans(c.db)("reports", async () => Number((await c.db.value<number>(q.span)) ?? 0));
    return c.db.all<Found>(reports * share * share >= offset + REPORTS_PAGE_SIZE + 1 ? q.treeWalk : q.tree, [actor.unitPath, pathEnd(actor.unitPath), offset]);
  };
  const found = await (actor.role === "admin" ? c.db.all<Found>(q.all, [offset]) : actor.role === "leader" ? tree() : c.db.all<Found>(q.unit, [actor.unitId, offset]));
  const more = found.length > REPORTS_PAGE_SIZE;
  const shown = found.slice(0, REPORTS_PAGE_SIZE);
  // the shown reports' task counts, kept under stats_version (a task made, removed, moved to
  // another problem or changing state moves it): 30 reports' ~1,500 tasks counted once per
  // change of any task's state, not on every view of the page
  const ids = JSON.stringify(shown.map((r) => r.id));
  const counted = shown.length ? await keptLatest(reportCounts(c.db), c.db, ids, () => c.db.all<{ id: number; total: number; done: number }>(q.counts, [ids]), { max: 500 }) : [];
  const counts = new Map(counted.map(({ id, total, done }) => [id, { total, done }]));
  const rows = shown.map(({ id, title, unitId, importedAt, importedBy }) => ({ id, title, unitId, unitName: dir.units.get(unitId)?.name ?? "", importedAt, importer: dir.users.get(importedBy)?.name ?? "", ...(counts.get(id) ?? { total: 0, done: 0 }) }));
  return { rows, page, more };
}

/**
 * The reports' number as max(id), read at most once in 10 s per store: it only chooses between
 * two plans that give the same rows (tree, treeWalk), so an older value costs time, never rows.
 */
const spans = perDb(() => keptFor<number>(10_000));

/** the list pages' task counts by the pages' report ids (listReports) */
const reportCounts = perDb(() => keptLatestOf<{ id: number; total: number; done: number }[]>());

/** the list's statement texts (the engines keep the prepared statements) */
const reportListStatements = perDb((db) => {
  const cols = `r.id, r.title, r.unit_id AS "unitId", r.imported_at AS "importedAt", r.imported_by AS "importedBy"`;
  const page = `ORDER BY r.imported_at DESC, r.id DESC LIMIT ${REPORTS_PAGE_SIZE + 1} OFFSET ?`; // a literal LIMIT: a bound one is planned anew on every run
  return {
    all: `SELECT ${cols} FROM reports r ${page}`,
    tree: `SELECT ${cols} FROM reports r JOIN units u ON u.id = r.unit_id WHERE u.path >= ? AND u.path < ? ${page}`,
    // the same rows, each report's unit looked up by a scalar subquery, which neither engine turns
    // into a join: the plan left walks reports_imported_idx newest first and stops at the page
    // (PostgreSQL had joined the subtree's units to their reports and sorted them all: 2.7 →
    // 1.0 ms for a 党委 at 20,000 reports)
    treeWalk: `SELECT ${cols} FROM reports r WHERE (SELECT u.path >= ? AND u.path < ? FROM units u WHERE u.id = r.unit_id) ${page}`,
    span: `SELECT max(id) FROM reports`,
    unit: `SELECT ${cols} FROM reports r WHERE r.unit_id = ? ${page}`,
    counts: `SELECT p.report_id AS id, count(t.id) AS total, count(CASE WHEN t.state = 'done' THEN 1 END) AS done FROM problems p JOIN tasks t ON t.problem_id = p.id WHERE p.report_id IN (${db.dialect.jsonInts}) GROUP BY p.report_id`,
  };
});

export async function reportFile(c: Pick<Ctx, "db" | "actor">, reportId: number) {
  const r = await readableReport(c, reportId);
  if (!r.report.storedFile) throw new NotFoundError("这份报告是粘贴的文字，没有原始文件");
  return { storedFile: r.report.storedFile, name: r.report.originalName ?? `${r.report.title}${extname(r.report.storedFile)}`, format: r.report.format };
}
