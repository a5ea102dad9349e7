// 首页 (overview): where rectification stands in the actor's scope (their unit and its
// sub-units; everything for admin). A roll-up over every task on every request would not hold
// at 100,000 tasks, so the per-unit counts are read in four grouped queries into a snapshot,
// kept until the database's change counter (stats_version, bumped by triggers in the writing
// transaction: db/migrations/0003_overview_stats.sql) or today moves. A page read then costs
// one one-row SELECT; the view of each scope is memoised on the snapshot too. The grouped queries
// walk every task: they go through db.scan, which keeps the event loop free while they run (on
// SQLite a worker thread's connection answers them), so a rebuild after a sign-off no longer
// holds every other request for its length.
import type { Db } from "../../../db/client.ts";
import type { Actor } from "../auth/permissions.ts";
import { NotFoundError } from "../../lib/errors.ts";
import { addDays } from "../../lib/dates.ts";
import { statsVersion } from "../../lib/stats-version.ts";
import { STATE_LABEL } from "../tasks/workflow.ts";
import { addInto, completionRate, emptyFigures, isFlagged, openByWeek, rollUp, weekOf, worstFirst, type Figures, type UnitNode } from "./figures.ts";
import { categoryBars, COLORS, stackedBar, weeklyChart, type CategoryRow, type WeekPoint } from "./charts.ts";

export const WEEKS = 12;
const MAX_CATEGORIES = 10;

type Cats = Map<string, { total: number; done: number }>;
type Weekly = { createdBefore: number; signedBefore: number; created: number[]; signed: number[] };

type Snapshot = {
  key: string;
  today: string;
  weekEnd: string;
  weekStarts: string[];
  nodes: UnitNode[];
  byId: Map<number, UnitNode>;
  children: Map<number | null, UnitNode[]>;
  own: Map<number, Figures>;
  rolled: Map<number, Figures>;
  cats: Map<number, Cats>;
  weekly: Map<number, Weekly>;
  builtMs: number;
  views: Map<string, OverviewView>;
};

export type UnitRow = { id: number; name: string; rating: string | null; flagged: boolean; figures: Figures; rate: number; hasChildren: boolean; self: boolean };

export type OverviewView = {
  scope: { id: number | null; name: string; parent: { id: number; name: string } | null };
  figures: Figures;
  rate: number;
  rows: UnitRow[];
  flagged: UnitRow[];
  categories: CategoryRow[];
  weeks: WeekPoint[];
  charts: { states: string; categories: string; weekly: string };
  today: string;
  weekEnd: string;
  builtMs: number;
};

/** the snapshot of each store, or the one being built (requests that ask meanwhile wait for that build, not one of their own) */
const cache = new WeakMap<Db, { key: string; snap: Promise<Snapshot> }>();

/** The current snapshot: rebuilt only when the change counter or the day has moved. */
export async function snapshot(db: Db, today: string, tzOffsetMinutes: number): Promise<Snapshot> {
  const key = `${await statsVersion(db)}|${today}|${tzOffsetMinutes}`;
  const hit = cache.get(db);
  if (hit?.key === key) return hit.snap;
  const entry = { key, snap: build(db, key, today, tzOffsetMinutes) };
  cache.set(db, entry);
  // a failed build is not kept: the next request tries again
  entry.snap.catch(() => {
    if (cache.get(db) === entry) cache.delete(db);
  });
  return entry.snap;
}

/**
 * The local day's start (00:00 at `tzOffsetMinutes` east of UTC) as the instant the database's
 * times are written in: ISO-8601 UTC with milliseconds, so that comparing the text compares the time.
 */
function dayStartUtc(day: string, tzOffsetMinutes: number): string {
  return new Date(Date.parse(`${day}T00:00:00.000Z`) - tzOffsetMinutes * 60_000).toISOString();
}

async function build(db: Db, key: string, today: string, tzOffsetMinutes: number): Promise<Snapshot> {
  const t0 = performance.now();
  const nodes = await db.all<UnitNode>(`SELECT id, parent_id AS "parentId", path, name, rating, kind FROM units ORDER BY path`);
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const children = new Map<number | null, UnitNode[]>();
  for (const n of nodes) {
    const p = n.parentId && byId.has(n.parentId) ? n.parentId : null;
    if (!children.has(p)) children.set(p, []);
    children.get(p)!.push(n);
  }
  const { end: weekEnd, start: thisMonday } = weekOf(today);
  const firstMonday = addDays(thisMonday, -7 * (WEEKS - 1));
  const weekStarts = Array.from({ length: WEEKS }, (_, i) => addDays(firstMonday, 7 * i));

  // 1. counts by unit and state, with 逾期 and 本周到期 (one pass over the unit/state/deadline index)
  const own = new Map<number, Figures>();
  const q1 = await db.scan<{ u: number; s: keyof typeof STATE_LABEL; n: number; od: number; dw: number }>(
    `SELECT unit_id AS u, state AS s, count(*) AS n,
       coalesce(sum(CASE WHEN deadline < ? THEN 1 ELSE 0 END), 0) AS od,
       coalesce(sum(CASE WHEN deadline >= ? AND deadline <= ? THEN 1 ELSE 0 END), 0) AS dw
     FROM tasks GROUP BY unit_id, state`,
    [today, today, weekEnd],
  );
  for (const r of q1) {
    let f = own.get(r.u);
    if (!f) own.set(r.u, (f = emptyFigures()));
    f.total += r.n;
    f[r.s] += r.n;
    if (r.s !== "done") {
      f.overdue += r.od;
      f.dueThisWeek += r.dw;
    }
  }

  // 2. tasks by their problem's category (问题类别)
  const ownCats = new Map<number, Cats>();
  const q2 = await db.scan<{ u: number; c: string; n: number; d: number }>(
    `SELECT t.unit_id AS u, coalesce(nullif(trim(p.category), ''), '未分类') AS c, count(*) AS n, sum(CASE WHEN t.state = 'done' THEN 1 ELSE 0 END) AS d
     FROM tasks t LEFT JOIN problems p ON p.id = t.problem_id GROUP BY 1, 2`,
  );
  for (const r of q2) {
    if (!ownCats.has(r.u)) ownCats.set(r.u, new Map());
    ownCats.get(r.u)!.set(r.c, { total: r.n, done: r.d });
  }

  // 3. created and signed off per week (in the configured time zone): the week a time falls in,
  // by comparing it with the weeks' first instants (-1 before the first week, WEEKS after the last)
  const bounds = [...weekStarts, addDays(weekStarts[WEEKS - 1], 7)].map((d) => dayStartUtc(d, tzOffsetMinutes));
  const weekCase = (column: string) => `CASE ${bounds.map((_, i) => `WHEN ${column} < ? THEN ${i - 1}`).join(" ")} ELSE ${WEEKS} END`;
  const ownWeekly = new Map<number, Weekly>();
  const weekly = (u: number) => {
    let w = ownWeekly.get(u);
    if (!w) ownWeekly.set(u, (w = { createdBefore: 0, signedBefore: 0, created: Array(WEEKS).fill(0), signed: Array(WEEKS).fill(0) }));
    return w;
  };
  const perWeek = (column: string) =>
    db.scan<{ u: number; wk: number; n: number }>(`SELECT unit_id AS u, ${weekCase(column)} AS wk, count(*) AS n FROM tasks WHERE ${column} IS NOT NULL GROUP BY 1, 2`, bounds);
  for (const r of await perWeek("created_at")) {
    const w = weekly(r.u);
    if (r.wk < 0) w.createdBefore += r.n;
    else if (r.wk < WEEKS) w.created[r.wk] += r.n;
  }
  for (const r of await perWeek("signed_off_at")) {
    const w = weekly(r.u);
    if (r.wk < 0) w.signedBefore += r.n;
    else if (r.wk < WEEKS) w.signed[r.wk] += r.n;
  }

  const rolled = rollUp(nodes, own, emptyFigures, addInto);
  const cats = rollUp(nodes, ownCats, () => new Map() as Cats, (a, b) => {
    for (const [k, v] of b) {
      const x = a.get(k);
      if (x) {
        x.total += v.total;
        x.done += v.done;
      } else a.set(k, { ...v });
    }
  });
  const weeklyRolled = rollUp(
    nodes,
    ownWeekly,
    () => ({ createdBefore: 0, signedBefore: 0, created: Array(WEEKS).fill(0), signed: Array(WEEKS).fill(0) }),
    (a, b) => {
      a.createdBefore += b.createdBefore;
      a.signedBefore += b.signedBefore;
      for (let i = 0; i < WEEKS; i++) {
        a.created[i] += b.created[i];
        a.signed[i] += b.signed[i];
      }
    },
  );
  return { key, today, weekEnd, weekStarts, nodes, byId, children, own, rolled, cats, weekly: weeklyRolled, builtMs: performance.now() - t0, views: new Map() };
}

/** The overview of `unitId` (or of the actor's own scope) for this actor; 404 outside their scope. */
export async function overview(db: Db, actor: Actor, today: string, tzOffsetMinutes: number, unitId?: number): Promise<OverviewView> {
  const snap = await snapshot(db, today, tzOffsetMinutes);
  let scopeId: number | null;
  if (unitId !== undefined) {
    const u = snap.byId.get(unitId);
    if (!u || (actor.role !== "admin" && !u.path.startsWith(actor.unitPath))) throw new NotFoundError("未找到该单位，可能您没有权限查看");
    scopeId = unitId;
  } else if (actor.role === "admin") {
    const roots = snap.children.get(null) ?? [];
    scopeId = roots.length === 1 ? roots[0].id : null;
  } else scopeId = actor.unitId;
  const memoKey = `${scopeId}|${actor.role === "admin" ? "all" : actor.unitPath}`;
  const memo = snap.views.get(memoKey);
  if (memo) return memo;
  const view = compose(snap, actor, scopeId);
  snap.views.set(memoKey, view);
  return view;
}

function compose(snap: Snapshot, actor: Actor, scopeId: number | null): OverviewView {
  const scopeNode = scopeId === null ? null : snap.byId.get(scopeId)!;
  const kids = snap.children.get(scopeId) ?? [];
  const figures = emptyFigures();
  const cats: Cats = new Map();
  const weekly: Weekly = { createdBefore: 0, signedBefore: 0, created: Array(WEEKS).fill(0), signed: Array(WEEKS).fill(0) };
  const tops = scopeNode ? [scopeNode] : kids;
  for (const n of tops) {
    addInto(figures, snap.rolled.get(n.id)!);
    for (const [k, v] of snap.cats.get(n.id)!) {
      const x = cats.get(k) ?? { total: 0, done: 0 };
      x.total += v.total;
      x.done += v.done;
      cats.set(k, x);
    }
    const w = snap.weekly.get(n.id)!;
    weekly.createdBefore += w.createdBefore;
    weekly.signedBefore += w.signedBefore;
    for (let i = 0; i < WEEKS; i++) {
      weekly.created[i] += w.created[i];
      weekly.signed[i] += w.signed[i];
    }
  }
  const row = (n: UnitNode, self = false): UnitRow => {
    const f = self ? (snap.own.get(n.id) ?? emptyFigures()) : snap.rolled.get(n.id)!;
    return { id: n.id, name: self ? `${n.name}（本级）` : n.name, rating: n.rating, flagged: isFlagged(n.rating), figures: f, rate: completionRate(f), hasChildren: !self && (snap.children.get(n.id)?.length ?? 0) > 0, self };
  };
  const rows = worstFirst(kids.map((n) => row(n)));
  if (scopeNode && (snap.own.get(scopeNode.id)?.total ?? 0) > 0) rows.push(row(scopeNode, true));
  const inScope = (n: UnitNode) => (scopeNode ? n.path.startsWith(scopeNode.path) : actor.role === "admin");
  const flagged = worstFirst(snap.nodes.filter((n) => isFlagged(n.rating) && inScope(n)).map((n) => row(n)));

  const allCats = [...cats].map(([label, v]) => ({ label, ...v })).sort((a, b) => b.total - a.total || a.label.localeCompare(b.label, "zh-CN"));
  const categories = allCats.slice(0, MAX_CATEGORIES);
  if (allCats.length > MAX_CATEGORIES) {
    const rest = allCats.slice(MAX_CATEGORIES).reduce((s, x) => ({ label: "其他", total: s.total + x.total, done: s.done + x.done }), { label: "其他", total: 0, done: 0 });
    categories.push(rest);
  }
  const open = openByWeek(weekly.createdBefore, weekly.signedBefore, weekly.created, weekly.signed);
  const weeks: WeekPoint[] = snap.weekStarts.map((d, i) => ({ label: `${Number(d.slice(5, 7))}/${Number(d.slice(8, 10))}`, signedOff: weekly.signed[i], open: open[i] }));
  const parentNode = scopeNode?.parentId ? snap.byId.get(scopeNode.parentId) : undefined;
  const parent = parentNode && (actor.role === "admin" || parentNode.path.startsWith(actor.unitPath)) ? { id: parentNode.id, name: parentNode.name } : null;
  const states = stackedBar(
    [
      { label: STATE_LABEL.todo, value: figures.todo, color: COLORS.todo },
      { label: STATE_LABEL.doing, value: figures.doing, color: COLORS.doing },
      { label: STATE_LABEL.review, value: figures.review, color: COLORS.review },
      { label: STATE_LABEL.done, value: figures.done, color: COLORS.done },
    ],
    { title: "任务状态分布" },
  );
  return {
    scope: { id: scopeId, name: scopeNode?.name ?? "全部单位", parent },
    figures,
    rate: completionRate(figures),
    rows,
    flagged,
    categories,
    weeks,
    charts: { states, categories: categoryBars(categories, { title: "问题类别" }), weekly: weeklyChart(weeks, { title: `近 ${WEEKS} 周销号情况` }) },
    today: snap.today,
    weekEnd: snap.weekEnd,
    builtMs: snap.builtMs,
  };
}

/** Minutes the time zone is ahead of UTC at `at` (Asia/Shanghai: 480). */
export function tzOffsetMinutes(tz: string, at: Date): number {
  const parts = new Intl.DateTimeFormat("en-US", { timeZone: tz, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" }).formatToParts(at);
  const get = (t: string) => Number(parts.find((p) => p.type === t)!.value);
  const asUtc = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"), get("second"));
  return Math.round((asUtc - Math.floor(at.getTime() / 1000) * 1000) / 60000);
}
