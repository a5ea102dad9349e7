// npm run cli -- copy-to-postgres --to URL: an SQLite installation (the demo, with its history,
// evidence rows and search texts) into an empty PostgreSQL database, counted on both sides; the
// copy then works as the original: the same search hits, the same figures, new rows after the
// copied ids. A second copy into the now full database is refused and writes nothing.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cli } from "../helpers/cli.ts";
import { TEST_PG } from "../helpers/app.ts";
import { openDb } from "../../db/client.ts";
import { copyPlan } from "../../db/copy.ts";
import { search } from "../../server/features/search/service.ts";
import { createTask } from "../../server/features/tasks/service.ts";
import type { Actor } from "../../server/features/auth/permissions.ts";

const NO_PG = !TEST_PG && "需要 PostgreSQL：npm test 的 PostgreSQL 部分会运行它（TEST_DATABASE_URL）";

test("copy-to-postgres: every row copied and counted, the copy searches and counts as the original, a full target is refused", { skip: NO_PG, timeout: 180_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "rectify-copy-"));
  const { freshDatabase, dropDatabase } = await import("../helpers/pg.ts");
  const target = await freshDatabase(TEST_PG!);
  t.after(async () => {
    await dropDatabase(target);
    rmSync(dir, { recursive: true, force: true });
  });
  const sqliteEnv = { DATABASE_FILE: join(dir, "rectify.db"), DATABASE_URL: "" };
  assert.equal(cli(sqliteEnv, "seed-demo").code, 0);

  const r = cli(sqliteEnv, "copy-to-postgres", "--to", target);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /已复制完成：\d+ 张表共 \d+ 行，两边逐表核对行数一致/);

  const src = await openDb(join(dir, "rectify.db"));
  const dst = await openDb(target);
  t.after(async () => {
    await src.close();
    await dst.close();
  });
  for (const { table } of copyPlan()) {
    assert.equal(await dst.value<number>(`SELECT count(*) FROM "${table}"`), await src.value<number>(`SELECT count(*) FROM "${table}"`), table);
  }
  // the same rows, column for column, for the tables people read most
  for (const q of ["SELECT id, title, state, version, deadline, owner_id, unit_id FROM tasks ORDER BY id", "SELECT id, task_id, kind, text, at FROM task_events ORDER BY id", "SELECT id, name, path, secretary_id, overseer_id FROM units ORDER BY id", "SELECT id, email, role, active FROM users ORDER BY id"]) {
    assert.deepEqual(await dst.all(q), await src.all(q), q);
  }
  // the counters the triggers keep were rebuilt as the rows arrived
  assert.deepEqual(
    await dst.all(`SELECT unit_id, state, count(*) AS n FROM tasks GROUP BY unit_id, state ORDER BY unit_id, state`),
    await src.all(`SELECT unit_id, state, count(*) AS n FROM tasks GROUP BY unit_id, state ORDER BY unit_id, state`),
  );
  // search: the same hits for a long and a short term (the indexes are the target's own)
  const admin = (await src.get<{ id: number; unitId: number }>(`SELECT id, unit_id AS "unitId" FROM users WHERE role = 'admin'`))!;
  const actor: Actor = { id: admin.id, role: "admin", unitId: admin.unitId, unitPath: "/" };
  for (const q of ["党费收缴", "党费", "记录"]) {
    const [a, b] = [await search(src, actor, q), await search(dst, actor, q)];
    assert.ok(a.hits.length > 0, q);
    assert.deepEqual(b.hits.map((h) => h.href), a.hits.map((h) => h.href), q);
  }
  // new rows continue after the copied ids
  const maxId = (await dst.value<number>("SELECT max(id) FROM tasks"))!;
  const leader = (await dst.get<{ id: number; unitId: number; path: string }>(`SELECT u.id, u.unit_id AS "unitId", un.path FROM users u JOIN units un ON un.id = u.unit_id WHERE u.role = 'leader'`))!;
  const staff = (await dst.get<{ id: number; unitId: number }>(`SELECT id, unit_id AS "unitId" FROM users WHERE role = 'staff' ORDER BY id`))!;
  const id = await createTask(
    { db: dst, actor: { id: leader.id, role: "leader", unitId: leader.unitId, unitPath: leader.path }, now: new Date(), today: new Date().toISOString().slice(0, 10) },
    { title: "复制后新建的任务", goal: "", measures: "", coUnits: "", unitId: staff.unitId, ownerId: staff.id, leaderId: leader.id, deadlineKind: "ongoing", deadline: "" },
  );
  assert.ok(id > maxId, `${id} > ${maxId}`);

  // a second copy: the target is no longer empty
  const before = await dst.value<number>("SELECT count(*) FROM task_events");
  const again = cli(sqliteEnv, "copy-to-postgres", "--to", target);
  assert.equal(again.code, 1);
  assert.match(again.err, /^错误：目标 PostgreSQL 数据库不是空的/);
  assert.equal(await dst.value<number>("SELECT count(*) FROM task_events"), before);
  // and the obvious mistakes, in Chinese
  assert.match(cli(sqliteEnv, "copy-to-postgres").err, /缺少 --to/);
  assert.match(cli(sqliteEnv, "copy-to-postgres", "--to", "mysql://x").err, /应为 postgres:\/\/ 连接串/);
});
