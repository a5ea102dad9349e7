// The overview's figures, pure: per-unit counts in, figures rolled up the tree, worst first.
// No database here (service.ts reads the counts), so the arithmetic is tested on its own.
import { addDays, daysBetween } from "../../lib/dates.ts";

export type Figures = {
  total: number;
  todo: number;
  doing: number;
  review: number;
  done: number;
  /** not 已销号 and past the deadline */
  overdue: number;
  /** not 已销号, deadline from today to this Sunday */
  dueThisWeek: number;
};

export const emptyFigures = (): Figures => ({ total: 0, todo: 0, doing: 0, review: 0, done: 0, overdue: 0, dueThisWeek: 0 });

export function addInto(a: Figures, b: Figures): void {
  a.total += b.total;
  a.todo += b.todo;
  a.doing += b.doing;
  a.review += b.review;
  a.done += b.done;
  a.overdue += b.overdue;
  a.dueThisWeek += b.dueThisWeek;
}

/** 完成率: signed off / all, in whole percent (0 when there are no tasks) */
export function completionRate(f: Figures): number {
  return f.total ? Math.round((f.done / f.total) * 1000) / 10 : 0;
}

/** Monday and Sunday of the week that holds `day` */
export function weekOf(day: string): { start: string; end: string } {
  const dow = new Date(day + "T00:00:00Z").getUTCDay(); // 0 Sunday
  const start = addDays(day, -((dow + 6) % 7));
  return { start, end: addDays(start, 6) };
}

/** index of the week (0 = the week starting `firstMonday`) that holds `day`; −1 before it */
export function weekIndex(firstMonday: string, day: string): number {
  const d = daysBetween(firstMonday, day);
  return d < 0 ? -1 : Math.floor(d / 7);
}

export type UnitNode = { id: number; parentId: number | null; path: string; name: string; rating: string | null; kind: string };

/**
 * Rolls per-unit values up the tree: each unit's result is its own value plus every
 * descendant's (by the materialised path '/1/4/9/'). `add` merges b into a.
 */
export function rollUp<T>(nodes: UnitNode[], own: Map<number, T>, empty: () => T, add: (a: T, b: T) => void): Map<number, T> {
  const out = new Map<number, T>();
  for (const n of nodes) out.set(n.id, empty());
  for (const n of nodes) {
    const v = own.get(n.id);
    if (!v) continue;
    for (const part of n.path.split("/")) {
      if (!part) continue;
      const target = out.get(Number(part));
      if (target) add(target, v);
    }
  }
  return out;
}

/**
 * rollUp's result brought up to date where some units' own values changed: each changed unit's
 * old value taken out of, and its new value put into, every unit on its path; the other entries
 * are shared with `rolled`. The same as rollUp over the new own values, at the cost of the
 * changed units' depth rather than of the whole tree.
 */
export function reRoll<T>(byId: Map<number, UnitNode>, rolled: Map<number, T>, changes: { id: number; old?: T; now?: T }[], ops: { clone: (t: T) => T; add: (a: T, b: T) => void; sub: (a: T, b: T) => void }): Map<number, T> {
  const out = new Map(rolled);
  const copied = new Set<number>();
  for (const c of changes) {
    const node = byId.get(c.id);
    if (!node) continue;
    for (const part of node.path.split("/")) {
      if (!part) continue;
      const id = Number(part);
      let target = out.get(id);
      if (target === undefined) continue;
      if (!copied.has(id)) {
        out.set(id, (target = ops.clone(target)));
        copied.add(id);
      }
      if (c.old) ops.sub(target, c.old);
      if (c.now) ops.add(target, c.now);
    }
  }
  return out;
}

export function subtractFrom(a: Figures, b: Figures): void {
  a.total -= b.total;
  a.todo -= b.todo;
  a.doing -= b.doing;
  a.review -= b.review;
  a.done -= b.done;
  a.overdue -= b.overdue;
  a.dueThisWeek -= b.dueThisWeek;
}

/** Worst first: most overdue, then the lowest completion rate, then most open, then name. */
export function worstFirst<T extends { figures: Figures; name: string }>(rows: T[]): T[] {
  return [...rows].sort(
    (a, b) =>
      b.figures.overdue - a.figures.overdue ||
      completionRate(a.figures) - completionRate(b.figures) ||
      b.figures.total - b.figures.done - (a.figures.total - a.figures.done) ||
      a.name.localeCompare(b.name, "zh-CN"),
  );
}

export const FLAGGED_RATINGS = ["backward", "weak"];
export const isFlagged = (rating: string | null) => !!rating && FLAGGED_RATINGS.includes(rating);

/**
 * Open tasks at the end of each week from the weekly counts: open(k) = created up to k's end −
 * signed off up to k's end (sign-offs later undone by 重新打开 count from their new sign-off).
 */
export function openByWeek(createdBefore: number, signedBefore: number, created: number[], signed: number[]): number[] {
  let c = createdBefore;
  let s = signedBefore;
  return created.map((n, i) => {
    c += n;
    s += signed[i] ?? 0;
    return Math.max(0, c - s);
  });
}
