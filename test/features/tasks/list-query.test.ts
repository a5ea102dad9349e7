// The task list's queries: on SQLite the whole list reads its page in the order of
// tasks_list_order_idx (migration 0004) instead of sorting every task, and every filter shape
// gives the rows a straightforward reading of the rules would give, in the list's order.
import { test } from "node:test";
import assert from "node:assert/strict";
import { makeApp } from "../../helpers/app.ts";
import { listTasks, taskWhere, subtreeIds, type TaskFilters } from "../../../server/features/tasks/service.ts";
import type { Actor } from "../../../server/features/auth/permissions.ts";

test("the whole list, and one branch's list by state, read their page from an index, without a sort (SQLite's plans)", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  if (ta.db.engine !== "sqlite") return t.skip("EXPLAIN QUERY PLAN is SQLite's");
  const admin: Actor = { id: ta.ids.admin, role: "admin", unitId: ta.ids.root, unitPath: "/" };
  const w = await taskWhere(ta.db, admin, {}, "2026-11-23");
  assert.equal(w.text, "");
  const plan = (await ta.db.all<{ detail: string }>(`EXPLAIN QUERY PLAN SELECT id FROM tasks ORDER BY tasks.state = 'done', tasks.deadline IS NULL, tasks.deadline NULLS FIRST, tasks.id LIMIT 30`)).map((r) => r.detail).join(" | ");
  assert.match(plan, /tasks_list_order_idx/);
  assert.doesNotMatch(plan, /TEMP B-TREE/);
  // one branch and one state: the commonest list, read in order from tasks_unit_state_order_idx
  const one = await taskWhere(ta.db, admin, { unit: ta.ids.a, state: "doing" }, "2026-11-23");
  const plan2 = (await ta.db.all<{ detail: string }>(`EXPLAIN QUERY PLAN SELECT id FROM tasks WHERE ${one.text} ORDER BY tasks.deadline IS NULL, tasks.deadline NULLS FIRST, tasks.id LIMIT 30`, one.params)).map((r) => r.detail).join(" | ");
  assert.match(plan2, /tasks_unit_state_order_idx/);
  assert.doesNotMatch(plan2, /TEMP B-TREE/);
  // a leader's whole list as listTasks walks it (many matches): the order index alone, which carries the scope's columns
  const leader: Actor = { id: ta.ids.leader, role: "leader", unitId: ta.ids.root, unitPath: "/1/" };
  const walk = await taskWhere(ta.db, leader, {}, "2026-11-23", { walk: true });
  const plan3 = (await ta.db.all<{ detail: string }>(`EXPLAIN QUERY PLAN SELECT id FROM tasks WHERE ${walk.text} ORDER BY tasks.state = 'done', tasks.deadline IS NULL, tasks.deadline NULLS FIRST, tasks.id LIMIT 30`, walk.params)).map((r) => r.detail).join(" | ");
  assert.match(plan3, /SCAN tasks USING COVERING INDEX tasks_list_order_idx/);
  assert.doesNotMatch(plan3, /TEMP B-TREE/);
  // 我的任务 in order from tasks_owner_order_idx
  const mine = await taskWhere(ta.db, leader, { mine: true }, "2026-11-23");
  const plan4 = (await ta.db.all<{ detail: string }>(`EXPLAIN QUERY PLAN SELECT id FROM tasks WHERE ${mine.text} ORDER BY tasks.state = 'done', tasks.deadline IS NULL, tasks.deadline NULLS FIRST, tasks.id LIMIT 30`, mine.params)).map((r) => r.detail).join(" | ");
  assert.match(plan4, /tasks_owner_order_idx/);
  assert.doesNotMatch(plan4, /TEMP B-TREE/);
});

test("every filter shape: the rows a plain reading of the rules gives, in the list's order", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const { db, ids } = ta;
  const today = "2026-11-23";
  const users = [ids.owner, ids.colleague, ids.stranger, ids.leaderA];
  const unitsOf = [ids.a, ids.a, ids.b, ids.root];
  const states = ["todo", "doing", "review", "done"] as const;
  const ins = `INSERT INTO tasks (unit_id, owner_id, leader_id, title, deadline_kind, deadline, state, signoff_requested_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`;
  // a fixed pseudo-random spread of 200 tasks over units, people, states and deadlines
  let seed = 7;
  const rnd = (n: number) => ((seed = (seed * 48271) % 2147483647) % n);
  await db.tx(async () => {
    for (let i = 0; i < 200; i++) {
      const u = rnd(4);
      const kind = rnd(5) === 0 ? "ongoing" : "dated";
      const state = states[rnd(4)];
      await db.run(ins, [unitsOf[u], users[u], rnd(2) ? ids.leaderA : null, `任务${i}`, kind, kind === "ongoing" ? null : `2026-${String(10 + rnd(3)).padStart(2, "0")}-${String(1 + rnd(28)).padStart(2, "0")}`, state, state === "review" ? users[rnd(4)] : null]);
    }
  });
  await db.run("UPDATE units SET rating = 'weak' WHERE id = ?", [ids.b]); // 后进/软弱涣散
  type Row = { id: number; unit_id: number; owner_id: number; leader_id: number | null; state: string; deadline: string | null; signoff_requested_by: number | null };
  const all = await db.all<Row>("SELECT id, unit_id, owner_id, leader_id, state, deadline, signoff_requested_by FROM tasks");
  const pathOf = async (id: number) => (await db.value<string>("SELECT path FROM units WHERE id = ?", [id]))!;
  const actors: Actor[] = [
    { id: ids.admin, role: "admin", unitId: ids.root, unitPath: await pathOf(ids.root) },
    { id: ids.leaderA, role: "leader", unitId: ids.a, unitPath: await pathOf(ids.a) },
    { id: ids.owner, role: "staff", unitId: ids.a, unitPath: await pathOf(ids.a) },
  ];
  const subtrees = new Map<number, Set<number>>();
  for (const u of [ids.root, ids.a, ids.b, 999_999]) subtrees.set(u, new Set(await subtreeIds(db, u)));
  const filters: TaskFilters[] = [{}, { unit: ids.a }, { unit: ids.root, state: "doing" }, { state: "review", review: true }, { overdue: true }, { owner: ids.stranger }, { mine: true }, { from: "2026-11-01", to: "2026-11-30" }, { unit: 999_999 }, { unit: ids.a, state: "doing" }, { unit: ids.b, state: "todo" }, { unit: ids.a, state: "done", owner: ids.owner }, { flagged: true }, { flagged: true, overdue: true }, { unit: ids.root, overdue: true }, { mine: true, state: "todo" }];
  const order = (a: Row, b: Row) =>
    Number(a.state === "done") - Number(b.state === "done") || Number(a.deadline === null) - Number(b.deadline === null) || (a.deadline ?? "").localeCompare(b.deadline ?? "") || a.id - b.id;
  for (const actor of actors)
    for (const f of filters) {
      const sub = (u: number) => subtrees.get(u)!;
      const visible = (r: Row) =>
        actor.role === "admin" || (actor.role === "leader" ? sub(actor.unitId).has(r.unit_id) || r.leader_id === actor.id || r.owner_id === actor.id : r.unit_id === actor.unitId || r.owner_id === actor.id);
      const want = all
        .filter(visible)
        .filter((r) => !f.unit || sub(f.unit).has(r.unit_id))
        .filter((r) => !f.state || r.state === f.state)
        .filter((r) => !f.owner || r.owner_id === f.owner)
        .filter((r) => !f.overdue || (r.state !== "done" && r.deadline !== null && r.deadline < today))
        .filter((r) => !f.from || (r.deadline !== null && r.deadline >= f.from))
        .filter((r) => !f.to || (r.deadline !== null && r.deadline <= f.to))
        .filter((r) => !f.mine || r.owner_id === actor.id)
        .filter((r) => !f.review || (r.state === "review" && r.signoff_requested_by !== actor.id))
        .filter((r) => !f.flagged || r.unit_id === ids.b)
        .sort(order)
        .map((r) => r.id);
      const got: number[] = [];
      for (let page = 1; ; page++) {
        const res = await listTasks(db, actor, { ...f, page }, today);
        assert.equal(res.total, want.length, `${actor.role} ${JSON.stringify(f)}: total`);
        got.push(...res.rows.map((r) => r.id));
        if (page >= res.pages) break;
      }
      assert.deepEqual(got, want, `${actor.role} ${JSON.stringify(f)}`);
      // a page past the end shows the last page, with the same count
      const last = Math.max(1, Math.ceil(want.length / 30));
      const past = await listTasks(db, actor, { ...f, page: last + 3 }, today);
      assert.deepEqual([past.page, past.pages, past.total], [last, last, want.length], `${actor.role} ${JSON.stringify(f)}: past the end`);
      assert.deepEqual(past.rows.map((r) => r.id), want.slice((last - 1) * 30), `${actor.role} ${JSON.stringify(f)}: past the end`);
    }
});
