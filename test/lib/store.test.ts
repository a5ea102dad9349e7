// The store's verbs as every feature sees them, on whichever engine npm test runs (SQLite, then
// PostgreSQL): rows as objects under their aliases, a writing statement through all() outside a
// transaction, and the plan question readsInOrder().
import { test } from "node:test";
import assert from "node:assert/strict";
import { makeApp } from "../helpers/app.ts";

test("all/get/value/column: rows as objects by alias (the last of two equal names wins), nothing for no row", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const { db } = ta;
  const rows = await db.all<{ id: number; unitName: string; n: number }>(`SELECT u.id, u.name AS "unitName", 1 AS n, 2 AS n FROM units u WHERE u.id IN (?, ?) ORDER BY u.id`, [ta.ids.a, ta.ids.b]);
  assert.deepEqual(rows, [
    { id: ta.ids.a, unitName: "第一党支部", n: 2 },
    { id: ta.ids.b, unitName: "第二党支部", n: 2 },
  ]);
  assert.deepEqual(await db.get(`SELECT name AS "unitName" FROM units WHERE id = ?`, [ta.ids.b]), { unitName: "第二党支部" });
  assert.equal(await db.get(`SELECT name FROM units WHERE id = ?`, [-1]), undefined);
  assert.equal(await db.value(`SELECT name FROM units WHERE id = ?`, [ta.ids.a]), "第一党支部");
  assert.deepEqual(await db.column(`SELECT id FROM units WHERE id IN (?, ?) ORDER BY id`, [ta.ids.a, ta.ids.b]), [ta.ids.a, ta.ids.b]);
  // the same statement read again as objects after a value() of it: its row mode is its own each time
  const text = `SELECT id, name FROM units WHERE id = ?`;
  assert.equal(await db.value(text, [ta.ids.a]), ta.ids.a);
  assert.deepEqual(await db.get(text, [ta.ids.a]), { id: ta.ids.a, name: "第一党支部" });
  await assert.rejects(db.all(`SELECT nothing FROM units`), "a wrong statement's error reaches the caller as a rejection");
});

test("a writing statement through all() outside a transaction runs in one of its own, and counts as a write", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const { db } = ta;
  const before = db.writes();
  const [row] = await db.all<{ id: number; name: string }>(`UPDATE units SET name = ? WHERE id = ? RETURNING id, name`, ["改名支部", ta.ids.b]);
  assert.deepEqual(row, { id: ta.ids.b, name: "改名支部" });
  assert.ok(db.writes() > before, "the write is counted (change counters are read again after it)");
  assert.equal(await db.value(`SELECT name FROM units WHERE id = ?`, [ta.ids.b]), "改名支部");
  // inside a transaction that fails, the same statement leaves nothing
  await assert.rejects(
    db.tx(async () => {
      await db.get(`UPDATE units SET name = ? WHERE id = ? RETURNING id`, ["不该留下", ta.ids.b]);
      throw new Error("rollback");
    }),
  );
  assert.equal(await db.value(`SELECT name FROM units WHERE id = ?`, [ta.ids.b]), "改名支部");
});

test("readsInOrder: a sort the engine must make is told apart from no sort at all; asked once per text", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const { db } = ta;
  const sorted = `SELECT id, title FROM tasks WHERE unit_id = ? ORDER BY lower(title) || 'x' LIMIT 5`;
  assert.equal(await db.readsInOrder(sorted, [ta.ids.a]), false, "no index holds lower(title) || 'x'");
  assert.equal(await db.readsInOrder(`SELECT id, title FROM tasks WHERE unit_id = ? LIMIT 5`, [ta.ids.a]), true, "no ORDER BY, no sort");
  if (db.engine === "sqlite") assert.equal(await db.readsInOrder(`SELECT id FROM tasks ORDER BY id LIMIT 5`), true, "SQLite walks the primary key");
  assert.equal(await db.readsInOrder(sorted, [ta.ids.b]), false, "asked again (kept), the same answer");
  await assert.rejects(db.readsInOrder(`SELECT nothing FROM tasks ORDER BY id`));
});

test("scan: a short read does not wait behind a long one (SQLite: a thread for long reads; PostgreSQL: pooled connections)", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const { db } = ta;
  const order: string[] = [];
  // a read of about a second on either engine: counting to two million in a recursive query
  const long = db.scan<{ n: number }>(`WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ?) SELECT count(*) AS n FROM c`, [2_000_000], { long: true }).then((r) => {
    order.push("long");
    return Number(r[0].n);
  });
  await new Promise((r) => setTimeout(r, 20)); // the long read under way
  const short = await db.scan<{ name: string }>(`SELECT name FROM units WHERE id = ?`, [ta.ids.a]);
  order.push("short");
  assert.deepEqual(short, [{ name: "第一党支部" }]);
  assert.equal(await long, 2_000_000);
  assert.deepEqual(order, ["short", "long"], "the short read answered while the long one ran");
});

test("scan: two short reads run side by side (SQLite: a second reader thread when the first is busy; PostgreSQL: pooled connections)", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const { db } = ta;
  // both threads up first (the second starts when the first is busy; starting one takes a while
  // on a loaded machine, longer than the slow read below)
  const count = `WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ?) SELECT count(*) AS n FROM c`;
  await Promise.all([db.scan(count, [100_000]), db.scan(`SELECT 1`)]);
  const order: string[] = [];
  // a short read that runs long (counting to two million), then a quick one: the quick one must not queue behind it
  const slow = db.scan<{ n: number }>(count, [2_000_000]).then((r) => {
    order.push("slow");
    return Number(r[0].n);
  });
  await new Promise((r) => setTimeout(r, 20));
  const quick = await db.scan<{ name: string }>(`SELECT name FROM units WHERE id = ?`, [ta.ids.a]);
  order.push("quick");
  assert.deepEqual(quick, [{ name: "第一党支部" }]);
  assert.equal(await slow, 2_000_000);
  assert.deepEqual(order, ["quick", "slow"], "the quick read answered while the slow one ran");
});

test("close() lets the reads and transactions under way finish first (a server stopped under load), then closes", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const { openDb } = await import("../../db/client.ts");
  const db = await openDb(ta.config.database); // a store of its own on the same database, closed here
  const pause = () => new Promise((r) => setTimeout(r, 5));
  // a request's handler: statements one after another, a little work between them
  const handler = (async () => {
    const seen: number[] = [];
    for (let i = 0; i < 8; i++) {
      await db.tx(() => db.run("UPDATE units SET name = ? WHERE id = ?", [`第${i}次改名`, ta.ids.b]));
      await pause();
      seen.push(Number(await db.value("SELECT count(*) FROM units")));
      seen.push((await db.scan<{ n: number }>("SELECT count(*) AS n FROM units")).length);
      await pause();
    }
    return seen.length;
  })();
  await pause();
  const closed = db.close(); // while the handler is under way
  assert.equal(await handler, 16, "every statement of the handler ran");
  await closed;
  assert.equal(await ta.db.value("SELECT name FROM units WHERE id = ?", [ta.ids.b]), "第7次改名");
  await assert.rejects(db.value("SELECT 1"), "closed afterwards");
});

test("keptFor: one ask a key shared while it is kept, asked again once `ms` have passed, a failed ask not kept", async () => {
  const { keptFor } = await import("../../db/store.ts");
  const kept = keptFor<number>(40);
  let asked = 0;
  const ask = async () => ++asked;
  assert.deepEqual(await Promise.all([kept("a", ask), kept("a", ask)]), [1, 1]);
  assert.equal(await kept("b", ask), 2, "another key, its own ask");
  assert.equal(await kept("a", ask), 1);
  await new Promise((r) => setTimeout(r, 60));
  assert.equal(await kept("a", ask), 3, "asked again after 40 ms");
  await assert.rejects(kept("c", () => Promise.reject(new Error("down"))));
  assert.equal(await kept("c", ask), 4, "the failure was not kept");
});
