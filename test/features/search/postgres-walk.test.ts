// PostgreSQL's search walks a table's newest rows first and, short of the limit, asks the GIN
// indexes for every match (db/engines/search-postgres.ts): whichever statement answers, the ids
// are every matching row's, newest first, as a plain scan of all rows gives them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { makeApp, TEST_PG } from "../../helpers/app.ts";
import { parseQuery } from "../../../server/features/search/query.ts";
import type { Actor } from "../../../server/features/auth/permissions.ts";

/** the walk does not read the actor: every match, as an administrator sees them */
const ADMIN: Actor = { id: 0, role: "admin", unitId: 0, unitPath: "/" };

test("the probe and the index give the same newest matches as a scan of every row", { skip: !TEST_PG && "PostgreSQL 的检索方式（TEST_DATABASE_URL）" }, async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const { postgresSearchIndex } = await import("../../../db/engines/search-postgres.ts");
  const words = ["党费收缴", "三会一课", "谈心谈话", "主题党日", "赌博"];
  await ta.db.tx(async () => {
    for (let i = 0; i < 60; i++)
      await ta.db.run("INSERT INTO tasks (unit_id, owner_id, title, measures, deadline_kind, deadline) VALUES (?, ?, ?, ?, 'dated', '2026-12-31')", [ta.ids.a, ta.ids.owner, `${words[i % 4]}不规范${i}`, i % 17 === 3 ? `查处${words[4]}问题` : "建立台账"]);
  });
  const all = await ta.db.all<{ id: number; title: string; measures: string }>("SELECT id, title, measures FROM tasks ORDER BY id DESC");
  for (const probeRows of [5, 40, 10_000]) {
    const index = postgresSearchIndex(ta.db, { probeRows });
    for (const q of ["赌博", "赌", "党费", "党", "谈心谈话 不规范", "规范1"]) {
      const terms = parseQuery(q).terms.map((x) => x.toLowerCase());
      const expected = all.filter((r) => terms.every((x) => r.title.toLowerCase().includes(x) || r.measures.toLowerCase().includes(x))).map((r) => r.id);
      for (const limit of [3, 2000]) assert.deepEqual(await index.taskIds(parseQuery(q), limit, ADMIN), expected.slice(0, limit), `${q} probe ${probeRows} limit ${limit}`);
    }
  }
});
