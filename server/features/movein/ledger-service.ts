// The 在办台账 import (leader, for their unit's tree): upload → a draft of rows (ledger.ts) →
// the review (choices for what did not match, bulk setting, deadlines to confirm; the draft
// survives reloads) → 确认导入: a report (the chosen one, or one made from the ledger), its
// problems and the tasks in the states the ledger had, with history, in one transaction.
import { and, desc, eq, ne } from "drizzle-orm";
import type { Db } from "../../../db/client.ts";
import { moveinDrafts, problems, reports, taskEvents, tasks, units, users } from "../../../db/schema.ts";
import { canCreateTaskIn, type Actor } from "../auth/permissions.ts";
import { ConflictError, ForbiddenError, ValidationError } from "../../lib/errors.ts";
import { cnDate, isIsoDay } from "../../lib/dates.ts";
import { positiveInt } from "../../lib/http.ts";
import { directory } from "../../lib/directory.ts";
import { sameFileReports } from "../reports/service.ts";
import { LEDGER_FIELDS } from "./fields.ts";
import { missingFields, unknownColumns, type Table } from "./sheet.ts";
import { buildRows, importedText, resolve, rowProblems, unmatched, type Choices, type LedgerRow, type PersonRef, type UnitRef } from "./ledger.ts";
import { ledgerAsOf, ledgerYear } from "./words.ts";
import { loadDraft, sha256, tablesOf, type Ctx } from "./service.ts";

export type LedgerPayload = { tables: Table[]; year: number; asOf: string | null; title: string; rows: LedgerRow[]; choices: Choices; reportId: number | null };

function assertLeader(actor: Actor) {
  if (actor.role !== "admin" && actor.role !== "leader") throw new ForbiddenError("只有领导和管理员可以导入整改台账");
}

/** The units and people of a unit's tree: where a ledger's names are matched. */
async function scopeOf(db: Db, unitId: number): Promise<{ units: UnitRef[]; people: PersonRef[] }> {
  const root = (await db.select({ path: units.path }).from(units).where(eq(units.id, unitId)))[0];
  const all = await db.select({ id: units.id, name: units.name, path: units.path, secretaryId: units.secretaryId }).from(units);
  const inTree = all.filter((u) => root && u.path.startsWith(root.path));
  const dir = await directory(db);
  const people = [...dir.users.values()].filter((p) => root && p.unitPath.startsWith(root.path)).map((p) => ({ id: p.id, name: p.name, role: p.role, unitId: p.unitId, unitPath: p.unitPath, active: p.active }));
  return { units: inTree, people };
}

/** The reports a leader may tie a ledger to (their tree's, newest first). */
export async function reportChoices(c: Ctx) {
  if (c.actor.role !== "admin" && c.actor.role !== "leader") return [];
  const rows = await c.db.select({ id: reports.id, title: reports.title, path: units.path }).from(reports).innerJoin(units, eq(units.id, reports.unitId)).orderBy(desc(reports.id)).limit(200);
  return rows.filter((r) => canCreateTaskIn(c.actor, r.path)).map(({ id, title }) => ({ id, title }));
}

async function checkReport(c: Ctx, reportId: number | null, unitPath: string): Promise<void> {
  if (!reportId) return;
  const r = (await c.db.select({ path: units.path }).from(reports).innerJoin(units, eq(units.id, reports.unitId)).where(eq(reports.id, reportId)))[0];
  if (!r || !canCreateTaskIn(c.actor, r.path) || !r.path.startsWith(unitPath)) throw new ValidationError("只能关联本单位及下级单位的自查报告", { reportId: "报告不可选" });
}

export async function createLedgerDraft(c: Ctx, up: { unitId: number | null; reportId: number | null; file?: { filename: string; data: Buffer } }): Promise<number> {
  assertLeader(c.actor);
  const unit = up.unitId ? (await c.db.select().from(units).where(eq(units.id, up.unitId)))[0] : undefined;
  if (!unit) throw new ValidationError("请选择台账所属单位", { unitId: "请选择单位" });
  if (!canCreateTaskIn(c.actor, unit.path)) throw new ValidationError("只能为本单位及下级单位导入台账", { unitId: "单位不可选" });
  if (!up.file) throw new ValidationError("请选择要导入的台账文件", { file: "请选择文件" });
  await checkReport(c, up.reportId, unit.path);
  const tables = tablesOf(up.file.data, up.file.filename, LEDGER_FIELDS);
  const above = tables.flatMap((t) => t.above);
  const year = ledgerYear(above, c.today);
  const asOf = ledgerAsOf(above);
  const scope = await scopeOf(c.db, unit.id);
  const rows = missingFields(tables[0], LEDGER_FIELDS).length ? [] : buildRows(tables, { year, immediateDay: asOf ?? c.today, ...scope });
  const title = (above.find((l) => /台账|清单|整改/.test(l)) ?? above[0] ?? up.file.filename.replace(/\.[^.]+$/, "")).replace(/^《|》$/g, "").replace(/[《》]/g, "").trim().slice(0, 200);
  const payload: LedgerPayload = { tables, year, asOf, title, rows, choices: { unit: {}, owner: {}, leader: {} }, reportId: up.reportId };
  const nowIso = c.now.toISOString();
  return c.db.tx(async () => (await c.db.insert(moveinDrafts).values({ userId: c.actor.id, kind: "ledger", unitId: unit.id, originalName: up.file!.filename.replace(/[\\/]/g, "_").slice(-200), sha256: sha256(up.file!.data), payloadJson: JSON.stringify(payload), createdAt: nowIso, updatedAt: nowIso }).returning({ id: moveinDrafts.id }))[0].id);
}

/** After the mapping step changed the columns: the rows again from the tables (the choices stay). */
export async function rebuildLedgerRows(c: Ctx, id: number): Promise<void> {
  await c.db.tx(async () => {
    const d = await loadDraft(c, id, "ledger");
    const p = JSON.parse(d.payloadJson) as LedgerPayload;
    const scope = await scopeOf(c.db, d.unitId!);
    p.rows = missingFields(p.tables[0], LEDGER_FIELDS).length ? [] : buildRows(p.tables, { year: p.year, immediateDay: p.asOf ?? c.today, ...scope });
    await c.db.update(moveinDrafts).set({ payloadJson: JSON.stringify(p), version: d.version + 1, updatedAt: c.now.toISOString() }).where(eq(moveinDrafts.id, id));
  });
}

export async function getLedgerReview(c: Ctx, id: number) {
  assertLeader(c.actor);
  const d = await loadDraft(c, id, "ledger");
  const p = JSON.parse(d.payloadJson) as LedgerPayload;
  const scope = await scopeOf(c.db, d.unitId!);
  const rows = p.rows.map((r) => {
    const x = resolve(r, p.choices, scope.units, scope.people);
    return { ...r, x, problems: rowProblems(r, x, scope.units, scope.people) };
  });
  const sameFile = [
    ...(await sameFileReports(c.db, d.sha256)).map((r) => ({ title: r.title, at: r.importedAt, by: r.by })),
    ...(await c.db.select({ title: moveinDrafts.originalName, at: moveinDrafts.updatedAt, by: users.name }).from(moveinDrafts).innerJoin(users, eq(users.id, moveinDrafts.userId)).where(and(eq(moveinDrafts.sha256, d.sha256), eq(moveinDrafts.status, "confirmed"), ne(moveinDrafts.id, id)))),
  ];
  const unitName = new Map(scope.units.map((u) => [u.id, u.name]));
  const personName = new Map(scope.people.map((u) => [u.id, u.name]));
  return {
    draft: d,
    payload: p,
    rows,
    missing: p.tables.length ? missingFields(p.tables[0], LEDGER_FIELDS) : [],
    unknown: p.tables.length ? unknownColumns(p.tables[0]) : [],
    fields: LEDGER_FIELDS,
    unmatched: unmatched(p.rows, p.choices, scope.units, scope.people),
    sameFile,
    unitName,
    personName,
    reports: await reportChoices(c),
    counts: { done: rows.filter((r) => !r.skip && r.state === "done").length, doing: rows.filter((r) => !r.skip && r.state === "doing").length, todo: rows.filter((r) => !r.skip && r.state === "todo").length, blocked: rows.filter((r) => r.problems.length).length, skipped: rows.filter((r) => r.skip).length },
  };
}

export type LedgerOp =
  | { op: "row"; key: string; patch: Partial<Pick<LedgerRow, "unitId" | "ownerId" | "leaderId" | "deadlineKind" | "deadline" | "state" | "skip" | "title" | "category">> & { leaderText?: string } }
  | { op: "choose"; kind: "unit" | "owner" | "leader"; text: string; id: number | null }
  | { op: "bulk"; keys: string[]; patch: { unitId?: number; ownerId?: number; leaderId?: number; deadlineKind?: LedgerRow["deadlineKind"]; deadline?: string; state?: LedgerRow["state"]; skip?: boolean } }
  | { op: "confirmDeadlines" }
  | { op: "settings"; title: string; reportId: number | null };

export const OP_DONE: Record<LedgerOp["op"], string> = { row: "已保存", choose: "已设置对应关系", bulk: "已应用到勾选的行", confirmDeadlines: "已确认全部按台账年度理解的时限", settings: "已保存" };

const STATES = ["todo", "doing", "done"] as const;
const KINDS = ["immediate", "dated", "ongoing"] as const;

/** A posted form → the op (route helper). */
export function opOf(b: Record<string, string | string[] | undefined>, many: (v: string | string[] | undefined) => string[]): LedgerOp {
  const s = (k: string) => {
    const v = b[k];
    return Array.isArray(v) ? v[v.length - 1] : v;
  };
  const id = (k: string) => (s(k) === undefined || s(k) === "" ? undefined : (positiveInt(s(k)) ?? undefined));
  const kind = s("deadlineKind") as LedgerRow["deadlineKind"] | undefined;
  const state = s("state") as LedgerRow["state"] | undefined;
  switch (s("op")) {
    case "row": {
      const patch: Extract<LedgerOp, { op: "row" }>["patch"] = {};
      if (s("unitId") !== undefined) patch.unitId = id("unitId") ?? null;
      if (s("ownerId") !== undefined) patch.ownerId = id("ownerId") ?? null;
      if (s("leaderId") !== undefined) {
        patch.leaderId = id("leaderId") ?? null;
        if (!patch.leaderId) patch.leaderText = "";
      }
      if (kind) patch.deadlineKind = kind;
      if (s("deadline") !== undefined) patch.deadline = s("deadline") || null;
      if (state) patch.state = state;
      if (s("hasSkip") !== undefined) patch.skip = s("skip") === "1";
      if (s("title") !== undefined) patch.title = s("title")!;
      return { op: "row", key: s("key") ?? "", patch };
    }
    case "choose":
      return { op: "choose", kind: s("kind") as "unit", text: s("text") ?? "", id: id("id") ?? null };
    case "bulk":
      return { op: "bulk", keys: many(b.keys), patch: { unitId: id("unitId"), ownerId: id("ownerId"), leaderId: id("leaderId"), deadlineKind: kind || undefined, deadline: s("deadline") || undefined, state: state || undefined, skip: s("skip") === "1" ? true : s("skip") === "0" ? false : undefined } };
    case "confirmDeadlines":
      return { op: "confirmDeadlines" };
    case "settings":
      return { op: "settings", title: s("title") ?? "", reportId: id("reportId") ?? null };
    default:
      throw new ValidationError("未知的操作");
  }
}

export async function updateLedgerDraft(c: Ctx, id: number, o: LedgerOp): Promise<void> {
  assertLeader(c.actor);
  await c.db.tx(async () => {
    const d = await loadDraft(c, id, "ledger");
    if (d.status !== "open") throw new ConflictError("这份台账已确认导入，不能再修改");
    const p = JSON.parse(d.payloadJson) as LedgerPayload;
    const scope = await scopeOf(c.db, d.unitId!);
    const checkUnit = (uid: number | null | undefined) => {
      if (uid && !scope.units.some((u) => u.id === uid)) throw new ValidationError("只能选择本单位及下级单位");
    };
    const checkPerson = (pid: number | null | undefined, leader: boolean) => {
      if (!pid) return;
      const who = scope.people.find((u) => u.id === pid);
      if (!who || !who.active || who.role === "admin") throw new ValidationError("只能选择本单位及下级单位在用的人员");
      if (leader && who.role === "staff") throw new ValidationError("责任领导须为领导账号");
    };
    const checkDeadline = (kind: unknown, deadline: unknown) => {
      if (kind !== undefined && kind !== null && !(KINDS as readonly unknown[]).includes(kind)) throw new ValidationError("请选择整改时限类型");
      if (deadline && !isIsoDay(deadline)) throw new ValidationError("整改时限不是有效日期");
    };
    const apply = (r: LedgerRow, patch: Record<string, unknown>) => {
      checkUnit(patch.unitId as number);
      checkPerson(patch.ownerId as number, false);
      checkPerson(patch.leaderId as number, true);
      checkDeadline(patch.deadlineKind, patch.deadline);
      if (patch.state !== undefined && !(STATES as readonly unknown[]).includes(patch.state)) throw new ValidationError("状态无效");
      if (patch.title !== undefined && !String(patch.title).trim()) throw new ValidationError("问题描述不能为空");
      for (const [k, v] of Object.entries(patch)) if (v !== undefined) (r as Record<string, unknown>)[k] = v;
      if (patch.deadlineKind === "ongoing") r.deadline = null;
      if (patch.deadlineKind !== undefined || patch.deadline !== undefined) {
        r.deadlineConfirmed = true;
        r.deadlineNote = "";
        if (r.deadlineKind && r.deadlineKind !== "ongoing" && !r.deadline) r.deadlineNote = "请填写整改时限";
      }
    };
    switch (o.op) {
      case "row": {
        const r = p.rows.find((x) => x.key === o.key);
        if (!r) throw new ValidationError("该行不存在，请刷新页面");
        apply(r, o.patch);
        break;
      }
      case "choose":
        if (!["unit", "owner", "leader"].includes(o.kind)) throw new ValidationError("未知的选择");
        if (o.kind === "unit") checkUnit(o.id);
        else checkPerson(o.id, o.kind === "leader");
        if (o.id) p.choices[o.kind][o.text] = o.id;
        else delete p.choices[o.kind][o.text];
        break;
      case "bulk": {
        const keys = new Set(o.keys);
        if (!keys.size) throw new ValidationError("请先勾选要批量设置的行");
        const patch = Object.fromEntries(Object.entries(o.patch).filter(([, v]) => v !== undefined));
        if (!Object.keys(patch).length) throw new ValidationError("请选择要批量设置的内容");
        for (const r of p.rows) if (keys.has(r.key)) apply(r, patch);
        break;
      }
      case "confirmDeadlines":
        for (const r of p.rows) if (r.deadlineKind && (r.deadline || r.deadlineKind === "ongoing")) r.deadlineConfirmed = true;
        break;
      case "settings":
        if (!o.title.trim() && !o.reportId) throw new ValidationError("请填写报告标题，或选择要关联的自查报告");
        await checkReport(c, o.reportId, (await c.db.select({ path: units.path }).from(units).where(eq(units.id, d.unitId!)))[0]!.path);
        p.title = o.title.trim().slice(0, 200) || p.title;
        p.reportId = o.reportId;
        break;
    }
    await c.db.update(moveinDrafts).set({ payloadJson: JSON.stringify(p), version: d.version + 1, updatedAt: c.now.toISOString() }).where(eq(moveinDrafts.id, id));
  });
}

export type LedgerResult = { reportId: number; created: number; done: number; doing: number; todo: number; skipped: number };

/**
 * 确认导入: every row that is not skipped must have its unit, owner and deadline settled; then the
 * report, problems, tasks and their history in one transaction. `skipBad` (the CLI's) leaves the
 * unsettled rows out instead of refusing. `dryRun` checks and writes nothing.
 */
export async function confirmLedgerDraft(c: Ctx, id: number, opts: { skipBad?: boolean; dryRun?: boolean } = {}): Promise<LedgerResult & { refused: { row: number; title: string; reason: string }[] }> {
  assertLeader(c.actor);
  const run = async () => {
    const d = await loadDraft(c, id, "ledger");
    if (d.status !== "open") throw new ConflictError("这份台账已确认导入过，不能重复导入");
    const p = JSON.parse(d.payloadJson) as LedgerPayload;
    const scope = await scopeOf(c.db, d.unitId!);
    const unit = (await c.db.select().from(units).where(eq(units.id, d.unitId!)))[0]!;
    if (!canCreateTaskIn(c.actor, unit.path)) throw new ForbiddenError("只能为本单位及下级单位导入台账");
    await checkReport(c, p.reportId, unit.path);
    const checked = p.rows.map((r) => {
      const x = resolve(r, p.choices, scope.units, scope.people);
      return { r, x, problems: rowProblems(r, x, scope.units, scope.people) };
    });
    const refused = checked.filter((k) => k.problems.length).map((k) => ({ row: k.r.row, title: k.r.title, reason: k.problems.join("；") }));
    const take = checked.filter((k) => !k.r.skip && !k.problems.length);
    const result = { reportId: p.reportId ?? 0, created: take.length, done: take.filter((k) => k.r.state === "done").length, doing: take.filter((k) => k.r.state === "doing").length, todo: take.filter((k) => k.r.state === "todo").length, skipped: p.rows.filter((r) => r.skip).length, refused };
    if (refused.length && !opts.skipBad) {
      const fields = Object.fromEntries(checked.filter((k) => k.problems.length).map((k) => [k.r.key, k.problems.join("；")]));
      throw new ValidationError(`还有 ${refused.length} 行需要处理（${refused.slice(0, 3).map((x) => `第 ${x.row} 行：${x.reason}`).join("；")}${refused.length > 3 ? "……" : ""}），未导入任何内容`, fields);
    }
    if (!take.length) throw new ValidationError("台账中没有可导入的问题行");
    if (opts.dryRun) return result;
    const nowIso = c.now.toISOString();
    let reportId = p.reportId;
    if (!reportId) {
      const fullText = [p.title, ...take.map((k, i) => `${i + 1}. ${k.r.title}`)].join("\n");
      reportId = (await c.db.insert(reports).values({ title: p.title || d.originalName, unitId: unit.id, originalName: d.originalName, format: "ledger", sha256: d.sha256, fullText, sectionsJson: "[]", importedBy: c.actor.id, importedAt: nowIso }).returning({ id: reports.id }))[0].id;
    }
    const seq0 = (await c.db.select({ seq: problems.seq }).from(problems).where(eq(problems.reportId, reportId)).orderBy(desc(problems.seq)).limit(1))[0]?.seq ?? 0;
    let seq = seq0;
    for (const { r, x } of take) {
      const [{ id: problemId }] = await c.db.insert(problems).values({ reportId, seq: ++seq, category: r.category || null, text: r.title, measures: r.measures || null, createdAt: nowIso }).returning({ id: problems.id });
      const done = r.state === "done";
      const closedAt = done ? (r.closedOn ? `${r.closedOn}T00:00:00.000Z` : nowIso) : null;
      const progress = r.state !== "todo" && r.progress ? r.progress : "";
      const [{ id: taskId }] = await c.db
        .insert(tasks)
        .values({ problemId, unitId: x.unitId!, coUnits: r.coUnits, leaderId: x.leaderId, ownerId: x.ownerId!, title: r.title.slice(0, 500), goal: r.goal, measures: r.measures, deadlineKind: r.deadlineKind!, deadline: r.deadlineKind === "ongoing" ? null : r.deadline, originalDeadline: r.deadlineKind === "ongoing" ? null : r.deadline, state: r.state, createdBy: c.actor.id, createdAt: nowIso, updatedAt: nowIso, signedOffBy: done ? c.actor.id : null, signedOffAt: closedAt, progressCount: progress ? 1 : 0, lastProgressAt: progress ? nowIso : null })
        .returning({ id: tasks.id });
      const ev = (kind: string, text: string, from: string | null, to: string | null, data?: unknown) => c.db.insert(taskEvents).values({ taskId, actorId: c.actor.id, at: nowIso, kind, fromState: from, toState: to, text, data: data === undefined ? null : JSON.stringify(data) });
      await ev("imported", importedText(d.originalName, r, cnDate), null, r.state, { ledger: d.originalName, row: r.row, status: r.statusText, deadline: r.deadlineText, owner: x.ownerId, kind: r.deadlineKind });
      if (progress) await ev("progress", progress, r.state, r.state, { fromLedger: true });
    }
    await c.db.update(moveinDrafts).set({ status: "confirmed", reportId, version: d.version + 1, updatedAt: nowIso }).where(eq(moveinDrafts.id, id));
    return { ...result, reportId };
  };
  return opts.dryRun ? run() : c.db.tx(run);
}
