// 回头看 on the store: the list of 回头看 to do, rounds (start, page, progress), the figures of
// the overview and the ledger, and the 屡查屡犯 hints of the import review. The verbs that change a
// task (巩固 / 反弹 / the date) are the task workflow's (tasks/service.ts).
import type { Db } from "../../../db/client.ts";
import { recheckItems, recheckRounds, reports, units } from "../../../db/schema.ts";
import { eq, sql } from "drizzle-orm";
import { canCreateTaskIn, type Actor } from "../auth/permissions.ts";
import { ForbiddenError, NotFoundError, ValidationError } from "../../lib/errors.ts";
import { cnDate, isIsoDay } from "../../lib/dates.ts";
import { directory } from "../../lib/directory.ts";
import { taskWhere, subtreeIds, type Ctx } from "../tasks/service.ts";
import { progressOf, rates, type ItemStatus, type Progress } from "./plan.ts";
import { mostSimilar } from "./similar.ts";

/** What the actor may see of tasks (taskWhere's rule), plus the units they oversee (联系领导). */
async function visible(db: Db, actor: Actor, today: string): Promise<{ text: string; params: unknown[] }> {
  const w = await taskWhere(db, actor, {}, today);
  if (actor.role !== "leader") return { text: w.text || "1 = 1", params: w.params };
  return { text: `(${w.text} OR tasks.unit_id IN (SELECT id FROM units WHERE overseer_id = ?))`, params: [...w.params, actor.id] };
}

export type RecheckRow = { id: number; taskId: number; title: string; unitId: number; unitName: string; leaderName: string; due: string; status: ItemStatus; roundId: number | null; decidedAt: string | null; note: string };

const LIST_MAX = 300;

/**
 * 回头看 list: the open ones (`due`: due by today; `all`: every open one; `done`: judged lately),
 * soonest first, of the tasks the actor may see.
 */
export async function listRechecks(db: Db, actor: Actor, today: string, show: "due" | "all" | "done"): Promise<RecheckRow[]> {
  if (actor.role === "security" || actor.role === "auditor") throw new ForbiddenError();
  const v = await visible(db, actor, today);
  const cond = show === "done" ? `recheck_items.status <> 'open'` : show === "due" ? `recheck_items.status = 'open' AND recheck_items.due <= ?` : `recheck_items.status = 'open'`;
  const order = show === "done" ? `recheck_items.decided_at DESC NULLS LAST, recheck_items.id DESC` : `recheck_items.due, recheck_items.id`;
  const rows = await db.all<Omit<RecheckRow, "unitName" | "leaderName"> & { leaderId: number | null }>(
    `SELECT recheck_items.id, recheck_items.task_id AS "taskId", tasks.title, tasks.unit_id AS "unitId", tasks.leader_id AS "leaderId", recheck_items.due, recheck_items.status,
            recheck_items.round_id AS "roundId", recheck_items.decided_at AS "decidedAt", recheck_items.note
     FROM recheck_items JOIN tasks ON tasks.id = recheck_items.task_id
     WHERE ${cond} AND ${v.text} ORDER BY ${order} LIMIT ${LIST_MAX}`,
    [...(show === "due" ? [today] : []), ...v.params],
  );
  const dir = await directory(db);
  return rows.map(({ leaderId, ...r }) => ({ ...r, unitName: dir.units.get(r.unitId)?.name ?? "", leaderName: leaderId ? (dir.users.get(leaderId)?.name ?? "") : "" }));
}

// ───────────────────────── rounds ─────────────────────────

export type RoundScope = { reportId?: number; unitId?: number; unitCode?: string };

/**
 * 开展一轮回头看: every task of the report (or of the unit's tree) signed off before `asOf` (today
 * by default) gets a 回头看 due on `due` (a task's open one moves into the round). One transaction.
 */
export async function startRound(c: Ctx, scope: RoundScope, due: string, asOf?: string): Promise<{ roundId: number; count: number }> {
  if (c.actor.role !== "leader" && c.actor.role !== "admin") throw new ForbiddenError("只有领导和管理员可以开展回头看");
  if (!isIsoDay(due)) throw new ValidationError("请填写回头看的完成期限", { due: "请填写有效日期" });
  if (due < c.today) throw new ValidationError(`完成期限不能早于今天（${cnDate(c.today)}）`, { due: "不能早于今天" });
  const as = asOf || c.today;
  if (!isIsoDay(as)) throw new ValidationError("“截至日期”不是有效日期", { asOf: "请填写有效日期" });
  return c.db.tx(async () => {
    const dir = await directory(c.db);
    let unitId: number;
    let reportId: number | null = null;
    let title: string;
    let taskSql: string;
    let param: unknown;
    if (scope.reportId) {
      const r = (await c.db.select({ id: reports.id, title: reports.title, unitId: reports.unitId }).from(reports).where(eq(reports.id, scope.reportId)))[0];
      if (!r) throw new NotFoundError("未找到该报告");
      unitId = r.unitId;
      reportId = r.id;
      title = `《${r.title}》整改回头看`;
      taskSql = `tasks.problem_id IN (SELECT id FROM problems WHERE report_id = ?)`;
      param = r.id;
    } else {
      const u = scope.unitId ? dir.units.get(scope.unitId) : scope.unitCode ? (await c.db.select({ id: units.id }).from(units).where(eq(units.code, scope.unitCode)))[0] : undefined;
      if (!u) throw new ValidationError(scope.unitCode ? `没有代码为 ${scope.unitCode} 的单位` : "请选择单位", { unitId: "请选择单位" });
      unitId = u.id;
      title = `${dir.units.get(u.id)!.name}整改回头看（${cnDate(as)}前销号事项）`;
      taskSql = `tasks.unit_id IN (${c.db.dialect.jsonInts})`;
      param = JSON.stringify(await subtreeIds(c.db, u.id));
    }
    const unit = dir.units.get(unitId)!;
    if (!canCreateTaskIn(c.actor, unit.path)) throw new ForbiddenError("只能对本单位及下级单位开展回头看");
    // "before asOf": signed off on an earlier day (ISO moments of that day compare above the bare day)
    const ids = await c.db.column<number>(`SELECT id FROM tasks WHERE state = 'done' AND signed_off_at < ? AND ${taskSql} ORDER BY id`, [as, param]);
    if (!ids.length) throw new ValidationError(`没有在${cnDate(as)}之前销号的任务，无需开展回头看`);
    const nowIso = c.now.toISOString();
    const [{ id: roundId }] = await c.db.insert(recheckRounds).values({ title, unitId, reportId, asOf: as, due, createdBy: c.actor.id, createdAt: nowIso }).returning({ id: recheckRounds.id });
    for (const taskId of ids) {
      await c.db
        .insert(recheckItems)
        .values({ taskId, roundId, due, createdAt: nowIso })
        .onConflictDoUpdate({ target: recheckItems.taskId, targetWhere: sql`status = 'open'`, set: { due, roundId } });
    }
    return { roundId, count: ids.length };
  });
}

export type RoundRow = { id: number; title: string; unitId: number; unitName: string; reportId: number | null; asOf: string; due: string; createdAt: string; progress: Progress };

/** The rounds over the actor's units (every round for admin), newest first, with their progress. */
export async function listRounds(db: Db, actor: Actor, today: string, unitId?: number | null): Promise<RoundRow[]> {
  if (actor.role !== "leader" && actor.role !== "admin") return [];
  const dir = await directory(db);
  const root = unitId ? dir.units.get(unitId)?.path : actor.role === "admin" ? "" : actor.unitPath;
  if (root === undefined) return [];
  const rounds = (await db.all<Omit<RoundRow, "unitName" | "progress">>(`SELECT id, title, unit_id AS "unitId", report_id AS "reportId", as_of AS "asOf", due, created_at AS "createdAt" FROM recheck_rounds ORDER BY id DESC LIMIT 200`)).filter(
    (r) => (dir.units.get(r.unitId)?.path ?? "").startsWith(root) && (actor.role === "admin" || (dir.units.get(r.unitId)?.path ?? "").startsWith(actor.unitPath)),
  );
  if (!rounds.length) return [];
  const counts = await db.all<{ roundId: number; status: ItemStatus; due: string; n: number }>(
    `SELECT round_id AS "roundId", status, due, count(*) AS n FROM recheck_items WHERE round_id IN (${db.dialect.jsonInts}) GROUP BY round_id, status, due`,
    [JSON.stringify(rounds.map((r) => r.id))],
  );
  return rounds.map((r) => {
    const mine = counts.filter((x) => x.roundId === r.id).flatMap((x) => Array.from({ length: Number(x.n) }, () => ({ status: x.status, due: x.due })));
    return { ...r, unitName: dir.units.get(r.unitId)?.name ?? "", progress: progressOf(mine, today) };
  });
}

/** A round's page: what it covers and each task's 回头看 in it. */
export async function getRound(db: Db, actor: Actor, today: string, id: number) {
  const dir = await directory(db);
  const r = Number.isSafeInteger(id) ? (await db.select().from(recheckRounds).where(eq(recheckRounds.id, id)))[0] : undefined;
  const unit = r ? dir.units.get(r.unitId) : undefined;
  if (!r || !unit || (actor.role !== "admin" && !(actor.role === "leader" && unit.path.startsWith(actor.unitPath)))) throw new NotFoundError("未找到该轮回头看，可能您没有权限查看");
  const items = await db.all<{ id: number; taskId: number; title: string; unitId: number; due: string; status: ItemStatus; decidedAt: string | null; note: string; state: string }>(
    `SELECT recheck_items.id, recheck_items.task_id AS "taskId", tasks.title, tasks.unit_id AS "unitId", recheck_items.due, recheck_items.status, recheck_items.decided_at AS "decidedAt", recheck_items.note, tasks.state
     FROM recheck_items JOIN tasks ON tasks.id = recheck_items.task_id WHERE recheck_items.round_id = ? ORDER BY tasks.unit_id, recheck_items.task_id`,
    [id],
  );
  const report = r.reportId ? ((await db.select({ id: reports.id, title: reports.title }).from(reports).where(eq(reports.id, r.reportId)))[0] ?? null) : null;
  return { round: r, unitName: unit.name, report, items: items.map((x) => ({ ...x, unitName: dir.units.get(x.unitId)?.name ?? "" })), progress: progressOf(items, today) };
}

// ───────────────────────── figures ─────────────────────────

export type UnitRecheck = { unitId: number; unitName: string; due: number; overdue: number; held: number; rebound: number; holdRate: number | null; reboundRate: number | null };
export type RecheckFigures = { total: UnitRecheck; units: UnitRecheck[] };

/**
 * 回头看 figures by 责任单位 under `rootUnitId` (the actor's unit; everything for admin): 到期待回头看
 * (open, due by today), of them 逾期, 巩固 and 反弹 (judged items) with 巩固率 / 反弹率.
 */
export async function recheckFigures(db: Db, actor: Actor, today: string, rootUnitId?: number | null): Promise<RecheckFigures> {
  const dir = await directory(db);
  const root = rootUnitId ? dir.units.get(rootUnitId)?.path : actor.role === "admin" ? "" : actor.unitPath;
  const empty = (unitId: number, unitName: string): UnitRecheck => ({ unitId, unitName, due: 0, overdue: 0, held: 0, rebound: 0, holdRate: null, reboundRate: null });
  const total = empty(0, "合计");
  if (root === undefined || (actor.role !== "admin" && actor.role !== "leader")) return { total, units: [] };
  // every 回头看 with its task's unit: read from recheck_items, each task found by its id (`+`
  // keeps the planner from walking every task instead, as SQLite did with a table analysed
  // empty: 45 ms a page at a million tasks), on the store's reader thread
  const rows = await db.scan<{ unitId: number; due: number; overdue: number; held: number; rebound: number }>(
    `SELECT tasks.unit_id AS "unitId",
            sum(CASE WHEN recheck_items.status = 'open' AND recheck_items.due <= ? THEN 1 ELSE 0 END) AS due,
            sum(CASE WHEN recheck_items.status = 'open' AND recheck_items.due < ? THEN 1 ELSE 0 END) AS overdue,
            sum(CASE WHEN recheck_items.status = 'held' THEN 1 ELSE 0 END) AS held,
            sum(CASE WHEN recheck_items.status = 'rebound' THEN 1 ELSE 0 END) AS rebound
     FROM recheck_items JOIN tasks ON tasks.id = +recheck_items.task_id GROUP BY tasks.unit_id`,
    [today, today],
  );
  const units: UnitRecheck[] = [];
  for (const r of rows) {
    const u = dir.units.get(r.unitId);
    if (!u || !u.path.startsWith(root) || (actor.role !== "admin" && !u.path.startsWith(actor.unitPath))) continue;
    const x = { ...empty(r.unitId, u.name), due: Number(r.due), overdue: Number(r.overdue), held: Number(r.held), rebound: Number(r.rebound) };
    if (!x.due && !x.held && !x.rebound) continue;
    Object.assign(x, rates(x.held, x.rebound));
    units.push(x);
    for (const k of ["due", "overdue", "held", "rebound"] as const) total[k] += x[k];
  }
  Object.assign(total, rates(total.held, total.rebound));
  units.sort((a, b) => (b.reboundRate ?? -1) - (a.reboundRate ?? -1) || b.overdue - a.overdue || a.unitName.localeCompare(b.unitName, "zh"));
  return { total, units };
}

/** Per task, what the ledger and the 整改情况报告 say of its 回头看: the last 巩固's day. */
export async function lastHeldDays(db: Db, taskIds: number[]): Promise<Map<number, string>> {
  if (!taskIds.length) return new Map();
  const rows = await db.all<{ taskId: number; day: string }>(
    `SELECT task_id AS "taskId", max(decided_at) AS day FROM recheck_items WHERE status = 'held' AND task_id IN (${db.dialect.jsonInts}) GROUP BY task_id`,
    [JSON.stringify(taskIds)],
  );
  return new Map(rows.map((r) => [r.taskId, r.day]));
}

// ───────────────────────── 屡查屡犯: hints for the import review ─────────────────────────

export type RecurrenceHint = { taskId: number; taskTitle: string; reportId: number; reportTitle: string; seq: number; state: string; signedOffAt: string | null; score: number };

/** How many of the tree's earlier problems are compared at most (the newest). */
const EARLIER_MAX = 5000;

/**
 * For each problem text, the earlier problem of the unit's tree (from earlier reports, with a
 * task the actor may see) that is clearly the same, if any.
 */
export async function recurrenceHints(db: Db, actor: Actor, unitId: number, texts: { key: string; text: string }[], today: string, beforeReportId?: number): Promise<Map<string, RecurrenceHint>> {
  const out = new Map<string, RecurrenceHint>();
  if (!texts.length) return out;
  const v = await visible(db, actor, today);
  const tree = JSON.stringify(await subtreeIds(db, unitId));
  const earlier = await db.all<Omit<RecurrenceHint, "score"> & { text: string }>(
    `SELECT problems.text, problems.seq, reports.id AS "reportId", reports.title AS "reportTitle", tasks.id AS "taskId", tasks.title AS "taskTitle", tasks.state, tasks.signed_off_at AS "signedOffAt"
     FROM problems JOIN reports ON reports.id = problems.report_id JOIN tasks ON tasks.problem_id = problems.id
     WHERE reports.unit_id IN (${db.dialect.jsonInts}) AND reports.id < ? AND ${v.text}
     ORDER BY problems.id DESC LIMIT ${EARLIER_MAX}`,
    [tree, beforeReportId ?? 2_147_483_647, ...v.params],
  );
  for (const t of texts) {
    const best = mostSimilar(t.text, earlier);
    if (best) {
      const { text: _text, ...hint } = best.item;
      out.set(t.key, { ...hint, score: best.score });
    }
  }
  return out;
}

/** "与《2025年度…自查报告》第3个问题相似（已于2026年3月1日销号）" */
export function hintWords(h: RecurrenceHint): string {
  const state = h.state === "done" && h.signedOffAt ? `已于${cnDate(h.signedOffAt.slice(0, 10))}销号` : "尚未销号";
  return `与《${h.reportTitle}》第${h.seq}个问题相似（${state}）`;
}
