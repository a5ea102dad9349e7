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
import { addInto, completionRate, emptyFigures, isFlagged, openByWeek, reRoll, rollUp, subtractFrom, weekOf, worstFirst, type Figures, type UnitNode } from "./figures.ts";
import { categoryBars, COLORS, stackedBar, weeklyChart, type CategoryRow, type WeekPoint } from "./charts.ts";

export const WEEKS = 12;
export const FLAGGED_SHOWN = 20;
const MAX_CATEGORIES = 10;

type Cats = Map<string, { total: number; done: number }>;
type Weekly = { createdBefore: number; signedBefore: number; created: number[]; signed: number[] };

export type Snapshot = {
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
  /** each unit's own figures as read (brought up to date unit by unit) and the last stats_changes.seq taken in */
  parts: Parts;
  seq: number;
  /** how many units the last step read again (null: the whole snapshot was read) */
  refreshed: number | null;
};

/** the figures of each unit's own tasks, as the grouped queries give them */
type Parts = { own: Map<number, Figures>; cats: Map<number, Cats>; weekly: Map<number, Weekly> };

export type UnitRow = { id: number; name: string; rating: string | null; flagged: boolean; figures: Figures; rate: number; hasChildren: boolean; self: boolean };

export type OverviewView = {
  scope: { id: number | null; name: string; parent: { id: number; name: string } | null };
  figures: Figures;
  rate: number;
  rows: UnitRow[];
  /** the worst FLAGGED_SHOWN 后进 / 软弱涣散 branches in scope, and how many there are */
  flagged: UnitRow[];
  flaggedTotal: number;
  categories: CategoryRow[];
  weeks: WeekPoint[];
  charts: { states: string; categories: string; weekly: string };
  today: string;
  weekEnd: string;
  builtMs: number;
};

/**
 * The snapshot of each store, or the one being built (requests that ask meanwhile wait for that
 * build, not one of their own), and the one to follow it (`next`), shared by all who find the
 * counter moved while it was being built.
 */
const cache = new WeakMap<Db, { key: string; day: string; snap: Promise<Snapshot>; done: boolean; next?: Promise<Snapshot> }>();
const ignore = () => {};

/**
 * Past this many units changed since the last snapshot (or half the tree, when that is more), it
 * is read whole again: a unit's own figures are four small indexed queries, the whole snapshot
 * four walks of every task. At a million tasks (3,000 units) a step over 290 units took 330 ms,
 * the whole 3.5-4.7 s: progress posted across the province in an hour changes hundreds of units.
 */
const MAX_UNITS_STEP = 300;

/**
 * The current snapshot, kept while the change counter and the day stand. When the counter moves
 * on the same day, only the units the writes noted (stats_changes, migration 0022) are read
 * again and the tree's sums made anew: at a million tasks reading everything took seconds after
 * every sign-off, and each unit's share is a few milliseconds. A new day, a change of the unit
 * tree, or more than MAX_UNITS_STEP units read everything again (on SQLite's reader thread).
 */
export async function snapshot(db: Db, today: string, tzOffsetMinutes: number): Promise<Snapshot> {
  const day = `${today}|${tzOffsetMinutes}`;
  const key = `${await statsVersion(db)}|${day}`;
  const hit = cache.get(db);
  if (hit?.key === key) return hit.snap;
  // One step at a time: while progress is posted the counter moves many times a second, and a
  // step for each move, each waiting for the one before, fell behind without end (at a million
  // tasks 首页 timed out under 200 connections). Who asks while a step is made waits for one more
  // after it, which reads the counter when it starts: their own change is in it.
  if (hit && hit.day === day && !hit.done) return (hit.next ??= hit.snap.then(ignore, ignore).then(() => snapshot(db, today, tzOffsetMinutes)));
  const whole = () => build(db, key, today, tzOffsetMinutes);
  const snap = hit?.day === day ? hit.snap.then((prev) => step(db, prev, key, tzOffsetMinutes), whole) : whole();
  const entry: { key: string; day: string; snap: Promise<Snapshot>; done: boolean; next?: Promise<Snapshot> } = { key, day, snap, done: false };
  cache.set(db, entry);
  snap.then(
    () => (entry.done = true),
    () => (entry.done = true),
  );
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
  // the changes noted up to here are in what follows; one noted meanwhile is read again next time
  const seq = await lastChange(db);
  const nodes = await db.all<UnitNode>(`SELECT id, parent_id AS "parentId", path, name, rating, kind FROM units ORDER BY path`);
  const { end: weekEnd, start: thisMonday } = weekOf(today);
  const firstMonday = addDays(thisMonday, -7 * (WEEKS - 1));
  const weekStarts = Array.from({ length: WEEKS }, (_, i) => addDays(firstMonday, 7 * i));
  const parts = await readParts(db, { today, weekEnd, weekStarts, tzOffsetMinutes }, null);
  return assemble({ key, today, weekEnd, weekStarts, nodes, parts, seq, refreshed: null, t0 });
}

/** The snapshot `prev` brought to `key`: the units noted since prev.seq read again, or everything. */
async function step(db: Db, prev: Snapshot, key: string, tzOffsetMinutes: number): Promise<Snapshot> {
  const t0 = performance.now();
  const seq = await lastChange(db);
  const noted = await db.column<number>(`SELECT DISTINCT unit_id FROM stats_changes WHERE seq > ? AND seq <= ?`, [prev.seq, seq]);
  const low = await db.value<number | null>(`SELECT min(seq) FROM stats_changes`);
  // the tree changed, too much changed, or the notes since prev were pruned: everything again
  const pruned = prev.seq > 0 && (low == null ? seq !== prev.seq : low > prev.seq + 1);
  if (noted.includes(0) || noted.length > Math.max(MAX_UNITS_STEP, prev.byId.size / 2) || pruned) return build(db, key, prev.today, tzOffsetMinutes);
  const fresh = noted.length ? await readParts(db, { today: prev.today, weekEnd: prev.weekEnd, weekStarts: prev.weekStarts, tzOffsetMinutes }, noted) : null;
  const parts: Parts = { own: new Map(prev.parts.own), cats: new Map(prev.parts.cats), weekly: new Map(prev.parts.weekly) };
  for (const u of noted) {
    for (const m of ["own", "cats", "weekly"] as const) {
      const v = fresh![m].get(u);
      if (v) (parts[m] as Map<number, unknown>).set(u, v);
      else parts[m].delete(u);
    }
  }
  // the sums of the changed units' ancestors only: the old own figures out, the new ones in
  const changes = <T>(m: keyof Parts) => noted.map((id) => ({ id, old: prev.parts[m].get(id) as T | undefined, now: parts[m].get(id) as T | undefined }));
  return {
    ...prev,
    key,
    own: parts.own,
    rolled: reRoll(prev.byId, prev.rolled, changes<Figures>("own"), { clone: (f) => ({ ...f }), add: addInto, sub: subtractFrom }),
    cats: reRoll(prev.byId, prev.cats, changes<Cats>("cats"), { clone: (c) => new Map([...c].map(([k, v]) => [k, { ...v }])), add: addCats, sub: subtractCats }),
    weekly: reRoll(prev.byId, prev.weekly, changes<Weekly>("weekly"), { clone: (w) => ({ ...w, created: [...w.created], signed: [...w.signed] }), add: addWeekly, sub: subtractWeekly }),
    builtMs: performance.now() - t0,
    views: new Map(),
    parts,
    seq,
    refreshed: noted.length,
  };
}

function addCats(a: Cats, b: Cats): void {
  for (const [k, v] of b) {
    const c = a.get(k);
    if (c) {
      c.total += v.total;
      c.done += v.done;
    } else a.set(k, { ...v });
  }
}
function subtractCats(a: Cats, b: Cats): void {
  for (const [k, v] of b) {
    const c = a.get(k)!;
    c.total -= v.total;
    c.done -= v.done;
    if (c.total === 0 && c.done === 0) a.delete(k); // as a whole reading, which has no empty category
  }
}
const emptyWeekly = (): Weekly => ({ createdBefore: 0, signedBefore: 0, created: Array(WEEKS).fill(0), signed: Array(WEEKS).fill(0) });
function addWeekly(a: Weekly, b: Weekly, sign = 1): void {
  a.createdBefore += sign * b.createdBefore;
  a.signedBefore += sign * b.signedBefore;
  for (let i = 0; i < WEEKS; i++) {
    a.created[i] += sign * b.created[i];
    a.signed[i] += sign * b.signed[i];
  }
}
const subtractWeekly = (a: Weekly, b: Weekly) => addWeekly(a, b, -1);

/**
 * The nightly maintenance keeps the newest `keep` change notes: a snapshot older than those (a
 * server idle for days) reads everything again, as it does at a new day anyway.
 */
export async function pruneChangeNotes(db: Db, keep = 200_000): Promise<number> {
  return db.run(`DELETE FROM stats_changes WHERE seq <= ?`, [(await lastChange(db)) - keep]);
}

const lastChange = async (db: Db) => Number((await db.value<number | null>(`SELECT max(seq) FROM stats_changes`)) ?? 0);

/**
 * The grouped queries: every unit's (units null: walking every task), or those units' alone
 * (their indexes on unit_id).
 */
async function readParts(db: Db, when: { today: string; weekEnd: string; weekStarts: string[]; tzOffsetMinutes: number }, units: number[] | null): Promise<Parts> {
  const { today, weekEnd, weekStarts, tzOffsetMinutes } = when;
  // on the store's thread for long reads (db.scan's `long`): a step over hundreds of units takes a
  // few hundred ms at a million tasks, everything seconds; neither holds the event loop or a search
  const read = <T>(text: string, params: unknown[]) => db.scan<T>(text, units ? [...params, JSON.stringify(units)] : params, { long: true });
  const only = (col: string, joiner: "WHERE" | "AND") => (units ? ` ${joiner} ${col} IN (${db.dialect.jsonInts})` : "");

  // 1. counts by unit and state, with 逾期 and 本周到期 (one pass over the unit/state/deadline index)
  const own = new Map<number, Figures>();
  const q1 = await read<{ u: number; s: keyof typeof STATE_LABEL; n: number; od: number; dw: number }>(
    `SELECT unit_id AS u, state AS s, count(*) AS n,
       coalesce(sum(CASE WHEN deadline < ? THEN 1 ELSE 0 END), 0) AS od,
       coalesce(sum(CASE WHEN deadline >= ? AND deadline <= ? THEN 1 ELSE 0 END), 0) AS dw
     FROM tasks${only("unit_id", "WHERE")} GROUP BY unit_id, state`,
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
  const cats = new Map<number, Cats>();
  const q2 = await read<{ u: number; c: string; n: number; d: number }>(
    `SELECT t.unit_id AS u, coalesce(nullif(trim(p.category), ''), '未分类') AS c, count(*) AS n, sum(CASE WHEN t.state = 'done' THEN 1 ELSE 0 END) AS d
     FROM tasks t LEFT JOIN problems p ON p.id = t.problem_id${only("t.unit_id", "WHERE")} GROUP BY 1, 2`,
    [],
  );
  for (const r of q2) {
    if (!cats.has(r.u)) cats.set(r.u, new Map());
    cats.get(r.u)!.set(r.c, { total: r.n, done: r.d });
  }

  // 3. created and signed off per week (in the configured time zone): the week a time falls in,
  // by comparing it with the weeks' first instants (-1 before the first week, WEEKS after the last)
  const bounds = [...weekStarts, addDays(weekStarts[WEEKS - 1], 7)].map((d) => dayStartUtc(d, tzOffsetMinutes));
  const weekCase = (column: string) => `CASE ${bounds.map((_, i) => `WHEN ${column} < ? THEN ${i - 1}`).join(" ")} ELSE ${WEEKS} END`;
  const weekly = new Map<number, Weekly>();
  const weeklyOf = (u: number) => {
    let w = weekly.get(u);
    if (!w) weekly.set(u, (w = emptyWeekly()));
    return w;
  };
  const perWeek = (column: string) => read<{ u: number; wk: number; n: number }>(`SELECT unit_id AS u, ${weekCase(column)} AS wk, count(*) AS n FROM tasks WHERE ${column} IS NOT NULL${only("unit_id", "AND")} GROUP BY 1, 2`, bounds);
  for (const r of await perWeek("created_at")) {
    const w = weeklyOf(r.u);
    if (r.wk < 0) w.createdBefore += r.n;
    else if (r.wk < WEEKS) w.created[r.wk] += r.n;
  }
  for (const r of await perWeek("signed_off_at")) {
    const w = weeklyOf(r.u);
    if (r.wk < 0) w.signedBefore += r.n;
    else if (r.wk < WEEKS) w.signed[r.wk] += r.n;
  }
  return { own, cats, weekly };
}

/** The tree's sums of each unit's own figures: the snapshot. */
function assemble(a: { key: string; today: string; weekEnd: string; weekStarts: string[]; nodes: UnitNode[]; parts: Parts; seq: number; refreshed: number | null; t0: number }): Snapshot {
  const { nodes, parts } = a;
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const children = new Map<number | null, UnitNode[]>();
  for (const n of nodes) {
    const p = n.parentId && byId.has(n.parentId) ? n.parentId : null;
    if (!children.has(p)) children.set(p, []);
    children.get(p)!.push(n);
  }
  const rolled = rollUp(nodes, parts.own, emptyFigures, addInto);
  const cats = rollUp(nodes, parts.cats, () => new Map() as Cats, addCats);
  const weekly = rollUp(nodes, parts.weekly, emptyWeekly, (x, y) => addWeekly(x, y));
  return { key: a.key, today: a.today, weekEnd: a.weekEnd, weekStarts: a.weekStarts, nodes, byId, children, own: parts.own, rolled, cats, weekly, builtMs: performance.now() - a.t0, views: new Map(), parts, seq: a.seq, refreshed: a.refreshed };
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
  const weekly = emptyWeekly();
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
  // the worst FLAGGED_SHOWN of them (a province has hundreds); the link lists all their tasks
  const allFlagged = worstFirst(snap.nodes.filter((n) => isFlagged(n.rating) && inScope(n)).map((n) => row(n)));
  const flagged = allFlagged.slice(0, FLAGGED_SHOWN);

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
    flaggedTotal: allFlagged.length,
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
