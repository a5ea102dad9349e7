// The nightly maintenance (server/lib/maintenance.ts): run by the server at MAINTENANCE_CRON, it
// merges the search indexes and refreshes the planner's statistics without per-value samples.
import { test } from "node:test";
import assert from "node:assert/strict";
import { makeApp, TEST_PG } from "../helpers/app.ts";
import { SEARCH_TABLES, segments, writeSegments } from "../helpers/search.ts";
import { maintain, refreshPlannerStats, startMaintenanceSchedule } from "../../server/lib/maintenance.ts";
import { search } from "../../server/features/search/service.ts";
import { loadConfig, ConfigError } from "../../server/config.ts";

const SQLITE_ONLY = { skip: TEST_PG && "SQLite 的索引分段与统计表（PostgreSQL 由 autovacuum 与 ANALYZE 负责）" };
const statRows = async (db: Awaited<ReturnType<typeof makeApp>>["db"], table: string) =>
  (await db.get("SELECT 1 FROM sqlite_schema WHERE name = ?", [table])) ? ((await db.value(`SELECT count(*) FROM ${table}`)) as number) : 0;

test("refreshPlannerStats keeps per-index row counts (sqlite_stat1) and no per-value samples (sqlite_stat4)", SQLITE_ONLY, async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  await writeSegments(ta);
  assert.equal((await statRows(ta.db, "sqlite_stat1")), 0, "a new database has no statistics");
  await refreshPlannerStats(ta.db);
  const tasksStats = (await ta.db.column("SELECT idx FROM sqlite_stat1 WHERE tbl = 'tasks'")) as string[];
  assert.ok(tasksStats.includes("tasks_unit_state_order_idx"), `stat1 for the tasks' indexes: ${tasksStats.join(", ")}`);
  assert.equal((await statRows(ta.db, "sqlite_stat4")), 0);
  // run again, as every night: still counts, still no samples
  await refreshPlannerStats(ta.db);
  assert.ok((await statRows(ta.db, "sqlite_stat1")) > 0);
  assert.equal((await statRows(ta.db, "sqlite_stat4")), 0);
});

test("maintain() merges every search index and refreshes the statistics", SQLITE_ONLY, async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  await writeSegments(ta);
  assert.deepEqual(await maintain(ta.db), [...SEARCH_TABLES, "audit retention", "overview notes", "planner statistics"]);
  for (const table of SEARCH_TABLES) assert.equal(await segments(ta, table), 1, table);
  assert.ok((await statRows(ta.db, "sqlite_stat1")) > 0);
});

test("the server runs it itself at MAINTENANCE_CRON, and logs it", { timeout: 20_000, ...SQLITE_ONLY }, async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  await writeSegments(ta);
  const logged: object[] = [];
  let ran!: () => void;
  const done = new Promise<void>((res) => (ran = res));
  // every second (croner's six-field form), so the test sees a scheduled run without waiting for 3:00
  const schedule = startMaintenanceSchedule({
    db: ta.db,
    config: { maintenanceCron: "* * * * * *", timeZone: "Asia/Shanghai" },
    log: { info: (o: object) => (logged.push(o), ran()), error: (o: object) => assert.fail(`maintenance failed: ${JSON.stringify(o)}`) },
  });
  t.after(() => schedule.stop());
  assert.ok(schedule.next()!.getTime() - Date.now() <= 1000, "the next run is within a second");
  await done;
  schedule.stop();
  for (const table of SEARCH_TABLES) assert.equal(await segments(ta, table), 1, `${table} merged by the scheduled run`);
  assert.ok((await statRows(ta.db, "sqlite_stat1")) > 0, "statistics by the scheduled run");
  assert.equal((logged[0] as { steps: number }).steps, SEARCH_TABLES.length + 3);
  assert.ok((await search(ta.db, { id: ta.ids.admin, role: "admin", unitId: ta.ids.root, unitPath: "/" }, "谈心谈话")).hits.length > 0);
});

test("MAINTENANCE_CRON: 3:00 by default, off to leave it to the system's cron, a bad pattern stops the start with a message naming it", () => {
  const env = { SESSION_SECRET: "x".repeat(40) };
  assert.equal(loadConfig(env).maintenanceCron, "0 3 * * *");
  assert.equal(loadConfig({ ...env, MAINTENANCE_CRON: "off" }).maintenanceCron, "off");
  assert.equal(loadConfig({ ...env, MAINTENANCE_CRON: "15 2 * * 0" }).maintenanceCron, "15 2 * * 0");
  assert.throws(() => loadConfig({ ...env, MAINTENANCE_CRON: "nightly" }), (e: unknown) => e instanceof ConfigError && /MAINTENANCE_CRON/.test(e.message) && /cron 表达式/.test(e.message));
});
