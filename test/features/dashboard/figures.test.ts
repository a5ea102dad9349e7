import { test } from "node:test";
import assert from "node:assert/strict";
import { rollUp, addInto, emptyFigures, completionRate, worstFirst, weekOf, weekIndex, openByWeek, isFlagged, type UnitNode } from "../../../server/features/dashboard/figures.ts";
import { stackedBar, categoryBars, weeklyChart, niceMax } from "../../../server/features/dashboard/charts.ts";

const node = (id: number, path: string, parentId: number | null = null): UnitNode => ({ id, path, parentId, name: `单位${id}`, rating: null, kind: "branch" });

test("figures roll up the tree by path: each unit counts its own and every descendant's", () => {
  const nodes = [node(1, "/1/"), node(2, "/1/2/", 1), node(3, "/1/2/3/", 2), node(4, "/1/4/", 1), node(5, "/5/")];
  const own = new Map([
    [1, { ...emptyFigures(), total: 1, done: 1 }],
    [3, { ...emptyFigures(), total: 4, overdue: 2, todo: 4 }],
    [4, { ...emptyFigures(), total: 2, doing: 2 }],
    [5, { ...emptyFigures(), total: 9 }],
  ]);
  const r = rollUp(nodes, own, emptyFigures, addInto);
  assert.equal(r.get(1)!.total, 7);
  assert.equal(r.get(1)!.overdue, 2);
  assert.equal(r.get(2)!.total, 4);
  assert.equal(r.get(3)!.todo, 4);
  assert.equal(r.get(5)!.total, 9);
  assert.equal(completionRate(r.get(1)!), 14.3);
  assert.equal(completionRate(emptyFigures()), 0);
});

test("worst first: most overdue, then lowest completion rate", () => {
  const f = (total: number, done: number, overdue: number) => ({ ...emptyFigures(), total, done, overdue });
  const rows = worstFirst([
    { name: "甲", figures: f(10, 9, 0) },
    { name: "乙", figures: f(10, 1, 0) },
    { name: "丙", figures: f(10, 5, 3) },
  ]);
  assert.deepEqual(rows.map((r) => r.name), ["丙", "乙", "甲"]);
  assert.ok(isFlagged("backward") && isFlagged("weak") && !isFlagged("average") && !isFlagged(null));
});

test("weeks run Monday to Sunday; open at each week's end follows created and signed-off counts", () => {
  assert.deepEqual(weekOf("2026-11-23"), { start: "2026-11-23", end: "2026-11-29" }); // a Monday
  assert.deepEqual(weekOf("2026-11-29"), { start: "2026-11-23", end: "2026-11-29" }); // a Sunday
  assert.equal(weekIndex("2026-11-02", "2026-11-01"), -1);
  assert.equal(weekIndex("2026-11-02", "2026-11-15"), 1);
  assert.deepEqual(openByWeek(10, 4, [2, 0, 1], [1, 3, 0]), [7, 4, 5]);
});

test("charts: escaped labels, one bar per value, the numbers drawn", () => {
  const s = stackedBar([{ label: "待整改<script>", value: 3, color: "#000" }, { label: "已销号", value: 0, color: "#0f0" }], { title: "状态" });
  assert.match(s, /^<svg [^>]*role="img" aria-label="状态"/);
  assert.doesNotMatch(s, /<script>/);
  assert.match(s, /待整改&lt;script&gt; 3/);
  assert.equal((s.match(/<rect [^>]*height="28"/g) ?? []).length, 1, "a zero segment draws no bar");
  const c = categoryBars([{ label: "组织生活", total: 10, done: 4 }, { label: "党费", total: 5, done: 5 }], { title: "类别" });
  assert.match(c, /4\/10/);
  assert.match(c, /5\/5/);
  const w = weeklyChart([{ label: "11/2", signedOff: 3, open: 20 }, { label: "11/9", signedOff: 5, open: 16 }], { title: "周" });
  assert.equal((w.match(/<circle /g) ?? []).length, 2);
  assert.match(w, /<polyline points="[\d.]+,[\d.]+ [\d.]+,[\d.]+"/);
  assert.equal(niceMax(7), 10);
  assert.equal(niceMax(130), 200);
  assert.equal(niceMax(1), 1);
  assert.equal(niceMax(0.25), 1);
  assert.equal(niceMax(2.5), 5);
  // the weekly chart's axis labels are whole numbers even for tiny counts
  const small = weeklyChart([{ label: "11/2", signedOff: 1, open: 5 }], { title: "周" });
  const labels = [...small.matchAll(/font-size="11" fill="#(?:2e8b57|b71c1c)">([^<]+)</g)].map((m) => m[1]);
  assert.ok(labels.length === 10 && labels.every((l) => /^\d+$/.test(l)), labels.join(","));
  assert.deepEqual(labels.filter((_, i) => i % 2 === 1), ["0", "2", "4", "6", "8"]);
});
